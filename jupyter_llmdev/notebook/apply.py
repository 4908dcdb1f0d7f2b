"""Apply a ChangeSet to an nbformat notebook: check every edit first, then change all or nothing.

Rules (the TypeScript applier follows the same ones; ``tests/vectors`` pins them down):

* Edits apply in list order, each against the notebook as the previous edits left it, so an
  insert may anchor on a cell inserted earlier in the same ChangeSet.
* ``insert``: ``cell_id`` must be a new, valid nbformat cell id and ``anchor`` an existing cell
  (``None``: the top). The new cell is an nbformat 4.5 cell of ``after``'s type and source with
  ``after.metadata`` (code cells: ``outputs: []``, ``execution_count: null``).
* ``replace``: the cell takes ``after``'s type and source and keeps its metadata; a code cell
  whose source or type changes loses its outputs (they belonged to the old code). Markdown or
  raw cells keep attachments unless they become code.
* ``delete``: the cell is removed.
* ``before`` is optimistic locking: when given (``replace``, ``delete``) it must equal the
  cell's current type and source, else :class:`ApplyError` (the cell was edited since the
  change was prepared). ``before: None`` means "whatever the cell holds now": a fresh proposal
  that does not know the cell, e.g. from a frontend. Either way the record stored in the
  notebook gets the real ``before``; a delete's record also gets the cell's user metadata,
  its real ``anchor`` (preceding cell) and ``position``, whatever the ChangeSet said.
* Every cell the change leaves in place or inserts gets the cell-level stamp
  ``{"change", "revision" (+1), "origin"}`` once per ChangeSet.
* The completed record is appended to ``metadata.jupyter_llmdev.changes`` with status
  ``applied``. A ChangeSet with ``reverts`` marks that change ``reverted``; when that change
  was itself a revert, the change it had undone is ``applied`` again.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from typing import Any

from ..errors import ApplyError
from .changeset import CellState, ChangeSet, Edit
from .metadata import (
    NAMESPACE,
    _like,
    change_record_problem,
    origin_for_role,
    read_section,
    stamp_cell,
    store_section,
    validate_section,
)

__all__ = ["CELL_TYPES", "apply_changeset", "user_metadata"]

#: the cell types a ChangeSet may create
CELL_TYPES = ("code", "markdown", "raw")
_CELL_ID = re.compile(r"^[a-zA-Z0-9-_]{1,64}$")
_RETRY = "Nothing was changed; run the command again on the current notebook."


def apply_changeset(nb: Any, cs: ChangeSet) -> None:
    """Apply ``cs`` to ``nb`` (an nbformat v4.5 NotebookNode) and record it in the metadata.

    The whole ChangeSet is checked first; on any error (:class:`ApplyError`, or
    ``MetadataError``/``MetadataVersionError`` from the existing history) ``nb`` is unchanged.
    On success ``cs`` itself is completed in place the way it was recorded: ``before``,
    delete anchors and positions filled in from the notebook, ``status`` set to ``applied``.
    """
    section = read_section(nb)
    by_id = {record["id"]: record for record in section["changes"]}
    if cs.id in by_id:
        raise ApplyError(f"Change {cs.id} is already recorded in this notebook.", hint=_RETRY)
    state = _State(nb)
    completed = [state.apply(number, edit, cs.id) for number, edit in enumerate(cs.edits, 1)]
    data = dataclasses.replace(cs, edits=completed, status="applied").to_dict()
    problem = change_record_problem(data)
    if problem:
        raise ApplyError(f"Change {cs.id} is malformed: {problem}.", hint="Nothing was changed.")
    if cs.reverts:
        _mark_reverted(by_id, cs)
    section["changes"].append(data)
    validate_section(section)
    # everything is checked: commit (no step below can fail on a well-formed notebook)
    cells = state.cells()
    origin = origin_for_role(cs.role)
    for cell in cells:
        if cell["id"] in state.touched:
            stamp_cell(cell, cs.id, origin=origin)
    nb["cells"] = cells
    store_section(nb, section)
    cs.edits = completed
    cs.status = "applied"


def user_metadata(cell: Any) -> dict[str, Any]:
    """A plain copy of the cell's metadata without the ``jupyter_llmdev`` stamp."""
    metadata = cell.get("metadata") or {}
    return json.loads(json.dumps({k: v for k, v in metadata.items() if k != NAMESPACE}))


def _mark_reverted(by_id: dict[str, dict[str, Any]], cs: ChangeSet) -> None:
    target = by_id.get(cs.reverts or "")
    if target is None:
        raise ApplyError(
            f"Change {cs.id} reverts {cs.reverts}, which is not in this notebook's history.",
            hint="Nothing was changed.",
        )
    if target["status"] != "applied":
        raise ApplyError(
            f"Change {target['id']} is {target['status']}, so it cannot be reverted.",
            hint="Nothing was changed.",
        )
    target["status"] = "reverted"
    undone = by_id.get(target.get("reverts") or "")
    if undone is not None:
        undone["status"] = "applied"


