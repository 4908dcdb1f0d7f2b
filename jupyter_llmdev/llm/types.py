"""Plain data shared by the LLM layer and its callers; importing this never imports ``openai``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Union

__all__ = [
    "Delta",
    "Endpoint",
    "Finished",
    "Message",
    "RequestLimits",
    "Status",
    "StreamEvent",
    "Usage",
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
    """Client-side limits of one request (all seconds except tokens and retries)."""

    max_output_tokens: int = 4096
    first_token_timeout: float = 60.0
    total_timeout: float = 600.0
    #: connect / read timeout of each HTTP request
    request_timeout: float = 60.0
    retries: int = 3
    #: first backoff delay when the server gives no Retry-After
    backoff: float = 1.0
    #: never wait longer than this for one retry, whatever Retry-After says
    max_backoff: float = 30.0


@dataclass
class Usage:
    """Token counts as reported by the server (zeros when it reports none)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    reported: bool = False

    def to_dict(self) -> dict[str, int]:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cached_tokens": self.cached_tokens,
        }


@dataclass(frozen=True)
class Delta:
    """A piece of reply text as it arrives."""

    text: str
    type: Literal["delta"] = "delta"


@dataclass(frozen=True)
class Status:
    """A line for the user while waiting ("waiting for first token", "rate limited, retrying in 1 s, 2/3")."""

    text: str
    type: Literal["status"] = "status"


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
