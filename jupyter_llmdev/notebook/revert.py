"""Revert a recorded change exactly, as a new change made of the inverse edits."""

from __future__ import annotations

import copy
from typing import Any

from ..errors import ApplyError, RevertConflict
from .apply import apply_changeset
from .changeset import CellState, ChangeSet, Edit
from .history import find_change
from .metadata import read_section
from .presence import check_revertable

__all__ = ["plan_revert", "revert_change"]

_FORCE_HINT = "Use --force to revert anyway (your edits to those cells will be lost)."


def revert_change(
    nb: Any, change_id_or_prefix: str, *, force: bool = False, role: str = "human"
) -> ChangeSet:
    """Undo a recorded change in ``nb`` and return the revert, itself a recorded change.

    The revert has ``command="revert"`` and ``reverts=<id>``; the original's status becomes
    ``reverted``. Sources, cell types and (for deleted cells) user metadata come back exactly.
    Raises ``ChangeNotFound`` for an unknown or ambiguous id, :class:`ApplyError` for a change
    already reverted, for one that is undone (its cells are as before it: JupyterLab's undo) and
    for a revert that would write nothing (even forced), and :class:`RevertConflict` when a cell
    the change touched was edited since (unless ``force``); ``nb`` is unchanged after any error.
    """
    inverse = plan_revert(nb, change_id_or_prefix, force=force, role=role)
    apply_changeset(nb, inverse)
    return inverse


def plan_revert(
    nb: Any, change_id_or_prefix: str, *, force: bool = False, role: str = "human"
) -> ChangeSet:
    """The revert ChangeSet of a change, computed but not applied (see :func:`revert_change`).

    Inverse edits, in reverse order: insert -> delete; replace -> replace back; delete ->
    insert after the recorded anchor, or at the recorded position when the anchor is gone too.
    With ``force``: a cell that is gone is skipped, and a deleted cell whose id exists again
    gets its old type and source back. An undone change, and a revert without edits, are refused
    (:func:`.presence.check_revertable`): no revert ever records that it wrote nothing.
    """
    section = read_section(nb)
    change = find_change(section, change_id_or_prefix)
    if change.status == "reverted":
        by = [r["id"] for r in section["changes"] if r.get("reverts") == change.id]
        raise ApplyError(
            f"Change {change.id} was already reverted"
            + (f" by change {by[-1]}; nothing to do." if by else "; nothing to do."),
            hint=f"To bring it back, revert {by[-1]}." if by else None,
        )
    if change.status != "applied":
        raise ApplyError(f"Change {change.id} is {change.status}, not applied; nothing to revert.")
    check_revertable(change, nb.get("cells", []))  # undone: nothing to revert, forced or not
    cells = {cell.get("id"): cell for cell in nb.get("cells", [])}
    conflicts = _conflicts(change, cells)
    if conflicts and not force:
        error = RevertConflict(
            f"Cannot revert change {change.id}: {len(conflicts)} cell(s) changed since it: "
            + ", ".join(description for _, description in conflicts)
            + ".",
            hint=_FORCE_HINT,
        )
        error.cells = [cell_id for cell_id, _ in conflicts]  # type: ignore[attr-defined]
        raise error
    order = [cell.get("id") for cell in nb.get("cells", [])]
    state = {
        cell_id: CellState(cell.get("cell_type"), _source(cell)) for cell_id, cell in cells.items()
    }
    head = section["changes"][-1]["id"] if section["changes"] else None
    prompt = f"revert {change.id}"
    if change.prompt.strip():
        prompt += f": {change.prompt.strip().splitlines()[0]}"
    edits = _inverse(change, order, state)
    check_revertable(change, nb.get("cells", []), len(edits))
    return ChangeSet(
        edits=edits,
        role=role,
        command="revert",
        prompt=prompt,
        plan_id=change.plan_id,
        parent=head,
        reverts=change.id,
    )


def _conflicts(change: ChangeSet, cells: dict[str, Any]) -> list[tuple[str, str]]:
    """(cell id, description) of each touched cell that no longer is as the change left it."""
    expected: dict[str, CellState | None] = {}
    for edit in change.edits:
        expected[edit.cell_id] = None if edit.op == "delete" else edit.after
    conflicts = []
    for cell_id, state in expected.items():
        cell = cells.get(cell_id)
        if state is None:
            if cell is not None:
                conflicts.append((cell_id, f"{cell_id} (created again: {_head(cell)})"))
        elif cell is None:
            conflicts.append((cell_id, f"{cell_id} (deleted)"))
        elif (cell.get("cell_type"), _source(cell)) != (state.cell_type, state.source):
            conflicts.append((cell_id, f"{cell_id} ({_head(cell)})"))
    return conflicts


def _inverse(change: ChangeSet, order: list[str], state: dict[str, CellState]) -> list[Edit]:
    """The inverse edits, computed against a running copy (``order``, ``state``) of the cells."""
    edits: list[Edit] = []
    for edit in reversed(change.edits):
        current = state.get(edit.cell_id)
        if edit.op == "insert":
            if current is None:
                continue
            edits.append(Edit("delete", edit.cell_id, before=current))
            order.remove(edit.cell_id)
            del state[edit.cell_id]
        elif edit.op == "replace" and edit.before is not None:
            if current is None:
                continue
            restored = CellState(edit.before.cell_type, edit.before.source)
            edits.append(Edit("replace", edit.cell_id, before=current, after=restored))
            state[edit.cell_id] = restored
        elif edit.op == "delete" and edit.before is not None:
            restored = CellState(edit.before.cell_type, edit.before.source)
            if current is not None:
                edits.append(Edit("replace", edit.cell_id, before=current, after=restored))
                state[edit.cell_id] = restored
                continue
            anchor = _anchor(edit, order)
            metadata = copy.deepcopy(edit.before.metadata) if edit.before.metadata else None
            after = CellState(restored.cell_type, restored.source, metadata)
            edits.append(Edit("insert", edit.cell_id, after=after, anchor=anchor))
            order.insert(order.index(anchor) + 1 if anchor is not None else 0, edit.cell_id)
            state[edit.cell_id] = restored
    return edits


def _anchor(edit: Edit, order: list[str]) -> str | None:
    """Where a deleted cell goes back: after its anchor, else at its recorded position."""
    if edit.anchor is None or edit.anchor in order:
        return edit.anchor
    if edit.position is None:  # no position recorded: the end is the least surprising place
        return order[-1] if order else None
    position = min(edit.position, len(order))
    return order[position - 1] if position > 0 else None


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _head(cell: Any, limit: int = 40) -> str:
    lines = _source(cell).strip().splitlines()
    line = lines[0].strip() if lines else ""
    if not line:
        return "empty"
    return repr(line if len(line) <= limit else line[: limit - 3] + "...")
