"""Plan records (``metadata.jupyter_llmdev.plans``): the architect's conversation and its states.

A plan is ``{id, status, text, conversation, created, updated, approved_at, approved_by}``.
``status`` goes draft -> approved -> built -> reviewed; a draft replaced by a fresh plan is
superseded. Only :func:`approve` (called by the human ``approve`` command) sets a plan approved;
nothing derived from a model's reply ever does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ..errors import CommandError
from .changeset import new_change_id
from .records import find_record, malformed, now

__all__ = [
    "Plan",
    "add_turn",
    "approve",
    "current_plan",
    "find_plan",
    "latest_with_status",
    "new_plan",
    "plan_of",
    "plan_title",
    "set_status",
]

#: statuses in which a plan has been approved by a human
APPROVED_STATES = ("approved", "built", "reviewed")


@dataclass(frozen=True)
class Plan:
    """One plan record, typed: what the engine reads (the dict form is storage and wire).

    ``to_dict`` gives the canonical stored form, as ``ChangeSet.to_dict`` does: every key
    :func:`new_plan` writes (a missing conversation becomes ``[]``, missing approval fields
    ``null``; ``created``/``updated`` only when known).
    """

    id: str
    status: str
    text: str
    conversation: tuple[dict[str, Any], ...] = field(default=())
    created: str | None = None
    updated: str | None = None
    approved_at: str | None = None
    approved_by: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        try:
            plan = cls(id=data["id"], status=data["status"], text=data["text"],
                       conversation=tuple(copy.deepcopy(list(data.get("conversation") or []))),
                       created=data.get("created"), updated=data.get("updated"),
                       approved_at=data.get("approved_at"), approved_by=data.get("approved_by"))
        except (KeyError, TypeError, AttributeError):
            raise malformed("plan", data) from None
        if not all(isinstance(value, str) for value in (plan.id, plan.status, plan.text)):
            raise malformed("plan", data)
        return plan

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "status": self.status, "text": self.text,
                                "conversation": copy.deepcopy(list(self.conversation))}
        for key in ("created", "updated"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        data.update(approved_at=self.approved_at, approved_by=self.approved_by)
        return data


def plan_of(section: dict[str, Any], plan_id: str | None) -> Plan | None:
    """The plan with id ``plan_id`` exactly (a change's ``plan_id``), the newest if repeated."""
    if not plan_id:
        return None
    found = [plan for plan in section["plans"] if plan["id"] == plan_id]
    return Plan.from_dict(found[-1]) if found else None


def new_plan() -> dict[str, Any]:
    """A fresh draft plan with an empty conversation."""
    stamp = now()
    return {
        "id": new_change_id(),
        "status": "draft",
        "text": "",
        "conversation": [],
        "created": stamp,
        "updated": stamp,
        "approved_at": None,
        "approved_by": None,
    }


def find_plan(section: dict[str, Any], ref: str) -> dict[str, Any]:
    """A copy of the plan with id (or unique id prefix) ``ref``; ChangeNotFound otherwise."""
    return copy.deepcopy(find_record(section["plans"], ref, "plan", "see `plan`"))


def latest_with_status(section: dict[str, Any], *statuses: str) -> dict[str, Any] | None:
    """A copy of the newest plan in one of ``statuses``, or ``None``."""
    for plan in reversed(section["plans"]):
        if plan.get("status") in statuses:
            return copy.deepcopy(plan)
    return None


def current_plan(section: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of the newest plan that is not superseded (the one ``plan`` talks about)."""
    return latest_with_status(section, "draft", "approved", "built", "reviewed")


def add_turn(plan: dict[str, Any], prompt: str, reply: str, *, model: str | None, provider: str | None,
             usage: dict[str, int]) -> dict[str, Any]:
    """``plan`` with one more exchange; the reply becomes the plan text.

    An approved plan that is talked about again goes back to draft: the human approved the
    earlier text, not this one.
    """
    updated = copy.deepcopy(plan)
    stamp = now()
    conversation = updated.setdefault("conversation", [])
    conversation.append({"role": "user", "content": prompt, "time": stamp})
    conversation.append({"role": "assistant", "content": reply, "time": stamp, "model": model,
                         "provider": provider, "usage": dict(usage)})
    updated["text"] = reply
    updated["updated"] = stamp
    if updated["status"] == "approved":
        updated.update(status="draft", approved_at=None, approved_by=None)
    return updated


def approve(plan: dict[str, Any], *, user: str) -> dict[str, Any]:
    """``plan`` approved by ``user`` now. Only the human ``approve`` command calls this.

    Raises :class:`CommandError` when the plan is not a draft or has no text yet.
    """
    status = plan.get("status")
    if status in APPROVED_STATES:
        raise CommandError(f"Plan {plan['id']} is already {status} (approved by {plan.get('approved_by')} "
                           f"at {plan.get('approved_at')}).")
    if status != "draft":
        raise CommandError(f"Plan {plan['id']} is {status}; only a draft plan can be approved.")
    if not plan.get("text", "").strip():
        raise CommandError(f"Plan {plan['id']} has no text yet.", hint="Talk it through with `plan PROMPT` first.")
    updated = copy.deepcopy(plan)
    stamp = now()
    updated.update(status="approved", approved_at=stamp, approved_by=user or "unknown", updated=stamp)
    return updated


def set_status(plan: dict[str, Any], status: str) -> dict[str, Any]:
    """``plan`` with ``status`` (built, reviewed, superseded); never used to approve."""
    if status in ("approved", "draft"):
        raise ValueError("plans become approved only through approve(), and never go back to draft here")
    updated = copy.deepcopy(plan)
    updated.update(status=status, updated=now())
    return updated


def plan_title(plan: dict[str, Any], limit: int = 60) -> str:
    """The first line of the plan's first request, shortened to ``limit`` characters."""
    first = next((turn["content"] for turn in plan.get("conversation", []) if turn["role"] == "user"), "")
    line = first.strip().splitlines()[0].strip() if first.strip() else "(no request)"
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."
