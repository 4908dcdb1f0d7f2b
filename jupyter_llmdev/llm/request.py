"""One LLM request across its attempts: parameters, deadlines, retries and what to raise.

The sync and async loops in :mod:`.client` only do I/O; every decision is made here, so both
behave the same. Deadlines work through the HTTP read timeout of each attempt (the smallest of
request_timeout, first_token_timeout and the time left of total_timeout) plus a check on
every chunk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ..errors import Cancelled, LLMError
from .errors_map import ErrorContext, classify, server_message, timeout_error, to_llm_error
from .retry import backoff_delay, retry_status
from .stream import StreamState
from .types import Endpoint, Finished, Message, RequestLimits, Status, StreamEvent

__all__ = ["CLIENT_CAP_CHARS_PER_TOKEN", "Compat", "RequestRun", "Retry"]

#: the client-side cap allows this many characters per requested output token: well above
#: what real tokenizers produce (about 4), so it only cuts servers that ignore max_tokens
CLIENT_CAP_CHARS_PER_TOKEN = 6


@dataclass
class Compat:
    """What one endpoint turned out not to accept; learned from 400 answers, kept per client."""

    #: send ``stream_options={"include_usage": True}`` (old Azure API versions reject it)
    include_usage: bool = True
    #: send ``max_completion_tokens`` instead of ``max_tokens`` (OpenAI reasoning models)
    max_completion_tokens: bool = False


@dataclass(frozen=True)
class Retry:
    """The decision to try again after ``delay`` seconds, announcing ``status`` if any."""

    delay: float
    status: Status | None = None


class RequestRun:
    """The state of one request: call ``begin_attempt`` before each HTTP request."""

    def __init__(
        self, endpoint: Endpoint, limits: RequestLimits, ctx: ErrorContext, compat: Compat
    ) -> None:
        self.endpoint = endpoint
        self.limits = limits
        self.ctx = ctx
        self.compat = compat
        self.started = time.monotonic()
        self.retries_done = 0
        self.state = StreamState(source=endpoint.describe())
        self._attempt_started = self.started
        self._read_timeout = limits.request_timeout
        self._limit = "request_timeout"
        self._streaming = False

    # -- before each attempt ------------------------------------------------------------------

    def waiting(self) -> Status:
        """The first Status of the request."""
        return Status(f"waiting for {self.endpoint.describe()}...")

    def begin_attempt(self, messages: list[Message]) -> dict[str, Any]:
        """Reset the per-attempt state; return the keyword arguments of ``create()``."""
        self.state = StreamState(
            source=self.endpoint.describe(),
            max_chars=self.limits.max_output_tokens * CLIENT_CAP_CHARS_PER_TOKEN,
        )
        self._streaming = False
        now = time.monotonic()
        self._attempt_started = now
        left = self.limits.total_timeout - (now - self.started)
        # on a tie the most specific name wins, so messages name the limit to raise
        candidates = [("request_timeout", self.limits.request_timeout), ("total_timeout", left)]
        if self.limits.first_token_timeout > 0:
            candidates.insert(0, ("first_token_timeout", self.limits.first_token_timeout))
        self._limit, timeout = min(candidates, key=lambda item: item[1])
        self._read_timeout = max(timeout, 0.001)
        if left <= 0:
            raise timeout_error(self.ctx, kind="total", seconds=self.limits.total_timeout,
                                limit="total_timeout")
        kwargs: dict[str, Any] = {
            "model": self.endpoint.model,
            "messages": messages,
            "stream": True,
            "timeout": self._read_timeout,
        }
        if self.compat.max_completion_tokens:
            kwargs["extra_body"] = {"max_completion_tokens": self.limits.max_output_tokens}
        else:
            # always max_tokens first: local servers ignore max_completion_tokens
            kwargs["max_tokens"] = self.limits.max_output_tokens
        if self.compat.include_usage:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def opened(self) -> None:
        """The server answered 200 and the stream is open."""
        self._streaming = True

    # -- while streaming ----------------------------------------------------------------------

    def on_chunk(self, chunk: Any) -> list[StreamEvent]:
        """Accumulate one chunk; raise :class:`LLMTimeout` when a deadline has passed."""
        events = self.state.handle_chunk(chunk)
        now = time.monotonic()
        if now - self.started > self.limits.total_timeout:
            raise timeout_error(self.ctx, kind="total", seconds=self.limits.total_timeout,
                                limit="total_timeout", partial=self.state.text)
        first = self.limits.first_token_timeout
        if not self.state.received and first > 0 and now - self._attempt_started > first:
            raise timeout_error(self.ctx, kind="first", seconds=first,
                                limit="first_token_timeout")
        return events

    @property
    def done(self) -> bool:
        """The client-side output cap was reached: stop reading."""
        return self.state.done

    def finish(self) -> Finished:
        """The final event, or :class:`IncompleteReply` when the stream ended early."""
        return self.state.finish()

    def cancelled(self) -> Cancelled:
        """The error for a request the user stopped."""
        return Cancelled(
            f"Request to {self.endpoint.describe()} cancelled; nothing was applied.",
            partial=self.state.text,
        )

    # -- after a failure ----------------------------------------------------------------------

    def on_failure(self, err: Exception) -> Retry:
        """Decide about a failed attempt: a :class:`Retry`, or raise the mapped LLMError."""
        import openai

        partial = self.state.text
        if isinstance(err, LLMError):
            raise err
        if isinstance(err, openai.APITimeoutError):
            raise self._timeout(partial) from None
        if not self._streaming and self._adapt(err):
            return Retry(0.0)
        retryable = classify(err) if not self.state.received else None
        if retryable is not None and self.retries_done < self.limits.retries:
            number = self.retries_done + 1
            delay = backoff_delay(self.limits, number, retryable.delay)
            left = self.limits.total_timeout - (time.monotonic() - self.started)
            if delay < left:
                self.retries_done = number
                text = retry_status(retryable.reason, delay, number, self.limits.retries)
                return Retry(delay, Status(text))
        raise to_llm_error(err, self.ctx, retries_done=self.retries_done, partial=partial,
                           streaming=self._streaming) from None

    def _timeout(self, partial: str) -> LLMError:
        elapsed = time.monotonic() - self.started
        if self._limit == "total_timeout" or elapsed >= self.limits.total_timeout:
            return timeout_error(self.ctx, kind="total", seconds=self.limits.total_timeout,
                                 limit="total_timeout", partial=partial)
        kind = "stall" if self.state.received else "first"
        return timeout_error(self.ctx, kind=kind, seconds=self._read_timeout, limit=self._limit,
                             partial=partial)

    def _adapt(self, err: Exception) -> bool:
        """Learn from a 400 that rejects a parameter we can do without; True: try again."""
        if getattr(err, "status_code", None) != 400:
            return False
        body = getattr(err, "body", None)
        param = str(body.get("param") or "") if isinstance(body, dict) else ""
        message = server_message(err, self.ctx).lower()
        if self.compat.include_usage and ("stream_options" in message or param == "stream_options"):
            self.compat.include_usage = False
            return True
        if not self.compat.max_completion_tokens and (
            param == "max_tokens" or ("max_tokens" in message and "max_completion_tokens" in message)
        ):
            self.compat.max_completion_tokens = True
            return True
        return False
