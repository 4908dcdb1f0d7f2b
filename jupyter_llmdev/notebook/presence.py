"""Whether a recorded change is still in the notebook, worked out from its cells.

The twin of the panel's ``labextension/src/applier/presence.ts``: one rule, checked by the shared
vectors in ``tests/vectors/`` (``kind: "presence"``), so ``llmdev log``/``show``, ``%llm log`` and
History never disagree.

JupyterLab's undo (``z``) and redo (``Shift+Z``) cover the notebook's cells, not its metadata:
undoing an Insert removes its cells and saves a file whose record still says ``applied``. The
record stays as written (undo must not rewrite history that collaborators share, and redo brings
the cells back); the truth is computed whenever it is shown, and a revert refuses a change that is
no longer there instead of recording a revert that writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..errors import ApplyError
from .changeset import CellState, ChangeSet

__all__ = ["Presence", "check_revertable", "presence_of"]

#: ``applied``: every touched cell is as the change left it; ``undone``: every one is as it was
#: before the change (undo, or its cells removed by hand); ``edited``: anything in between
Presence = Literal["applied", "undone", "edited"]

#: the state a record does not give (a crafted record without ``before``/``after``): never matches
_UNKNOWN = object()
#: "no cell": before an insert, after a delete
_NO_CELL = None


def presence_of(change: ChangeSet, cells: Iterable[Any]) -> Presence:
    """Where ``change`` (status ``applied``) stands in ``cells``.

    ``cells`` are nbformat cells (mappings with ``id``, ``cell_type``, ``source``; a list source
    counts as its concatenation) or objects with those attributes (a kernel's snapshot cells).
    Each touched cell is compared by its first ``before`` and its last ``after`` in the change.
    """
    by_id = {_field(cell, "id"): cell for cell in cells}
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    for edit in change.edits:
        if edit.cell_id not in before:
            before[edit.cell_id] = _NO_CELL if edit.op == "insert" else _known(edit.before)
        after[edit.cell_id] = _NO_CELL if edit.op == "delete" else _known(edit.after)

    def matches(states: dict[str, object]) -> bool:
        return all(state is not _UNKNOWN and _same(by_id.get(cell_id), state) for cell_id, state in states.items())

    if matches(after):
        return "applied"
    return "undone" if before and matches(before) else "edited"


def check_revertable(change: ChangeSet, cells: Iterable[Any], edit_count: int | None = None) -> None:
    """Refuse to revert a change that is not in the notebook (:class:`ApplyError`).

    An ``undone`` change has nothing to revert, forced or not (forcing it would record a revert
    that writes nothing, or only what is already there). With ``edit_count``, the number of edits
    the planned revert holds: 0 is refused too, since recording it would claim an undo that never
    happened.
    """
    if presence_of(change, cells) == "undone":
        raise ApplyError(
            f"Change {change.id} is not in the notebook: it was undone (or its cells were removed by hand), so "
            "its cells are already as before it and there is nothing to revert. Nothing was written.",
            hint="In JupyterLab, redo (Shift+Z in command mode) brings it back.",
        )
    if edit_count == 0:
        raise ApplyError(
            f"Reverting change {change.id} would write nothing: none of its cells are in the notebook as it "
            "left them (removed or edited by hand). Nothing was written or recorded."
        )


def _known(state: CellState | None) -> object:
    return _UNKNOWN if state is None else state


def _same(cell: Any, state: object) -> bool:
    if state is _NO_CELL:
        return cell is None
    if not isinstance(state, CellState):
        return False
    return cell is not None and _field(cell, "cell_type") == state.cell_type and _source(cell) == state.source


def _field(cell: Any, name: str) -> Any:
    return cell.get(name) if isinstance(cell, Mapping) else getattr(cell, name, None)


def _source(cell: Any) -> str:
    source = _field(cell, "source")
    if source is None:
        return ""
    return source if isinstance(source, str) else "".join(source)
