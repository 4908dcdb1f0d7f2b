"""Plain data shared by the LLM layer and its callers; importing this never imports ``openai``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Union

__all__ = [
    "Delta",
    "Endpoint",
    "Finished",
    "Message",
    "Phase",
    "RequestLimits",
    "Status",
    "StreamEvent",
    "USAGE_FIELDS",
    "Usage",
    "count_or_none",
]

#: an OpenAI chat message: ``{"role": "system"|"user"|"assistant", "content": str}``
Message = dict


@dataclass(frozen=True)
class Endpoint:
    """Where one model is served: resolved from configuration for a role."""

    model: str
    provider: str = "openai"
    #: ``None``: the openai client's default (api.openai.com)
    base_url: str | None = None
    #: name of the environment variable holding the key; the key itself is never stored
    api_key_env: str = "OPENAI_API_KEY"

    def describe(self) -> str:
        """``provider:model`` for logs and messages (never the key, never a URL with credentials)."""
        return f"{self.provider}:{self.model}"

    def __repr__(self) -> str:
        # base_url may carry credentials (user:password@host): keep it out of reprs and logs
        return f"Endpoint({self.describe()!r}, api_key_env={self.api_key_env!r})"


@dataclass(frozen=True)
class RequestLimits:
    """Client-side limits of one request (all seconds except tokens and retries).

    Every timeout is a wall-clock deadline: bytes that carry no token (SSE ``: ping`` comments,
    empty chunks, a role-only chunk) never extend it. A value of 0 or less means no limit.
    """

    max_output_tokens: int = 4096
    #: to open the connection (TCP and TLS), and to get one from the pool
    connect_timeout: float = 10.0
    #: from sending a request (each attempt) to its first token (content or reasoning)
    first_token_timeout: float = 60.0
    #: from one token to the next, once the reply has started
    between_tokens_timeout: float = 60.0
    #: the whole request: discovery, every attempt and every retry wait
    total_timeout: float = 600.0
    retries: int = 3
    #: first backoff delay when the server gives no Retry-After
    backoff: float = 1.0
    #: never wait longer than this for one retry, whatever Retry-After says
    max_backoff: float = 30.0
    #: never wait longer than this for all the retries of one request together
    max_retry_wait: float = 30.0
    #: tokens the model accepts (prompt and reply); 0: ask the server, else send unchecked
    context_window: int = 0

    @classmethod
    def from_settings(cls, settings: Any) -> RequestLimits:
        """The limits of a resolved configuration (``ResolvedConfig``).

        ``request_timeout`` is the old name of "connect, and between two chunks": when a
        configuration sets it, it fills ``connect_timeout`` and ``between_tokens_timeout``
        wherever those were left at their defaults, so old configurations keep working.
        """
        sources: Mapping[str, str] = getattr(settings, "sources", {}) or {}

        def given(key: str) -> bool:
            return sources.get(key, "default") != "default"

        def legacy(key: str) -> float:
            if given("request_timeout") and not given(key):
                return float(settings.request_timeout)
            return float(getattr(settings, key, getattr(cls, key)))

        return cls(
            max_output_tokens=settings.max_output_tokens,
            connect_timeout=legacy("connect_timeout"),
            first_token_timeout=settings.first_token_timeout,
            between_tokens_timeout=legacy("between_tokens_timeout"),
            total_timeout=settings.total_timeout,
            retries=settings.retries,
            max_retry_wait=float(getattr(settings, "max_retry_wait", cls.max_retry_wait)),
            context_window=int(getattr(settings, "context_window", 0) or 0),
        )


#: the counts a :class:`Usage` holds, in the order they are stored and shown
USAGE_FIELDS = ("prompt_tokens", "completion_tokens", "cached_tokens")


@dataclass
class Usage:
    """Token counts as the server reported them; a count it did not report is ``None``.

    Servers that send no usage (llama.cpp without ``stream_options``, some proxies) leave every
    count ``None``: unknown, never 0, so the ledger and the notes say "n/a" rather than
    recording a free call. Stored (``to_dict``) a count that is unknown is simply absent, so a
    model's record with ``usage: {}`` means "the server reported no usage".
    """

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cached_tokens: int | None = None

    @property
    def reported(self) -> bool:
        """True when the server reported any count."""
        return any(getattr(self, name) is not None for name in USAGE_FIELDS)

    @property
    def known(self) -> bool:
        """True when both the prompt and the completion count are known (the ledger counts it)."""
        return self.prompt_tokens is not None and self.completion_tokens is not None

    def to_dict(self) -> dict[str, int]:
        """The reported counts only: ``{}`` when the server reported none."""
        return {name: value for name in USAGE_FIELDS if (value := getattr(self, name)) is not None}

    @classmethod
    def from_dict(cls, data: Any) -> Usage:
        """The usage of a stored record (untrusted: anything but a count >= 0 is unknown)."""
        if not isinstance(data, Mapping):
            return cls()
        counts = {name: data.get(name) for name in USAGE_FIELDS}
        return cls(**{name: count_or_none(value) for name, value in counts.items()})

    def __add__(self, other: Usage) -> Usage:
        """Two calls of one reply (a cut reply and its continuation): a count is known only
        when both calls report it, since half a count would pass for the whole."""
        def plus(name: str) -> int | None:
            first, second = getattr(self, name), getattr(other, name)
            return None if first is None or second is None else first + second

        return Usage(*(plus(name) for name in USAGE_FIELDS))

    def describe(self) -> str:
        """``120 in / 30 out tokens``, or ``tokens n/a (the server reported no usage)``."""
        if self.prompt_tokens is None and self.completion_tokens is None:
            return "tokens n/a (the server reported no usage)"
        return f"{_shown(self.prompt_tokens)} in / {_shown(self.completion_tokens)} out tokens"


def count_or_none(value: Any) -> int | None:
    """A token count as a server or a stored record gives it; ``None`` (unknown) for anything else."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _shown(count: int | None) -> str:
    return "n/a" if count is None else f"{count:,}"


@dataclass(frozen=True)
class Delta:
    """A piece of reply text as it arrives."""

    text: str
    type: Literal["delta"] = "delta"


#: what a :class:`Status` line is about (see :class:`Status`)
Phase = Literal["note", "waiting", "retrying", "replying"]


@dataclass(frozen=True)
class Status:
    """A line for the user while a request runs.

    ``phase`` tells views how long the line matters:

    * ``note``: worth keeping (the context summary, "reviewer 2: done");
    * ``waiting``: no token yet; repeated once a second with the elapsed seconds (``tick``);
    * ``retrying``: a countdown to the next attempt, repeated once a second (``tick``);
    * ``replying``: tokens are arriving: every waiting or retrying line is over (views clear
      it; the text says who is replying).
    """

    text: str
    type: Literal["status"] = "status"
    phase: Phase = "note"
    #: waiting: seconds since the request began; retrying: seconds until the next attempt
    seconds: float | None = None
    #: True for the once-a-second repeats of the same line (terminal logs may skip them)
    tick: bool = False


@dataclass(frozen=True)
class Finished:
    """The stream ended well: the whole text, why it stopped, and the usage."""

    text: str
    finish_reason: str
    usage: Usage = field(default_factory=Usage)
    #: True when the output cap (server- or client-side) cut the reply
    truncated: bool = False
    type: Literal["finished"] = "finished"


StreamEvent = Union[Delta, Status, Finished]
