"""``build`` (developer): the approved plan implemented as one ChangeSet linked to the plan."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import CommandError
from ..llm.types import Endpoint, Usage
from ..notebook import plans
from ..notebook.changeset import ChangeSet, ProposedCell
from ..notebook.records import Upsert
from ..notebook.snapshot import NotebookSnapshot
from .steps import CallResult, Outcome, Step
from .workflow import plan_brief

if TYPE_CHECKING:
    from .workflow import Workflow

__all__ = ["ChangeOutcome", "build_step", "change_outcome"]

BUILD_REQUEST = (
    "Implement the approved plan above as notebook cells: every step, with the names and signatures "
    "it gives. Change existing cells with ```python replace=CELL_ID blocks; new cells go after the "
    "target cell in the order you write them."
)


@dataclass(kw_only=True)
class ChangeOutcome(Outcome):
    """A developer reply made into a ChangeSet (``None`` when the reply held no cells)."""

    text: str
    proposed: list[ProposedCell] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    truncated: bool = False
    context_summary: str = ""
    endpoint: Endpoint | None = None
    plan: dict[str, Any] | None = None


def build_step(flow: Workflow, section: dict[str, Any], snapshot: NotebookSnapshot, ref: str | None, *,
               no_plan: str | None, model: str | None, target: str | None,
               exclude: Iterable[str]) -> Step[ChangeOutcome]:
    """The developer's call for plan ``ref`` (default: the newest approved one).

    Refuses (:class:`CommandError`, naming the fix) unless that plan was approved by a human;
    ``no_plan`` builds from a prompt instead.
    """
    endpoint = flow.endpoint("developer", model)
    if no_plan is not None:
        if not no_plan.strip():
            raise CommandError("`build --no-plan` needs a prompt.", hint=f"Usage: {flow.say('build --no-plan PROMPT')}")
        plan = None
        history: list[dict[str, str]] | None = None
        request, prompt = no_plan, no_plan
    else:
        plan = _buildable_plan(flow, section, ref)
        history = [plan_brief(plan)]
        request, prompt = BUILD_REQUEST, f"build plan {plan['id']}: {plans.plan_title(plan)}"
    call = flow.call(f"developer {endpoint.describe()}", "developer", endpoint, request=request, snapshot=snapshot,
                     target=target, history=history, exclude=exclude)

    def finish(results: list[CallResult]) -> ChangeOutcome:
        def records(changeset: ChangeSet) -> list[Upsert]:
            return [("plans", plans.set_status(plan, "built"))] if plan is not None else []

        outcome = change_outcome(results[0], snapshot, target, command="build", prompt=prompt,
                                 plan_id=plan["id"] if plan else None, parent=None, records=records)
        outcome.plan = plan
        if plan is not None and outcome.changeset is not None:
            outcome.notes.append(f"plan {plan['id']} is built as change {outcome.changeset.id}; review it with "
                                 f"{flow.say('review')}.")
        elif plan is not None:
            outcome.notes.append(f"plan {plan['id']} stays approved.")
        return outcome

    return Step([call], finish)


def change_outcome(result: CallResult, snapshot: NotebookSnapshot, target: str | None, *,
                   command: str, prompt: str, plan_id: str | None, parent: str | None,
                   records: Callable[[ChangeSet], list[Upsert]]) -> ChangeOutcome:
    """The developer's reply as a ChangeSet placed after ``target``, plus the records it updates.

    Only the reply's fenced blocks become cells: its prose is the developer's report to the
    human (shown, and kept in ``prose``), not notebook content.
    """
    from ..notebook.placement import plan_edits
    from ..replies import ReplyParser

    finished = result.finished
    assert finished is not None
    parser = ReplyParser(prose_as_markdown=False)
    proposed = parser.feed(finished.text) + parser.finish()
    changeset = None
    updates: list[Upsert] = []
    if proposed:
        endpoint = result.call.endpoint
        changeset = ChangeSet(edits=plan_edits(snapshot, proposed, after_id=target), role="developer",
                              model=endpoint.model, provider=endpoint.provider, command=command, prompt=prompt,
                              plan_id=plan_id, parent=parent, usage=finished.usage.to_dict())
        updates = records(changeset)
    return ChangeOutcome(records=updates, changeset=changeset, text=finished.text, proposed=proposed,
                         prose=list(parser.prose), usage=finished.usage, truncated=finished.truncated,
                         context_summary=result.call.context_summary, endpoint=result.call.endpoint)


def _buildable_plan(flow: Workflow, section: dict[str, Any], ref: str | None) -> dict[str, Any]:
    """The plan to build; CommandError naming the fix when it was not approved by a human."""
    plan: dict[str, Any] | None
    if ref:
        plan = plans.find_plan(section, ref)
    else:
        plan = plans.latest_with_status(section, "approved") or plans.current_plan(section)
    escape = f"or build without a plan: {flow.say('build --no-plan PROMPT')}"
    if plan is None:
        raise CommandError("There is no approved plan to build.",
                           hint=f"Plan it with {flow.say('plan PROMPT')} and approve it with "
                                f"{flow.say('approve')}, {escape}.")
    typed = plans.Plan.from_dict(plan)
    if typed.status == "draft":
        raise CommandError(f"Plan {typed.id} is a draft: nothing is built until a human approves it.",
                           hint=f"Read it, then approve it with {flow.say('approve')}, {escape}.")
    if typed.status == "superseded":
        raise CommandError(f"Plan {typed.id} was superseded by a newer plan.",
                           hint=f"Build the current one with {flow.say('build')}.")
    if typed.status in ("built", "reviewed") and not _all_reverted(section, typed.id):
        raise CommandError(f"Plan {typed.id} is already built.",
                           hint=f"Review it with {flow.say('review')}, fix findings with {flow.say('fix')}, "
                                f"or revert its change to build it again.")
    return plan


def _all_reverted(section: dict[str, Any], plan_id: str) -> bool:
    built = [change for change in section["changes"] if change.get("plan_id") == plan_id]
    return all(change["status"] == "reverted" for change in built)
