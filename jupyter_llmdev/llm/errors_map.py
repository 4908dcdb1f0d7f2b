"""Turn ``openai`` exceptions into jupyter-llmdev's :class:`LLMError` tree, with short messages.

Messages name the endpoint (``provider:model``) and the base URL without credentials, quote
at most one trimmed line of the server's own message (never for 401, whose body echoes part
of the key), and scrub anything that looks like a key.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import (
    AuthenticationFailed,
    BadRequest,
    ContextTooLong,
    IncompleteReply,
    LLMError,
    LLMTimeout,
    ModelNotFound,
    RateLimited,
    ServerError,
    ServerUnreachable,
)
from .retry import format_seconds, is_retryable_status, retry_after
from .types import Endpoint

__all__ = ["ErrorContext", "Retryable", "classify", "server_message", "timeout_error", "to_llm_error"]

#: longest quote of a server message in our messages
_QUOTE_CHARS = 200
#: provider key shapes (sk-..., sk-proj-..., gsk_..., xai-...) and bearer tokens
_KEYLIKE = re.compile(r"\b(?:sk|rk|pk|gsk|xai)[-_][A-Za-z0-9_\-*.]{6,}|(?i:bearer)\s+\S+")
_CONTEXT_WORDS = ("context length", "context_length", "context window", "maximum context",
                  "too many tokens", "prompt is too long")


@dataclass(frozen=True)
class ErrorContext:
    """What messages may say about one request (the key is held only to scrub it)."""

    endpoint: Endpoint
    #: the base URL, already without credentials
    url: str
    #: kept out of ``repr`` so that verbose tracebacks never print it
    api_key: str = field(default="", repr=False)

    def scrub(self, text: str) -> str:
        """``text`` with the key and anything key-shaped replaced by ``***``."""
        if self.api_key and len(self.api_key) >= 6:
            text = text.replace(self.api_key, "***")
        return _KEYLIKE.sub("***", text)


@dataclass(frozen=True)
class Retryable:
    """A failure worth another attempt: why (for the Status line) and the server's delay."""

    reason: str
    delay: float | None = None


def _status(err: Exception) -> int | None:
    status = getattr(err, "status_code", None)
    return status if isinstance(status, int) else None


def _body(err: Exception) -> Mapping[str, Any]:
    body = getattr(err, "body", None)
    return body if isinstance(body, Mapping) else {}


def server_message(err: Exception, ctx: ErrorContext) -> str:
    """The server's own message: first line, trimmed, scrubbed ("" when there is none)."""
    body = getattr(err, "body", None)
    if isinstance(body, Mapping):
        text = body.get("message") or body.get("detail") or ""
    elif isinstance(body, str):
        text = body
    else:
        text = ""
    text = str(text).strip().splitlines()[0] if str(text).strip() else ""
    if len(text) > _QUOTE_CHARS:
        text = text[: _QUOTE_CHARS - 3].rstrip() + "..."
    return ctx.scrub(text)


def classify(err: Exception) -> Retryable | None:
    """A :class:`Retryable` for 408/409/429/5xx and connection failures, else ``None``.

    Timeouts are not retried here (the caller's deadlines decide); neither is a 429 that
    means the quota is used up.
    """
    import openai

    if isinstance(err, openai.APITimeoutError):
        return None
    if isinstance(err, openai.APIConnectionError):
        return Retryable("connection failed")
    status = _status(err)
    if status is None or not is_retryable_status(status):
        return None
    if status == 429:
        if _body(err).get("code") == "insufficient_quota":
            return None
        return Retryable("rate limited", retry_after(_headers(err)))
    return Retryable(f"server error {status}", retry_after(_headers(err)))


def _headers(err: Exception) -> Mapping[str, str] | None:
    response = getattr(err, "response", None)
    return getattr(response, "headers", None)


def _after(retries_done: int) -> str:
    if retries_done <= 0:
        return ""
    return f", still after {retries_done} {'retry' if retries_done == 1 else 'retries'}"


def _quote(message: str) -> str:
    return f": {message}" if message else "."


