"""The ``ask`` command: context in, streamed reply, proposed cells out as one ChangeSet.

The engine never touches a front end and never writes a notebook: it returns the ChangeSet and
each front end applies it its own way (CLI: to the file; kernel: through the frontend comm or
``set_next_input``; server: to the panel's preview).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..errors import NoCells
from ..llm.types import Endpoint, Finished, Status, Usage
from ..notebook.changeset import ChangeSet, ProposedCell
from ..notebook.snapshot import NotebookSnapshot
from .streaming import EventSink, adrain, drain, ignore, shown_path

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

    def __init__(self, config: Any, *, environ: dict[str, str] | None = None) -> None:
        self.config = config
        self._environ = environ

    # -- ask -------------------------------------------------------------------------------

    def ask(self, request: AskRequest, on_event: EventSink | None = None) -> AskResult:
        """Run ``ask`` synchronously (magics, CLI); Ctrl-C raises :class:`Cancelled`."""
        endpoint, messages, summary = self._prepare(request)
        sink = on_event or ignore
        sink(Status(summary))
        client = self._client(endpoint)
        finished = drain(client.stream(messages), sink)
        return self._finish(request, endpoint, finished, summary)

    async def aask(self, request: AskRequest, on_event: EventSink | None = None) -> AskResult:
        """Run ``ask`` on the event loop (server extension); cancellation propagates."""
        endpoint, messages, summary = self._prepare(request)
        sink = on_event or ignore
        sink(Status(summary))
        client = self._client(endpoint)
        finished = await adrain(client.astream(messages), sink)
        return self._finish(request, endpoint, finished, summary)

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
        )
        return endpoint, context.messages, context.report.summary()

    def _finish(
        self, request: AskRequest, endpoint: Endpoint, finished: Finished, summary: str
    ) -> AskResult:
        from ..notebook.placement import plan_edits
        from ..replies import ReplyParser

        # replacing a cell: the model's words are shown, not made into cells next to it
        parser = ReplyParser(prose_as_markdown=self.config.prose_as_markdown and not request.replace_id)
        proposed = parser.feed(finished.text) + parser.finish()
        if not _has_fenced_cell(finished.text):
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


def _has_fenced_cell(text: str) -> bool:
    """Whether the reply holds at least one fenced block that becomes a cell (code or markdown)."""
    from ..replies import ReplyParser

    parser = ReplyParser(prose_as_markdown=False)
    return bool(parser.feed(text) + parser.finish())