class _State:
    """The notebook's cell order as the edits go, without touching the notebook's own cells."""

    def __init__(self, nb: Any) -> None:
        self._template = nb
        self._order: list[str] = []
        self._cells: dict[str, Any] = {}
        #: ids of the cells inserted or replaced (their nodes are new objects, safe to stamp)
        self.touched: set[str] = set()
        for position, cell in enumerate(nb.get("cells", [])):
            cell_id = cell.get("id")
            if not isinstance(cell_id, str) or not cell_id:
                raise ApplyError(
                    f"Cell {position + 1} of this notebook has no id (nbformat older than 4.5).",
                    hint="Open and save it in JupyterLab 4 first to give its cells ids.",
                )
            if cell_id in self._cells:
                raise ApplyError(
                    f"Two cells of this notebook have the id {cell_id}.",
                    hint="Open and save it in JupyterLab 4 to repair duplicate ids.",
                )
            self._order.append(cell_id)
            self._cells[cell_id] = cell

    def cells(self) -> list[Any]:
        return [self._cells[cell_id] for cell_id in self._order]

    def apply(self, number: int, edit: Edit, change_id: str) -> Edit:
        where = f"Change {change_id}, edit {number} ({edit.op} {edit.cell_id})"
        if edit.op == "insert":
            return self._insert(edit, where)
        if edit.op not in ("replace", "delete"):
            raise ApplyError(
                f"{where}: unknown operation {edit.op!r}.", hint="Nothing was changed."
            )
        if edit.cell_id not in self._cells:
            raise ApplyError(f"{where}: this notebook has no cell {edit.cell_id}.", hint=_RETRY)
        cell = self._cells[edit.cell_id]
        current = CellState(cell.get("cell_type", "code"), _source(cell))
        if edit.before is not None and (edit.before.cell_type, edit.before.source) != (
            current.cell_type,
            current.source,
        ):
            raise ApplyError(
                f"{where}: the cell was edited since the change was made.", hint=_RETRY
            )
        if edit.op == "replace":
            after = self._checked_after(edit, where)
            self._cells[edit.cell_id] = _replaced(cell, after, self._template)
            self.touched.add(edit.cell_id)
            return Edit("replace", edit.cell_id, before=current, after=after)
        position = self._order.index(edit.cell_id)
        anchor = self._order[position - 1] if position else None
        metadata = user_metadata(cell)
        del self._order[position]
        del self._cells[edit.cell_id]
        before = CellState(current.cell_type, current.source, metadata or None)
        return Edit("delete", edit.cell_id, before=before, anchor=anchor, position=position)

    def _insert(self, edit: Edit, where: str) -> Edit:
        if not isinstance(edit.cell_id, str) or not _CELL_ID.match(edit.cell_id):
            raise ApplyError(
                f"{where}: {edit.cell_id!r} is not a valid cell id (1-64 of a-z A-Z 0-9 - _).",
                hint="Nothing was changed.",
            )
        if edit.cell_id in self._cells:
            raise ApplyError(f"{where}: a cell with id {edit.cell_id} already exists.", hint=_RETRY)
        if edit.anchor is None:
            position = 0
        elif edit.anchor in self._cells:
            position = self._order.index(edit.anchor) + 1
        else:
            raise ApplyError(
                f"{where}: this notebook has no cell {edit.anchor} to insert after.", hint=_RETRY
            )
        after = self._checked_after(edit, where, keep_metadata=True)
        node = _new_cell(edit.cell_id, after, self._template)
        self._order.insert(position, edit.cell_id)
        self._cells[edit.cell_id] = node
        self.touched.add(edit.cell_id)
        return Edit("insert", edit.cell_id, after=after, anchor=edit.anchor)

    def _checked_after(self, edit: Edit, where: str, *, keep_metadata: bool = False) -> CellState:
        after = edit.after
        if after is None:
            raise ApplyError(f"{where}: the edit has no 'after' cell.", hint="Nothing was changed.")
        if after.cell_type not in CELL_TYPES or not isinstance(after.source, str):
            raise ApplyError(
                f"{where}: the new cell needs a type in {', '.join(CELL_TYPES)} and a text source.",
                hint="Nothing was changed.",
            )
        metadata = copy.deepcopy(after.metadata) if keep_metadata and after.metadata else None
        if metadata is not None:
            metadata.pop(NAMESPACE, None)
        return CellState(after.cell_type, after.source, metadata or None)


def _source(cell: Any) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def _new_cell(
    cell_id: str, state: CellState, template: Any, *, metadata: Any = None, attachments: Any = None
) -> Any:
    data: dict[str, Any] = {
        "id": cell_id,
        "cell_type": state.cell_type,
        "metadata": copy.deepcopy(metadata if metadata is not None else state.metadata or {}),
        "source": state.source,
    }
    if state.cell_type == "code":
        data["execution_count"] = None
        data["outputs"] = []
    elif attachments:
        data["attachments"] = copy.deepcopy(attachments)
    return _like(template, data)


def _replaced(cell: Any, after: CellState, template: Any) -> Any:
    """A new node for ``cell`` holding ``after``'s type and source; ``cell`` is not modified."""
    if cell.get("cell_type") == after.cell_type:
        node = copy.deepcopy(cell)
        if after.cell_type == "code" and _source(cell) != after.source:
            node["outputs"] = []
            node["execution_count"] = None
        node["source"] = after.source
        return node
    return _new_cell(
        cell["id"],
        after,
        template,
        metadata=cell.get("metadata") or {},
        attachments=cell.get("attachments"),
    )
