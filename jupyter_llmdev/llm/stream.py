"""Pure accumulation of chat-completion chunks into stream events; no I/O, no ``openai`` import.

Chunks are ``openai`` ``ChatCompletionChunk`` objects or the same data as plain dicts (as
decoded from the wire or a recorded ``.jsonl`` file)::

    state = StreamState(source="openai:gpt-4o", max_chars=24_000)
    for chunk in chunks:
        for event in state.handle_chunk(chunk):
            show(event)
        if state.done:
            break
    finished = state.finish()   # or IncompleteReply
"""

from __future__ import annotations

from typing import Any

from ..errors import IncompleteReply
from .types import Delta, Finished, StreamEvent, Usage, count_or_none

__all__ = ["StreamState"]


def _field(obj: Any, name: str) -> Any:
    """``obj[name]`` for dicts, ``obj.name`` for objects, ``None`` when absent."""
    if type(obj) is dict:
        return obj.get(name)
    return getattr(obj, name, None)


def _usage(data: Any) -> Usage:
    details = _field(data, "prompt_tokens_details")
    cached = _field(details, "cached_tokens")
    if cached is None:
        # DeepSeek's name for the same count
        cached = _field(data, "prompt_cache_hit_tokens")
    return Usage(
        prompt_tokens=count_or_none(_field(data, "prompt_tokens")),
        completion_tokens=count_or_none(_field(data, "completion_tokens")),
        cached_tokens=count_or_none(cached),
    )


class StreamState:
    """Accumulates one streamed reply: text, finish reason, usage, and the client-side cap.

    Tolerates what OpenAI-compatible servers really send: a first chunk with only the role,
    empty or ``None`` content, chunks without choices (the usage chunk), usage in every chunk
    (the last one wins), and no usage at all. Only choice 0 is read. A ``refusal`` is taken
    as reply text; ``reasoning_content`` / ``reasoning`` deltas are not reply text but count
    as tokens having arrived.

    ``max_chars`` is the client-side output cap for servers that ignore ``max_tokens``: once
    the text would pass it, the text is cut there, ``done`` turns true (the caller stops
    reading) and the reply finishes as ``"length"`` with ``truncated=True``.
    """

    def __init__(self, *, source: str = "the server", max_chars: int | None = None) -> None:
        #: who is replying, for error messages (``provider:model``)
        self.source = source
        self.max_chars = max_chars
        self.finish_reason: str | None = None
        self.usage = Usage()
        self.truncated = False
        #: content or reasoning has arrived (the first-token timeout is over)
        self.received = False
        #: chunks that carried a token (content, refusal or reasoning): the deadlines' clock
        self.token_chunks = 0
        self._pieces: list[str] = []
        self._length = 0
        self._capped = False

    @property
    def text(self) -> str:
        """The reply text so far."""
        if len(self._pieces) > 1:
            self._pieces = ["".join(self._pieces)]
        return self._pieces[0] if self._pieces else ""

    @property
    def length(self) -> int:
        """Characters of reply text so far."""
        return self._length

    @property
    def done(self) -> bool:
        """True once the client-side cap was reached: stop reading the stream."""
        return self._capped

    def handle_chunk(self, chunk: Any) -> list[StreamEvent]:
        """Take one chunk; return the events it produces (zero or one :class:`Delta`)."""
        if self._capped:
            return []
        usage = _field(chunk, "usage")
        if usage:
            self.usage = _usage(usage)
        events: list[StreamEvent] = []
        for choice in _field(chunk, "choices") or ():
            if _field(choice, "index") not in (0, None):
                continue
            delta = _field(choice, "delta")
            piece = _field(delta, "content") or _field(delta, "refusal")
            if piece:
                self.received = True
                self.token_chunks += 1
                events.extend(self._append(str(piece)))
            elif _field(delta, "reasoning_content") or _field(delta, "reasoning"):
                self.received = True
                self.token_chunks += 1
            reason = _field(choice, "finish_reason")
            if reason and not self._capped:
                self.finish_reason = str(reason)
        return events

    def _append(self, piece: str) -> list[StreamEvent]:
        if self.max_chars is not None and self._length + len(piece) > self.max_chars:
            piece = piece[: self.max_chars - self._length]
            self._capped = True
            self.truncated = True
            self.finish_reason = "length"
        if not piece:
            return []
        self._pieces.append(piece)
        self._length += len(piece)
        return [Delta(piece)]

    def finish(self) -> Finished:
        """The final event; raises :class:`IncompleteReply` when the server never said it was done.

        A stream without a finish reason was cut short (or never started): its text is kept as
        ``error.partial`` but is not a result.
        """
        text = self.text
        if self.finish_reason is None:
            if text:
                raise IncompleteReply(
                    f"The reply from {self.source} stopped before it was finished "
                    f"({len(text)} characters arrived); nothing was applied.",
                    hint="Run the command again; if it keeps happening, check the server's logs.",
                    partial=text,
                )
            raise IncompleteReply(
                f"{self.source} ended the stream without any reply text.",
                hint="Run the command again; if it keeps happening, check that the server "
                "supports streaming chat completions for this model.",
            )
        return Finished(
            text=text,
            finish_reason=self.finish_reason,
            usage=self.usage,
            truncated=self.truncated or self.finish_reason == "length",
        )
