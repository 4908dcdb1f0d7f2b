"""What the loopback server in openai_server.py answers: one :class:`Reply` per request, and
what it records of each request (:class:`RecordedRequest`, never the key)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union, get_args

__all__ = ["AUTO", "FAULTS", "Fault", "RecordedRequest", "Reply"]

Fault = Literal["429", "500", "503", "timeout", "cut", "malformed", "empty", "stream_error",
                "400", "400_context", "401", "404_model", "echo_auth", "drop", "reset"]
#: every value ``Reply.fault`` accepts
FAULTS: tuple[str, ...] = get_args(Fault)

#: ``Reply.usage`` default: count tokens as ceil(chars / 4) of the prompt and the reply
AUTO = "auto"


@dataclass
class Reply:
    """What the server answers to one chat-completions request."""

    text: str = "Hello from the test server."
    #: the content pieces, one per SSE chunk; default: ``text`` cut every ``chunk_size`` chars
    chunks: list[str] | None = None
    chunk_size: int = 16
    #: model name in the chunks; default: the requested model
    model: str | None = None
    finish_reason: str | None = "stop"
    #: ``"auto"``, an explicit usage dict, or ``None`` for no usage chunk at all
    usage: Union[dict[str, Any], str, None] = AUTO
    #: with usage ``"auto"``: report ``prompt_tokens_details.cached_tokens``
    cached_tokens: int | None = None
    #: ``None``: answer as the request asks; ``False``: plain JSON even to ``stream=True``
    stream: bool | None = None
    #: first chunk is ``{"role": "assistant"}`` without a ``content`` key
    role_chunk_without_content: bool = False
    #: an ``{"content": ""}`` chunk between every two content chunks
    empty_content_chunk: bool = False
    #: seconds after the headers before the first chunk
    delay_first: float = 0.0
    #: seconds between chunks
    delay_between: float = 0.0
    #: after this many content chunks, wait ``pause`` seconds once (a stall mid-reply)
    pause_after: int | None = None
    pause: float = 0.0
    #: during every wait of a stream (delay_first, delay_between, pause) send an SSE comment
    #: ``: ping`` this often: llama.cpp does so every 15 s while a request is queued
    ping_every: float | None = None
    #: "drop": close the connection after reading the request, before any answer (a crashed
    #: server, a proxy timing out); "reset": the same with a TCP reset; "cut": drop it mid-stream
    fault: Fault | None = None
    #: with fault "429": the ``retry-after`` header (seconds)
    retry_after: float | None = None
    #: with "cut" / "malformed" / "stream_error": content chunks sent before the fault
    fault_after: int = 1
    #: with "timeout": the longest the server keeps the request open (stop() ends it sooner)
    hang: float = 30.0
    #: error faults: override OpenAI's message / code / param, and the HTTP status; messages
    #: may say {model}, {masked} (the key masked like OpenAI) and {auth} (the whole header)
    error_message: str | None = None
    error_code: str | None = None
    error_param: str | None = None
    error_status: int | None = None

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; use one of {FAULTS}")

    def pieces(self) -> list[str]:
        """The content pieces this reply streams."""
        if self.chunks is not None:
            return list(self.chunks)
        size = max(1, self.chunk_size)
        return [self.text[i : i + size] for i in range(0, len(self.text), size)]


@dataclass
class RecordedRequest:
    """One request as the server saw it; the API key itself is never kept."""

    method: str
    path: str
    #: lower-case header names; ``authorization`` is removed (see ``auth_present``/``key_tail``)
    headers: dict[str, str]
    body: Any
    auth_present: bool = False
    #: last 4 characters of the bearer token, for asserting which key was sent
    key_tail: str | None = None
