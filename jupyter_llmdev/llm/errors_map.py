"""Turn ``openai`` exceptions into jupyter-llmdev's :class:`LLMError` tree, with short messages.

Messages name the endpoint (``provider:model``) and the base URL without credentials, and
quote at most one trimmed line of the server's own message. Every error that leaves the client
goes through :meth:`ErrorContext.sanitize`: secrets scrubbed (:mod:`.secrets`: the key, URL
credentials, Basic/Bearer tokens, even when a server echoes them) and control characters made
printable (a server's message or a configured model name could carry terminal escapes).
"""

from __future__ import annotations

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
from ..safety.terminal import printable
from .connection import failure_of, host_of, retry_refused, was_reset
from .discovery import ServerFacts, models_hint
from .retry import format_seconds, is_retryable_status, retry_after
from .secrets import Secrets
from .transport import KEY_PLACE
from .types import Endpoint

__all__ = ["ErrorContext", "Retryable", "classify", "server_message", "timeout_error", "to_llm_error"]

#: longest quote of a server message in our messages
_QUOTE_CHARS = 200
_CONTEXT_WORDS = ("context length", "context_length", "context window", "maximum context",
                  "too many tokens", "prompt is too long")


@dataclass(frozen=True)
class ErrorContext:
    """What messages may say about one request (the secrets are held only to scrub them)."""

    endpoint: Endpoint
    #: the base URL, already without credentials
    url: str
    #: the key and URL credentials of this request; kept out of ``repr``
    secrets: Secrets = field(default_factory=Secrets, repr=False)

    def scrub(self, text: str) -> str:
        """``text`` with every secret of this request, and anything credential-shaped, as ``***``."""
        return self.secrets.scrub(text)

    def clean(self, text: str) -> str:
        """One scrubbed line with its control characters made visible: fit for any message."""
        return printable(self.scrub(text), keep_newlines=False)

    def sanitize(self, error: LLMError) -> LLMError:
        """``error`` with its message and hint scrubbed and printable (changed in place)."""
        message = printable(self.scrub(error.message))
        hint = printable(self.scrub(error.hint)) if error.hint else error.hint
        error.message, error.hint = message, hint
        error.args = (message if not hint else f"{message}\n{hint}",)
        return error


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
    return ctx.clean(text)


def classify(err: Exception, url: str = "") -> Retryable | None:
    """A :class:`Retryable` for 408/409/429/5xx and connection failures, else ``None``.

    Timeouts are not retried here (the caller's deadlines decide); neither is a 429 that
    means the quota is used up, nor a refused connection to ``url`` on this machine or the
    local network (nothing listens there: retries would only delay saying so).
    """
    import openai

    if isinstance(err, openai.APITimeoutError):
        return None
    if isinstance(err, openai.APIConnectionError):
        failure = failure_of(err)
        if failure == "refused":
            return Retryable("connection refused") if retry_refused(url) else None
        return Retryable("connection lost" if failure == "lost" else "connection failed")
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


def _after(retries_done: int, gave_up: str = "") -> str:
    """``, still after 2 retries`` (and why retrying stopped early, if it did)."""
    if retries_done <= 0:
        return f" ({gave_up})" if gave_up else ""
    text = f", still after {retries_done} {'retry' if retries_done == 1 else 'retries'}"
    return f"{text} ({gave_up})" if gave_up else text


def _quote(message: str) -> str:
    return f": {message}" if message else "."


def to_llm_error(
    err: Exception, ctx: ErrorContext, *, retries_done: int = 0, partial: str = "",
    streaming: bool = False, gave_up: str = "", facts: ServerFacts | None = None,
) -> LLMError:
    """The :class:`LLMError` for ``err``; ``streaming``: the reply had started (headers came);
    ``gave_up``: why retrying stopped before ``retries`` were used (the retry wait cap);
    ``facts``: what the server said about itself (an unknown model's hint lists its models)."""
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
        return _connection_error(err, ctx, after=_after(retries_done, gave_up), partial=partial,
                                 streaming=streaming)
    status = _status(err)
    if status is None:  # an error event inside a 200 stream
        return IncompleteReply(
            f"{ep} reported an error in the middle of the reply{_quote(server_message(err, ctx))}",
            hint="Run the command again; nothing was applied.",
            partial=partial,
        )
    return _status_error(err, status, ctx, after=_after(retries_done, gave_up), partial=partial,
                         facts=facts)


