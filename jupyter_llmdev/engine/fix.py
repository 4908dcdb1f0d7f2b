"""``fix`` (developer): chosen review findings applied as a new change whose parent is the reviewed one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..errors import CommandError
from ..notebook.changeset import ChangeSet
from ..notebook.history import diff_change, find_change
from ..notebook.records import Upsert
from ..notebook.plans import plan_of
from ..notebook.reviews import Review, add_fix, find_review, latest_review, select_findings
from ..notebook.snapshot import NotebookSnapshot
from .build import ChangeOutcome, change_outcome
from .steps import CallResult, Step
from .workflow import plan_brief

if TYPE_CHECKING:
    from .workflow import Workflow

__all__ = ["fix_step"]


def fix_step(flow: Workflow, section: dict[str, Any], snapshot: NotebookSnapshot, ref: str | None, *,
             only: list[int] | None, model: str | None, target: str | None,
             exclude: Iterable[str]) -> Step[ChangeOutcome]:
    """The developer's call to fix findings of review ``ref`` (default: the newest review)."""
    stored = find_review(section, ref) if ref else latest_review(section)
    if stored is None:
        raise CommandError("There is no review to fix yet.", hint=f"Review a change with {flow.say('review')} first.")
    review = Review.from_dict(stored)
    findings = select_findings(stored, only)
    change = find_change(section, review.change)
    history = []
    plan = plan_of(section, change.plan_id)
    if plan is not None:
        history.append(plan_brief(plan))
    history.append({"role": "user", "content": f"Change {change.id} implemented it; every cell it edited, "
                                               f"before and after:\n\n{diff_change(section, change.id)}"})
    listed = "\n".join(finding.line() for finding in findings)
    request = (f"Fix these findings of review {review.id} of change {change.id}. Change the cells with "
               f"```python replace=CELL_ID blocks holding each cell's complete new source; add cells only "
               f"where a finding asks for one.\n\n{listed}")
    numbers = [finding.number for finding in findings]
    prompt = f"fix review {review.id} findings {','.join(map(str, numbers))}:\n{listed}"
    endpoint = flow.endpoint("developer", model)
    target = target or _last_touched(change, snapshot)
    call = flow.call(f"developer {endpoint.describe()}", "developer", endpoint, request=request, snapshot=snapshot,
                     target=target, history=history, exclude=exclude)

    def finish(results: list[CallResult]) -> ChangeOutcome:
        def records(changeset: ChangeSet) -> list[Upsert]:
            return [("reviews", add_fix(review.to_dict(), changeset.id, numbers))]

        outcome = change_outcome(results[0], snapshot, target, command="fix", prompt=prompt,
                                 plan_id=change.plan_id, parent=change.id, records=records)
        if outcome.changeset is not None:
            outcome.notes.append(f"change {outcome.changeset.id} fixes finding(s) {', '.join(map(str, numbers))} "
                                 f"of review {review.id} (parent: change {change.id}); review it with "
                                 f"{flow.say('review')}.")
        return outcome

    return Step([call], finish)


def _last_touched(change: ChangeSet, snapshot: NotebookSnapshot) -> str | None:
    """The last cell the reviewed change inserted or replaced that the notebook still has."""
    for edit in reversed(change.edits):
        if edit.op != "delete" and snapshot.index(edit.cell_id) is not None:
            return edit.cell_id
    return snapshot.cells[-1].id if snapshot.cells else None