def to_llm_error(
    err: Exception, ctx: ErrorContext, *, retries_done: int = 0, partial: str = "",
    streaming: bool = False,
) -> LLMError:
    """The :class:`LLMError` for ``err``; ``streaming``: the reply had started (headers came)."""
    import openai

    ep, url = ctx.endpoint.describe(), ctx.url
    if isinstance(err, ValueError):  # a chunk that is not JSON
        return IncompleteReply(
            f"{ep} sent a malformed chunk (not JSON) after {len(partial)} characters; "
            "nothing was applied.",
            hint="Run the command again; if it keeps happening, the server or a proxy "
            "between is mangling the stream.",
            partial=partial,
        )
    if isinstance(err, openai.APIConnectionError):
        if streaming or partial:
            return IncompleteReply(
                f"The connection to {ep} broke in the middle of the reply "
                f"({len(partial)} characters arrived); nothing was applied.",
                hint="Run the command again; if it keeps happening, check the server at "
                f"{url}.",
                partial=partial,
            )
        return ServerUnreachable(
            f"Cannot connect to {url} for {ep}{_after(retries_done)}.",
            hint="Check that the server is running and that base_url is right "
            "(`llmdev config`, OPENAI_BASE_URL).",
            partial=partial,
        )
    status = _status(err)
    if status is None:  # an error event inside a 200 stream
        return IncompleteReply(
            f"{ep} reported an error in the middle of the reply{_quote(server_message(err, ctx))}",
            hint="Run the command again; nothing was applied.",
            partial=partial,
        )
    return _status_error(err, status, ctx, retries_done=retries_done, partial=partial)


def _status_error(
    err: Exception, status: int, ctx: ErrorContext, *, retries_done: int, partial: str
) -> LLMError:
    ep, url, env = ctx.endpoint.describe(), ctx.url, ctx.endpoint.api_key_env
    message = server_message(err, ctx)
    code = str(_body(err).get("code") or "")
    if status == 401:
        return AuthenticationFailed(
            f"{url} rejected the API key for {ep} (401).",
            hint=f"Put a valid key in the environment variable {env} where the kernel or "
            "server runs.",
            partial=partial,
        )
    if status == 403:
        return AuthenticationFailed(
            f"{url} refused access to {ep} (403){_quote(message)}",
            hint=f"Check that the key in {env} may use this model.",
            partial=partial,
        )
    if status == 404:
        if code == "model_not_found" or "model" in message.lower():
            return ModelNotFound(
                f"{ctx.endpoint.provider} has no model '{ctx.endpoint.model}' (404).",
                hint="Check the model name (`llmdev models`, `llmdev config`) or set another "
                "model for this role.",
                partial=partial,
            )
        return ModelNotFound(
            f"{url} answered 404 Not Found for chat completions with model "
            f"'{ctx.endpoint.model}'.",
            hint="Check base_url (OpenAI-compatible servers usually end in /v1) and the model "
            "name (`llmdev config`).",
            partial=partial,
        )
    lowered = message.lower()
    if status == 413 or code == "context_length_exceeded" or any(
        word in lowered for word in _CONTEXT_WORDS
    ):
        return ContextTooLong(
            f"The prompt is longer than {ep} accepts{_quote(message)}",
            hint="Lower context_budget in the llmdev config, or send fewer cells.",
            partial=partial,
        )
    if status == 429:
        quota = code == "insufficient_quota"
        return RateLimited(
            f"{ep} is rate limiting requests (429){_after(retries_done)}{_quote(message)}",
            hint="Check the plan and billing of the account."
            if quota
            else "Wait a minute and run it again, or use another model for this role.",
            partial=partial,
        )
    if status >= 500:
        return ServerError(
            f"{ep} answered {status} (server error){_after(retries_done)}{_quote(message)}",
            hint=f"The server at {url} may be overloaded or down; try again later.",
            partial=partial,
        )
    return BadRequest(
        f"{ep} rejected the request ({status}){_quote(message)}",
        hint="Check this model's settings in the llmdev config.",
        partial=partial,
    )


def timeout_error(
    ctx: ErrorContext, *, kind: str, seconds: float, limit: str, partial: str = ""
) -> LLMTimeout:
    """An :class:`LLMTimeout`; ``kind`` is ``first`` (no token yet), ``stall`` or ``total``."""
    ep, url, secs = ctx.endpoint.describe(), ctx.url, format_seconds(seconds)
    if kind == "total":
        return LLMTimeout(
            f"The reply from {ep} took longer than {secs} s (total_timeout); "
            f"{len(partial)} characters had arrived.",
            hint="Raise total_timeout in the llmdev config, or ask for a smaller change.",
            partial=partial,
        )
    if kind == "stall":
        text = f"{ep} sent nothing for {secs} s in the middle of its reply ({limit})."
    else:
        text = f"No reply from {ep} within {secs} s ({limit})."
    return LLMTimeout(
        text,
        hint=f"Check that the server at {url} is running and not overloaded, or raise {limit} "
        "in the llmdev config.",
        partial=partial,
    )