def _connection_error(err: Exception, ctx: ErrorContext, *, after: str, partial: str,
                      streaming: bool) -> LLMError:
    """A connection never made (refused, unknown host, unreachable) or lost on the way."""
    ep, url, host = ctx.endpoint.describe(), ctx.url, host_of(ctx.url)
    failure = failure_of(err)
    if streaming or partial:
        got = (f"{len(partial)} characters had arrived" if partial else "before any text arrived")
        return IncompleteReply(
            f"The connection to {host} was lost while {ep} was replying ({got}); nothing was applied.",
            hint=f"Run the command again; if it keeps happening, check the server at {url} (its log).",
            partial=partial,
        )
    if failure == "lost":
        how = "reset it" if was_reset(err) else "closed it"
        return ServerUnreachable(
            f"The connection to {host} was lost while waiting for {ep} to answer (the server {how}){after}.",
            hint=f"The server may have crashed or restarted, or a proxy dropped the request: check the server "
            f"at {url} (its log), then run the command again.",
            partial=partial,
        )
    why = {"refused": ": connection refused, nothing listens there",
           "unknown_host": ": the host name is not known"}.get(failure, "")
    return ServerUnreachable(
        f"Cannot connect to {url} for {ep}{why}{after}.",
        hint="Check that the server is running and that base_url is right "
        "(the `config` command shows it; OPENAI_BASE_URL).",
        partial=partial,
    )


def _status_error(
    err: Exception, status: int, ctx: ErrorContext, *, after: str, partial: str,
    facts: ServerFacts | None,
) -> LLMError:
    ep, url, env = ctx.endpoint.describe(), ctx.url, ctx.endpoint.api_key_env
    message = server_message(err, ctx)
    code = str(_body(err).get("code") or "")
    if status == 401:
        # the server's words help (a proxy's "bad credentials" vs a wrong key); scrubbed first
        return AuthenticationFailed(
            f"{url} rejected the API key for {ep} (401){_quote(message)}",
            hint=f"Put a valid key in the environment variable {env} {KEY_PLACE}.",
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
                hint=models_hint(ctx.endpoint.provider, facts),
                partial=partial,
            )
        return ModelNotFound(
            f"{url} answered 404 Not Found for chat completions with model "
            f"'{ctx.endpoint.model}'.",
            hint="Check base_url (OpenAI-compatible servers usually end in /v1) and the model "
            "name (the `config` command shows both).",
            partial=partial,
        )
    lowered = message.lower()
    if status == 413 or code == "context_length_exceeded" or any(
        word in lowered for word in _CONTEXT_WORDS
    ):
        return ContextTooLong(
            f"The prompt is longer than {ep} accepts{_quote(message)}",
            hint="Lower context_budget in the configuration, or send fewer cells.",
            partial=partial,
        )
    if status == 429:
        quota = code == "insufficient_quota"
        return RateLimited(
            f"{ep} is rate limiting requests (429){after}{_quote(message)}",
            hint="Check the plan and billing of the account."
            if quota
            else "Wait a minute and run it again, or use another model for this role.",
            partial=partial,
        )
    if status >= 500:
        return ServerError(
            f"{ep} answered {status} (server error){after}{_quote(message)}",
            hint=f"The server at {url} may be overloaded or down; try again later.",
            partial=partial,
        )
    return BadRequest(
        f"{ep} rejected the request ({status}){_quote(message)}",
        hint="Check this model's settings in the configuration (the `config` command shows them).",
        partial=partial,
    )


def timeout_error(
    ctx: ErrorContext, *, limit: str, seconds: float, partial: str = ""
) -> LLMTimeout:
    """An :class:`LLMTimeout` naming the setting whose deadline passed.

    ``limit`` is ``connect_timeout``, ``first_token_timeout``, ``between_tokens_timeout`` or
    ``total_timeout``; the hint names that same setting, since raising it is what helps.
    """
    ep, url, secs = ctx.endpoint.describe(), ctx.url, format_seconds(seconds)
    arrived = f"{len(partial)} characters had arrived"
    if limit == "total_timeout":
        return LLMTimeout(
            f"The reply from {ep} took longer than {secs} s (total_timeout); {arrived}.",
            hint="Raise total_timeout in the configuration, or ask for a smaller change.",
            partial=partial,
        )
    if limit == "connect_timeout":
        return LLMTimeout(
            f"Could not connect to {url} for {ep} within {secs} s (connect_timeout).",
            hint="Check that the server is running and that base_url is right, or raise "
            "connect_timeout in the configuration.",
            partial=partial,
        )
    if limit == "between_tokens_timeout":
        return LLMTimeout(
            f"{ep} sent no token for {secs} s in the middle of its reply "
            f"(between_tokens_timeout); {arrived}.",
            hint=f"Check that the server at {url} is not overloaded, or raise "
            "between_tokens_timeout in the configuration.",
            partial=partial,
        )
    return LLMTimeout(
        f"No reply from {ep} within {secs} s (first_token_timeout).",
        hint="A busy server may keep a request queued, or read a long prompt, that long: "
        f"raise first_token_timeout in the configuration, or check the server at {url}.",
        partial=partial,
    )
