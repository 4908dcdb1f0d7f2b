"""The ChangeSet: the one record of every edit an LLM (or a human command) makes to a notebook.

A ChangeSet is plain data. It is stored as a dict in ``metadata["jupyter_llmdev"]["changes"]``,
sent to the JupyterLab frontend over the comm / websocket, and applied by both the Python
applier (:mod:`jupyter_llmdev.notebook.apply`) and the TypeScript one. The dict form (``to_dict``)
is the wire and storage form; it is described by ``metadata.schema.json``.

Edit semantics, applied in list order:

* ``insert``  -- a new cell ``cell_id`` goes right after the cell ``anchor`` (``None``: at the top);
  ``before`` is ``None``, ``after`` the new cell.
* ``replace`` -- cell ``cell_id`` gets ``after``'s type and source; ``before`` holds the old ones.
* ``delete``  -- cell ``cell_id`` is removed; ``before`` holds it (with its metadata, for an exact
  revert), ``anchor`` the id of the cell that preceded it (``None``: it was first) and
  ``position`` its index, used by a revert when the anchor cell is gone too.

A ``before`` given on replace/delete must match the cell when applied (else ``ApplyError``);
``before=None`` means "whatever the cell holds now" and the applier records the real one.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "CellState",
    "ChangeSet",
    "Edit",
    "EditOp",
    "ProposedCell",
    "Status",
    "fresh_cell_id",
    "new_cell_id",
    "new_change_id",
]

EditOp = Literal["insert", "replace", "delete"]
Status = Literal["applied", "reverted", "proposed"]


def new_change_id() -> str:
    """A short random id for a change (8 hex digits; prefixes are accepted by every command)."""
    import secrets  # here, not at the top: reading a history makes no ids (fast `llmdev log`)

    return secrets.token_hex(4)


def fresh_cell_id(taken: set[str]) -> str:
    """A new cell id that is not in ``taken``; it is added to ``taken``."""
    cell_id = new_cell_id()
    while cell_id in taken:
        cell_id = new_cell_id()
    taken.add(cell_id)
    return cell_id


def new_cell_id() -> str:
    """A new nbformat 4.5 cell id (8 hex digits, valid for the ``^[a-zA-Z0-9-_]+$`` rule)."""
    import secrets

    return secrets.token_hex(4)


@dataclass(frozen=True)
class ProposedCell:
    """A cell the model proposed (parsed from its reply), before it is placed in a notebook."""

    cell_type: str
    source: str
    #: the id of the cell the model asked to replace, if it did
    replaces: str | None = None


@dataclass
class CellState:
    """A cell's content at one side of an edit."""

    cell_type: str
    source: str
    #: the cell's user metadata (tags, ...) minus ``jupyter_llmdev``; kept for deleted cells only
    metadata: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"cell_type": self.cell_type, "source": self.source}
        if self.metadata:
            data["metadata"] = self.metadata
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CellState:
        return cls(data["cell_type"], data["source"], data.get("metadata") or None)


@dataclass
class Edit:
    """One cell-level operation of a ChangeSet."""

    op: EditOp
    cell_id: str
    before: CellState | None = None
    after: CellState | None = None
    anchor: str | None = None
    #: delete only: the index the cell had, filled in by the applier
    position: int | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"op": self.op, "cell_id": self.cell_id}
        if self.op in ("insert", "delete"):
            data["anchor"] = self.anchor
        if self.op == "delete" and self.position is not None:
            data["position"] = self.position
        data["before"] = self.before.to_dict() if self.before else None
        data["after"] = self.after.to_dict() if self.after else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edit:
        before = data.get("before")
        after = data.get("after")
        return cls(
            op=data["op"],
            cell_id=data["cell_id"],
            before=CellState.from_dict(before) if before else None,
            after=CellState.from_dict(after) if after else None,
            anchor=data.get("anchor"),
            position=data.get("position"),
        )


@dataclass
class ChangeSet:
    """An ordered list of edits plus who made them, why, and at what cost."""

    edits: list[Edit]
    role: str
    model: str | None = None
    provider: str | None = None
    command: str = "ask"
    prompt: str = ""
    plan_id: str | None = None
    parent: str | None = None
    #: for a revert: the id of the change it undoes
    reverts: str | None = None
    usage: dict[str, int] = field(default_factory=dict)
    status: Status = "applied"
    id: str = field(default_factory=new_change_id)
    time: str = field(default_factory=lambda: _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime()))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "parent": self.parent,
            "time": self.time,
            "role": self.role,
            "model": self.model,
            "provider": self.provider,
            "command": self.command,
            "prompt": self.prompt,
            "plan_id": self.plan_id,
            "edits": [edit.to_dict() for edit in self.edits],
            "usage": dict(self.usage),
            "status": self.status,
        }
        if self.reverts:
            data["reverts"] = self.reverts
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChangeSet:
        return cls(
            id=data["id"],
            parent=data.get("parent"),
            time=data["time"],
            role=data["role"],
            model=data.get("model"),
            provider=data.get("provider"),
            command=data.get("command", "ask"),
            prompt=data.get("prompt", ""),
            plan_id=data.get("plan_id"),
            reverts=data.get("reverts"),
            edits=[Edit.from_dict(edit) for edit in data["edits"]],
            usage=dict(data.get("usage") or {}),
            status=data.get("status", "applied"),
        )
