"""Place the model's proposed cells in a notebook: turn ProposedCells into ChangeSet edits."""

from __future__ import annotations

from collections.abc import Sequence

from ..errors import ApplyError
from .changeset import CellState, Edit, ProposedCell, fresh_cell_id
from .snapshot import NotebookSnapshot

__all__ = ["plan_edits"]


def plan_edits(
    snapshot: NotebookSnapshot,
    proposed: Sequence[ProposedCell],
    *,
    after_id: str | None,
    replace_id: str | None = None,
) -> list[Edit]:
    """The edits that put ``proposed`` into the notebook seen in ``snapshot``.

    * New cells are inserted as a chain: the first after ``after_id`` (``None``: after the
      last cell, so at the end), each next one after the previous new one. The new cells get
      fresh ids that collide with no cell of the snapshot nor with each other.
    * With ``replace_id`` (which wins over ``after_id``) the first proposed cell *of that cell's
      type* replaces it (a code cell stays code: prose never replaces code) and the chain of new
      cells starts right after it. When the reply has no cell of that type, :class:`ApplyError`.
    * A proposed cell whose ``replaces`` names a cell of the snapshot replaces that cell; the
      chain of new cells goes on where it was. When ``replaces`` names no cell of the snapshot
      (models do invent ids) or a cell already replaced by this reply, the cell is inserted
      in the chain instead: the work is kept, visible and revertible, never silently dropped.
    * Every replace records ``before`` as seen in the snapshot, so applying the edits to a
      notebook edited since fails cleanly (see :mod:`.apply`) instead of clobbering the edit.

    Raises :class:`ApplyError` when ``after_id`` or ``replace_id`` is not in the snapshot.
    """
    by_id = {cell.id: cell for cell in snapshot.cells}
    for label, cell_id in (("replace", replace_id), ("insert after", after_id)):
        if cell_id is not None and cell_id not in by_id:
            raise ApplyError(
                f"Cannot {label} cell {cell_id}: the notebook has no cell with that id.",
                hint="It may have been deleted; run the command again from an existing cell.",
            )
    if replace_id is not None:
        cursor: str | None = replace_id
    elif after_id is not None:
        cursor = after_id
    else:
        cursor = snapshot.cells[-1].id if snapshot.cells else None
    replacing = _replacing_index(by_id[replace_id].cell_type, replace_id, proposed) if replace_id else None
    taken = set(by_id)
    replaced: set[str] = set()
    edits: list[Edit] = []
    for number, cell in enumerate(proposed):
        target = replace_id if number == replacing else cell.replaces
        after = CellState(cell.cell_type, cell.source)
        if target is not None and target in by_id and target not in replaced:
            replaced.add(target)
            old = by_id[target]
            edits.append(
                Edit("replace", target, before=CellState(old.cell_type, old.source), after=after)
            )
            continue
        cell_id = fresh_cell_id(taken)
        edits.append(Edit("insert", cell_id, after=after, anchor=cursor))
        cursor = cell_id
    return edits


def _replacing_index(cell_type: str, cell_id: str, proposed: Sequence[ProposedCell]) -> int:
    """The first proposed cell of ``cell_type`` (the one that takes the replaced cell's place)."""
    for number, cell in enumerate(proposed):
        if cell.cell_type == cell_type and cell.replaces in (None, cell_id):
            return number
    raise ApplyError(
        f"The reply holds no {cell_type} cell to put in place of cell {cell_id}; nothing was changed.",
        hint=f"Ask again and say what the new {cell_type} should be, or ask without --replace.",
    )
