"""``review`` (reviewers): 1 to 3 models review one change against its plan, concurrently.

Each reviewer gets its role prompt, the architecture doc, the notebook's cells, the plan (or
the request of a change made without one) and every edited cell's before/after as a unified
diff. Replies are parsed with :func:`~jupyter_llmdev.replies.parse_review`. A reviewer that
fails or times out is recorded with its error and does not stop the others; only when every
reviewer fails is the command an error (and nothing is recorded).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import CommandError, LLMError
from ..notebook import plans
from ..notebook.changeset import ChangeSet
from ..notebook.history import diff_change, find_change
from ..notebook.reviews import new_review, reviewer_entry
from ..notebook.snapshot import NotebookSnapshot
from .steps import CallResult, Outcome, Step
from .workflow import plan_brief

if TYPE_CHECKING:
    from .workflow import Workflow

__all__ = ["ReviewOutcome", "review_step"]


@dataclass(kw_only=True)
class ReviewOutcome(Outcome):
    """The review record (every reviewer's findings, verdict or error) and the change reviewed."""

    review: dict[str, Any]
    change: ChangeSet


def review_step(flow: Workflow, section: dict[str, Any], snapshot: NotebookSnapshot | None, ref: str | None, *,
                exclude: Iterable[str] = (), endpoints: list[Any] | None = None) -> Step[ReviewOutcome]:
    """Calls for every reviewer (``endpoints``, default: the configured ones) on change ``ref``
    (default: the newest applied change)."""
    change = find_change(section, ref) if ref else _latest_reviewable(flow, section)
    plan = plans.plan_of(section, change.plan_id)
    if plan is not None:
        history = [plan_brief(plan)]
    else:
        history = [{"role": "user", "content": f"This change was made without a plan. Its request was:\n\n"
                                               f"{change.prompt.strip() or '(none recorded)'}"}]
    request = (f"Review change {change.id} ({change.command} by {change.role}"
               f"{', ' + change.model if change.model else ''}). Every cell it edited, before and after, "
               f"as unified diffs:\n\n{diff_change(section, change.id)}")
    calls = []
    for number, endpoint in enumerate(endpoints or flow.config.reviewer_endpoints(), start=1):
        calls.append(flow.call(f"reviewer {number} ({endpoint.describe()})", "reviewer", endpoint, request=request,
                               snapshot=snapshot, history=history, exclude=exclude))

    def finish(replies: list[CallResult]) -> ReviewOutcome:
        read = [_read(result) for result in replies]
        results = [result for result, _ in read]
        failures = [result for result in results if result.error is not None]
        if len(failures) == len(results):
            reasons = "; ".join(f"{r.call.endpoint.describe()}: {_one_line(r.error)}" for r in failures)
            raise LLMError(f"No reviewer produced a usable review, so none was recorded ({reasons}).",
                           hint="Check the reviewer_models configuration (`config`) and try again.")
        entries = []
        for result, parsed in read:
            endpoint = result.call.endpoint
            if result.error is not None or parsed is None or result.finished is None:
                entries.append(reviewer_entry(model=endpoint.model, provider=endpoint.provider,
                                              error=_one_line(result.error)))
                continue
            entries.append(reviewer_entry(model=endpoint.model, provider=endpoint.provider,
                                          parsed=parsed, usage=result.finished.usage.to_dict()))
        review = new_review(change.id, change.plan_id, entries)
        records: list[tuple[str, dict[str, Any]]] = [("reviews", review)]
        if plan is not None and plan.status == "built":
            records.append(("plans", plans.set_status(plan.to_dict(), "reviewed")))
        count = sum(len(entry["findings"]) for entry in entries)
        notes = [f"review {review['id']} of change {change.id}: {count} finding(s)"
                 + (f", {len(failures)} reviewer(s) failed" if failures else "")
                 + (f"; fix them with {flow.say('fix')} (or {flow.say('fix --only 1,2')})." if count else ".")]
        return ReviewOutcome(records=records, review=review, change=change, notes=notes)

    return Step(calls, finish, isolated=True)


def _read(result: CallResult) -> tuple[CallResult, Any]:
    """``result`` and its parsed review (read once); a failed result when the reply holds neither
    a verdict nor a finding: such a reply (a refusal, a chat about something else, junk) is
    unparsed, never a clean review."""
    if result.error is not None or result.finished is None:
        return result, None
    from ..replies import parse_review

    parsed = parse_review(result.finished.text)
    if parsed.verdict is None and not parsed.findings:
        return CallResult(result.call, error=LLMError(
            "its reply holds neither a VERDICT line nor a finding (unparsed, not counted as clean)")), None
    return result, parsed


def _latest_reviewable(flow: Workflow, section: dict[str, Any]) -> ChangeSet:
    for record in reversed(section["changes"]):
        if record["status"] == "applied" and record["command"] != "revert" and record["edits"]:
            return ChangeSet.from_dict(record)
    raise CommandError("There is no change to review yet.",
                       hint=f"Build an approved plan with {flow.say('build')} first.")


def _one_line(error: BaseException | None) -> str:
    return " ".join(str(error).split()) if error is not None else ""
