"""The ``ask`` command: context in, streamed reply, proposed cells out as one ChangeSet.

The engine never touches a front end and never writes a notebook: it returns the ChangeSet and
each front end applies it its own way (CLI: to the file; kernel: through the frontend comm or
``set_next_input``; server: to the panel's preview).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import NoCells
from ..llm.types import Endpoint, Finished, Usage
from ..notebook.changeset import ChangeSet, ProposedCell
from ..notebook.snapshot import NotebookSnapshot
from .steps import CallResult, LLMCall, Step
from .streaming import EventSink, ignore, shown_path

__all__ = ["AskRequest", "AskResult", "Engine", "EventSink"]


@dataclass
class AskRequest:
    """Everything the ``ask`` command needs, whichever front end it came from."""

    prompt: str
    snapshot: NotebookSnapshot
    #: the cell the request is about; new cells go after it (``None``: end of notebook)
    target_cell_id: str | None = None
    #: replace this cell with the first generated one
    replace_id: str | None = None
    #: ``provider:model`` or ``model`` overriding the configured one for this request
    model: str | None = None
    #: ``{name}`` summaries from the kernel namespace
    variables: dict[str, str] = field(default_factory=dict)
    #: cells to leave out of the context (the ``%%llm`` cell itself is the request)
    exclude_cell_ids: tuple[str, ...] = ()
    #: keep a reply cut by the output limit as it is (the user's explicit choice)
    accept_cut: bool = False
    #: ``False`` (``--no-markdown``): the reply's prose is shown, not inserted as markdown cells
    markdown: bool = True


@dataclass
class AskResult:
    """What came back: the ChangeSet to apply (``None`` when the reply held no cells) and the text."""

    changeset: ChangeSet | None
    text: str
    proposed: list[ProposedCell]
    #: prose the parser kept out of the cells (shown to the user, never dropped)
    prose: list[str]
    context_summary: str
    usage: Usage
    truncated: bool
    endpoint: Endpoint


class Engine:
    """Runs commands against the configured models; one per front end session."""

    def __init__(self, config: Any, *, environ: dict[str, str] | None = None, say: Any = None) -> None:
        from .workflow import kernel_say

        self.config = config
        self._environ = environ
        self.say = say or kernel_say

    # -- ask -------------------------------------------------------------------------------

    def ask(self, request: AskRequest, on_event: EventSink | None = None, *,
            resume: tuple[str, Any] | None = None) -> AskResult:
        """Run ``ask`` synchronously (magics, CLI); Ctrl-C raises :class:`Cancelled`; a reply cut
        by the output limit raises :class:`~jupyter_llmdev.errors.ReplyCut` unless ``accept_cut``.

        ``resume`` (``("continue" | "as-is", the ReplyCut)``) continues a cut reply instead, or
        returns it as it is: the user's choice after the cut.
        """
        from .cut import keep_cut
        from .steps import run_step

        if resume is not None and resume[0] == "as-is":
            return keep_cut(resume[1])  # type: ignore[no-any-return]
        return run_step(self._step(request, resume), self._client, on_event or ignore)

    async def aask(self, request: AskRequest, on_event: EventSink | None = None, *,
                   resume: tuple[str, Any] | None = None) -> AskResult:
        """Run ``ask`` on the event loop (server extension); cancellation propagates.

        Building the context (reading the doc, fitting the cells) runs in a worker thread, like
        the parsing of the reply: many requests at once must not hold the server's loop.
        """
        from .cut import keep_cut
        from .steps import arun_step
        from .streaming import off_loop

        if resume is not None and resume[0] == "as-is":
            return keep_cut(resume[1])  # type: ignore[no-any-return]
        step = await off_loop(self._step, request, resume)
        return await arun_step(step, self._client, on_event or ignore)

    def _step(self, request: AskRequest, resume: tuple[str, Any] | None) -> Step[AskResult]:
        from .cut import continue_step

        step = continue_step(resume[1]) if resume is not None else self.ask_step(request)
        return self._guarded(step, request)

    def ask_step(self, request: AskRequest) -> Step[AskResult]:
        """The one call of ``ask`` and how its reply becomes an :class:`AskResult`."""
        endpoint, messages, summary = self._prepare(request)
        call = LLMCall(f"ask {endpoint.describe()}", endpoint, messages, summary)
        return Step([call], lambda results: self._finish(request, endpoint, _finished(results), summary))

    def _guarded(self, step: Step[AskResult], request: AskRequest) -> Step[AskResult]:
        from .cut import guard_cut

        return guard_cut(step, accept_cut=request.accept_cut, limit=self.config.max_output_tokens, say=self.say)

    # -- steps shared by sync and async ----------------------------------------------------

    def _prepare(self, request: AskRequest) -> tuple[Endpoint, list[dict[str, str]], str]:
        from ..context import build_context, read_architecture_doc

        endpoint = self._endpoint("ask", request.model)
        doc_path = self.config.doc_file()
        doc_text = read_architecture_doc(doc_path) if doc_path else None
        context = build_context(
            role="ask",
            request=request.prompt,
            snapshot=request.snapshot,
            target_cell_id=request.replace_id or request.target_cell_id,
            doc_text=doc_text,
            doc_path=shown_path(doc_path, self.config.start_dir) if doc_path else None,
            variables=request.variables or None,
            budget_tokens=self.config.context_budget,
            exclude_cell_ids=request.exclude_cell_ids,
            max_cells=self.config.context_cells,
        )
        return endpoint, context.messages, context.report.summary()

    def _finish(
        self, request: AskRequest, endpoint: Endpoint, finished: Finished, summary: str
    ) -> AskResult:
        from ..notebook.placement import plan_edits
        from ..replies import ReplyParser, parse_reply

        # replacing a cell: the model's words are shown, not made into cells next to it
        as_markdown = self.config.prose_as_markdown and request.markdown and not request.replace_id
        parser = ReplyParser(prose_as_markdown=as_markdown)
        proposed = parser.feed(finished.text) + parser.finish()
        fenced = proposed if not as_markdown else parse_reply(finished.text, prose_as_markdown=False)
        if not fenced:
            # an answer in words only (a question back, an explanation) is shown, not inserted
            proposed, prose = [], [finished.text.strip()] if finished.text.strip() else []
        else:
            prose = list(parser.prose)
        if request.replace_id is not None:
            kind = next((c.cell_type for c in request.snapshot.cells if c.id == request.replace_id), None)
            if kind is not None and not any(cell.cell_type == kind for cell in proposed):
                raise NoCells(f"The reply holds no {kind} cell to put in place of cell {request.replace_id}; "
                              "nothing was changed.", hint="Read the answer above; ask again and say what the new "
                              f"{kind} should be, or ask without --replace.", partial=finished.text)
        changeset = None
        if proposed:
            edits = plan_edits(
                request.snapshot,
                proposed,
                after_id=request.target_cell_id,
                replace_id=request.replace_id,
            )
            changeset = ChangeSet(
                edits=edits,
                role="ask",
                model=endpoint.model,
                provider=endpoint.provider,
                command="ask",
                prompt=request.prompt,
                usage=finished.usage.to_dict(),
            )
        return AskResult(
            changeset=changeset,
            text=finished.text,
            proposed=proposed,
            prose=prose,
            context_summary=summary,
            usage=finished.usage,
            truncated=finished.truncated,
            endpoint=endpoint,
        )

    def _endpoint(self, role: str, model: str | None) -> Endpoint:
        if model:
            return self.config.model_endpoint(model)
        return self.config.endpoint(role)

    def _client(self, endpoint: Endpoint) -> Any:
        from ..llm.client import LLMClient

        return LLMClient(endpoint, self.config.limits(), environ=self._environ)


def _finished(results: list[CallResult]) -> Finished:
    finished = results[0].finished
    assert finished is not None
    return finished
