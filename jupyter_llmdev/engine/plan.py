"""``plan`` (architect) and ``approve`` (human): the plan's conversation and its approval."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import CommandError
from ..llm.types import Endpoint, Usage
from ..notebook import plans
from ..notebook.changeset import ChangeSet, ProposedCell
from ..notebook.snapshot import NotebookSnapshot
from .steps import CallResult, Outcome, Step

if TYPE_CHECKING:
    from .workflow import Workflow

__all__ = ["PlanOutcome", "approve_plan", "plan_step"]


@dataclass(kw_only=True)
class PlanOutcome(Outcome):
    """The plan after the architect's reply (stored as a draft; nothing is inserted)."""

    plan: dict[str, Any]
    text: str
    usage: Usage = field(default_factory=Usage)
    truncated: bool = False
    context_summary: str = ""
    endpoint: Endpoint | None = None


def plan_step(flow: Workflow, section: dict[str, Any], snapshot: NotebookSnapshot | None, prompt: str, *,
              new: bool, model: str | None, target: str | None, exclude: Iterable[str],
              variables: dict[str, str] | None) -> Step[PlanOutcome]:
    """The architect's next turn on the current plan: a draft (or an approved plan not built yet)
    is continued; otherwise, or with ``new``, a fresh plan starts and an unbuilt one is superseded."""
    if not prompt.strip():
        raise CommandError("`plan` needs a prompt: what should change?", hint=f"Usage: {flow.say('plan PROMPT')}")
    current = plans.current_plan(section)
    updates: list[tuple[str, dict[str, Any]]] = []
    notes: list[str] = []
    unbuilt = current is not None and current["status"] in ("draft", "approved")
    if unbuilt and not new:
        plan = current
    else:
        if unbuilt:
            updates.append(("plans", plans.set_status(current, "superseded")))
            notes.append(f"plan {current['id']} ({current['status']}) is superseded by this new plan.")
        plan = plans.new_plan()
    if plan["status"] == "approved":
        notes.append(f"plan {plan['id']} was approved; this revision makes it a draft again, so approve it again "
                     "before building.")
    history = [{"role": turn["role"], "content": turn["content"]} for turn in plan["conversation"]]
    endpoint = flow.endpoint("architect", model)
    call = flow.call(f"architect {endpoint.describe()}", "architect", endpoint, request=prompt, snapshot=snapshot,
                     target=target, history=history, exclude=exclude, variables=variables)

    def finish(results: list[CallResult]) -> PlanOutcome:
        finished = results[0].finished
        assert finished is not None
        # the reply is stored as text only: whatever it says ("approved", ...) approves nothing
        updated = plans.add_turn(plan, prompt, finished.text, model=endpoint.model, provider=endpoint.provider,
                                 usage=finished.usage.to_dict())
        next_step = (f"approve it with {flow.say('approve')} (only that approves it), or go on with "
                     f"{flow.say('plan ...')}")
        return PlanOutcome(records=[*updates, ("plans", updated)], plan=updated, text=finished.text,
                           usage=finished.usage, truncated=finished.truncated,
                           context_summary=call.context_summary, endpoint=endpoint,
                           notes=[*notes, f"plan {updated['id']} ({updated['status']}): {next_step}."])

    return Step([call], finish)


def approve_plan(flow: Workflow, section: dict[str, Any], ref: str | None, *, user: str, insert: bool,
                 snapshot: NotebookSnapshot | None, after: str | None) -> Outcome:
    """Approve plan ``ref`` (default: the newest draft) as ``user``; the human command behind ``approve``."""
    if ref:
        plan = plans.find_plan(section, ref)
    else:
        plan = plans.latest_with_status(section, "draft")
        if plan is None:
            approved = plans.latest_with_status(section, "approved")
            if approved is not None:
                raise CommandError(f"Plan {approved['id']} is already approved.",
                                   hint=f"Build it with {flow.say('build')}.")
            raise CommandError("There is no draft plan to approve.",
                               hint=f"Start one with {flow.say('plan PROMPT')}.")
    updated = plans.approve(plan, user=user)
    changeset = None
    if insert:
        from ..notebook.placement import plan_edits

        if snapshot is None:
            raise CommandError("--insert needs the notebook's cells, which this front end did not send.")
        cell = ProposedCell("markdown", f"## Plan {plan['id']} (approved)\n\n{plan['text'].strip()}")
        changeset = ChangeSet(edits=plan_edits(snapshot, [cell], after_id=after), role="human",
                              command="approve", prompt=f"approve plan {plan['id']}", plan_id=plan["id"])
    note = (f"plan {updated['id']} approved by {updated['approved_by']} at {updated['approved_at']}; "
            f"build it with {flow.say('build')}.")
    return Outcome(records=[("plans", updated)], changeset=changeset, notes=[note])
