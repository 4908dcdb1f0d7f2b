"""The workflow engine: plan -> approve -> build -> review -> fix -> doc, over one notebook's records.

Commands read the notebook's ``jupyter_llmdev`` section (a plain dict from ``read_section``)
and a snapshot of its cells. The LLM commands return a :class:`~.steps.Step` to run with
:meth:`Workflow.run` (magics, CLI) or :meth:`Workflow.arun` (server); ``approve`` and
``doc accept`` return their outcome at once. Every outcome lists the records to store and at
most one ChangeSet to apply; the front end stores them (CLI: ``notebook.records.commit`` and
an atomic file write; kernel: its session records and the frontend comm). Nothing here writes
a notebook, and only ``approve`` (a human command) ever approves a plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..commands import Say, kernel_say
from ..llm.types import Endpoint
from ..notebook.snapshot import NotebookSnapshot
from .steps import EventSink, LLMCall, Outcome, Step, arun_step, run_step
from .streaming import shown_path

if TYPE_CHECKING:
    from ..notebook.plans import Plan
    from .build import ChangeOutcome
    from .doc import DocOutcome, DocView
    from .plan import PlanOutcome
    from .review import ReviewOutcome

__all__ = ["Say", "Workflow", "kernel_say", "local_user", "plan_brief"]

T = TypeVar("T")


def local_user() -> str:
    """The name of the user running this process, recorded by ``approve`` and ``doc accept``."""
    import getpass

    try:
        return getpass.getuser() or "unknown"
    except (KeyError, OSError):  # no login name: a container without a passwd entry
        return "unknown"


def plan_brief(plan: Plan | dict[str, Any]) -> dict[str, str]:
    """The approved plan as one user message for the developer, reviewers and the architect."""
    from ..notebook.plans import Plan

    typed = plan if isinstance(plan, Plan) else Plan.from_dict(plan)
    who = f", approved by {typed.approved_by} at {typed.approved_at}" if typed.approved_by else ""
    return {"role": "user",
            "content": f"The approved plan (plan {typed.id}{who}):\n\n{typed.text.strip()}"}


class Workflow:
    """Prepares and runs the workflow commands for one front end; holds no notebook state."""

    def __init__(self, config: Any, *, environ: dict[str, str] | None = None, say: Say = kernel_say) -> None:
        self.config = config
        self.say = say
        self._environ = environ

    # -- plumbing shared by the commands ----------------------------------------------------

    def endpoint(self, role: str, model: str | None = None) -> Endpoint:
        """The endpoint of ``role``, or of ``model`` when one was given for this request."""
        return self.config.model_endpoint(model) if model else self.config.endpoint(role)

    def client(self, endpoint: Endpoint) -> Any:
        """An :class:`~jupyter_llmdev.llm.client.LLMClient` of ``endpoint`` with the configured limits."""
        from ..llm.client import LLMClient

        return LLMClient(endpoint, self.config.limits(), environ=self._environ)

    def shown_path(self, path: Path) -> str:
        """``path`` as the model and the records see it: relative to the notebook's folder if possible."""
        return shown_path(path, self.config.start_dir)

    def call(
        self,
        label: str,
        role: str,
        endpoint: Endpoint,
        *,
        request: str,
        snapshot: NotebookSnapshot | None,
        target: str | None = None,
        history: list[dict[str, str]] | None = None,
        exclude: Iterable[str] = (),
        variables: dict[str, str] | None = None,
    ) -> LLMCall:
        """One call of ``role``: its prompt, the architecture doc, the cells, ``history``, ``request``."""
        from ..context import build_context, read_architecture_doc

        doc_path = self.config.doc_file()
        context = build_context(
            role=role,
            request=request,
            snapshot=snapshot,
            target_cell_id=target,
            doc_text=read_architecture_doc(doc_path) if doc_path else None,
            doc_path=self.shown_path(doc_path) if doc_path else None,
            variables=variables,
            budget_tokens=self.config.context_budget,
            history=history,
            exclude_cell_ids=tuple(exclude),
            max_cells=self.config.context_cells,
        )
        return LLMCall(label, endpoint, context.messages, context.report.summary())

    def run(self, step: Step[T], sink: EventSink | None = None, *, accept_cut: bool = False) -> T:
        """Run ``step`` (blocking; safe inside a running event loop); Ctrl-C raises Cancelled.

        A reply cut by the output limit raises :class:`~jupyter_llmdev.errors.ReplyCut` (keeping
        what accepting it gives) unless ``accept_cut``.
        """
        return run_step(self.guarded(step, accept_cut), self.client, sink)

    async def arun(self, step: Step[T], sink: EventSink | None = None, *, accept_cut: bool = False) -> T:
        """Run ``step`` on the running event loop (a cut reply as in :meth:`run`)."""
        return await arun_step(self.guarded(step, accept_cut), self.client, sink)

    def guarded(self, step: Step[T], accept_cut: bool = False) -> Step[T]:
        """``step`` whose cut reply raises ReplyCut unless ``accept_cut``."""
        from .cut import guard_cut

        return guard_cut(step, accept_cut=accept_cut, limit=self.config.max_output_tokens, say=self.say)

    def continue_cut(self, error: Any) -> Step[Any]:
        """The step that asks the model to go on after the cut reply of ``error`` (a ReplyCut);
        run it with :meth:`run` / :meth:`arun`, which guard it (it may be cut again)."""
        from .cut import continue_step

        return continue_step(error)

    # -- the commands -----------------------------------------------------------------------

    def plan(self, section: dict[str, Any], snapshot: NotebookSnapshot | None, prompt: str, *,
             new: bool = False, model: str | None = None, target: str | None = None,
             exclude: Iterable[str] = (), variables: dict[str, str] | None = None) -> Step[PlanOutcome]:
        """Start or continue the draft plan with ``prompt`` (architect); ``new`` starts afresh."""
        from .plan import plan_step

        return plan_step(self, section, snapshot, prompt, new=new, model=model, target=target,
                         exclude=exclude, variables=variables)

    def approve(self, section: dict[str, Any], ref: str | None, *, user: str, insert: bool = False,
                snapshot: NotebookSnapshot | None = None, after: str | None = None) -> Outcome:
        """The human approval of plan ``ref`` (default: the newest draft); ``insert`` adds it as a cell."""
        from .plan import approve_plan

        return approve_plan(self, section, ref, user=user, insert=insert, snapshot=snapshot, after=after)

    def build(self, section: dict[str, Any], snapshot: NotebookSnapshot, ref: str | None, *,
              no_plan: str | None = None, model: str | None = None, target: str | None = None,
              exclude: Iterable[str] = ()) -> Step[ChangeOutcome]:
        """Implement the approved plan ``ref`` (developer); ``no_plan`` is a prompt to build without one."""
        from .build import build_step

        return build_step(self, section, snapshot, ref, no_plan=no_plan, model=model, target=target,
                          exclude=exclude)

    def review(self, section: dict[str, Any], snapshot: NotebookSnapshot | None, ref: str | None, *,
               exclude: Iterable[str] = (), models: str | None = None) -> Step[ReviewOutcome]:
        """Review change ``ref`` (default: the newest applied one) with every configured reviewer,
        or with ``models`` (``"A,B"``: ``review --models``, or the panel's reviewer picker)."""
        from .review import review_step

        return review_step(self, section, snapshot, ref, exclude=exclude, endpoints=self.reviewers(models))

    def reviewers(self, models: str | None) -> list[Endpoint]:
        """The reviewer endpoints: ``models`` (comma-separated, 1 to 3) or the configured ones."""
        from ..errors import CommandError

        names = [name.strip() for name in (models or "").split(",") if name.strip()]
        if not names:
            return list(self.config.reviewer_endpoints())
        if len(names) > 3:
            raise CommandError(f"`review --models` takes 1 to 3 models, got {len(names)}.",
                               hint=f"Usage: {self.say('review --models A,B [CHANGE]')}")
        return [self.config.model_endpoint(name) for name in names]

    def fix(self, section: dict[str, Any], snapshot: NotebookSnapshot, ref: str | None, *,
            only: list[int] | None = None, model: str | None = None, target: str | None = None,
            exclude: Iterable[str] = ()) -> Step[ChangeOutcome]:
        """Fix the findings of review ``ref`` (default: the newest), or only numbers ``only``."""
        from .fix import fix_step

        return fix_step(self, section, snapshot, ref, only=only, model=model, target=target, exclude=exclude)

    def doc(self, section: dict[str, Any]) -> DocView:
        """The architecture doc as it is, and the pending proposal if there is one."""
        from .doc import show_doc

        return show_doc(self, section)

    def doc_update(self, section: dict[str, Any], snapshot: NotebookSnapshot | None, instructions: str = "",
                   *, model: str | None = None, exclude: Iterable[str] = ()) -> Step[DocOutcome]:
        """The architect's proposed update of the doc after the newest built plan (nothing is written)."""
        from .doc import doc_update_step

        return doc_update_step(self, section, snapshot, instructions, model=model, exclude=exclude)

    def doc_accept(self, section: dict[str, Any], *, user: str) -> DocOutcome:
        """Accept the pending proposal; the front end writes it (``notebook.docs.write_accepted_doc``)
        once the records are checked."""
        from .doc import accept_doc

        return accept_doc(self, section, user=user)
