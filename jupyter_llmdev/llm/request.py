"""One LLM request across its attempts: parameters, deadlines, retries, statuses, what to raise.

The loop in :mod:`.client` only does I/O; every decision is made here. Deadlines are wall-clock
(:mod:`.deadlines`): the client waits for each piece of I/O at most :meth:`RequestRun.wake_in`
seconds and then asks :meth:`RequestRun.woke`, which raises the timeout whose deadline passed
or returns the next once-a-second waiting status.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import LLMError
from .deadlines import Deadlines
from .discovery import ServerFacts
from .errors_map import ErrorContext, classify, server_message, timeout_error, to_llm_error
from .retry import backoff_delay, format_seconds, retry_status
from .stream import StreamState
from .types import Endpoint, Finished, Message, Phase, RequestLimits, Status, StreamEvent
from .window import Window, empty_reply_error, fit, prompt_tokens

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
    """The decision to try again after ``delay`` seconds (retry ``number``, for ``reason``).

    ``reason`` is empty for an immediate retry after learning what the endpoint accepts.
    """

    delay: float
    reason: str = ""
    number: int = 0


class RequestRun:
    """The state of one request: call ``begin_attempt`` before each HTTP request."""

    def __init__(
        self, endpoint: Endpoint, limits: RequestLimits, ctx: ErrorContext, compat: Compat
    ) -> None:
        self.endpoint = endpoint
        self.limits = limits
        self.ctx = ctx
        self.compat = compat
        self.deadlines = Deadlines(limits)
        self.retries_done = 0
        self.state = StreamState(source=endpoint.describe())
        #: the estimated prompt tokens and the known context window (for messages)
        self.prompt_tokens = 0
        self.window: Window | None = None
        #: what the server said about itself (its model list words an unknown-model error)
        self.facts: ServerFacts | None = None
        self._max_tokens = limits.max_output_tokens
        self._streaming = False
        self._replying = False

    # -- statuses -----------------------------------------------------------------------------

    def _status(self, text: str, phase: Phase = "note", *, seconds: float | None = None,
                tick: bool = False) -> Status:
        return Status(self.ctx.clean(text), phase=phase, seconds=seconds, tick=tick)

    def waiting(self, *, tick: bool = False) -> Status:
        """``waiting for provider:model... 12 s`` (seconds since the request began)."""
        elapsed = self.deadlines.elapsed()
        count = f" {int(elapsed)} s" if elapsed >= 1 else ""
        return self._status(f"waiting for {self.endpoint.describe()}...{count}", "waiting",
                            seconds=elapsed, tick=tick)

    def retry_status(self, retry: Retry, left: float, *, tick: bool = False) -> Status:
        """``rate limited, retrying in 3 s (1/3)``: the countdown before the next attempt."""
        text = retry_status(retry.reason, left, retry.number, self.limits.retries)
        return self._status(text, "retrying", seconds=left, tick=tick)

    # -- before the first attempt -------------------------------------------------------------

    def configured_window(self) -> Window | None:
        """The ``context_window`` setting, if set (then the server is not asked)."""
        tokens = self.limits.context_window
        return Window(tokens, "the context_window setting") if tokens > 0 else None

    def fit(self, messages: list[Message], window: Window | None) -> Status | None:
        """Check the prompt against ``window``: raise ContextTooLong, or maybe lower max_tokens."""
        self.prompt_tokens = prompt_tokens(messages)
        self.window = window
        result = fit(self.prompt_tokens, window, self.limits.max_output_tokens,
                     self.endpoint.describe())
        self._max_tokens = result.max_tokens
        return self._status(result.note) if result.note else None

    # -- before each attempt ------------------------------------------------------------------

    def begin_attempt(self, messages: list[Message]) -> dict[str, Any]:
        """Reset the per-attempt state; return the keyword arguments of ``create()``."""
        self.state = StreamState(
            source=self.endpoint.describe(),
            max_chars=self.limits.max_output_tokens * CLIENT_CAP_CHARS_PER_TOKEN,
        )
        self._streaming = False
        self._replying = False
        if self.deadlines.total_left() <= 0:
            raise self._timeout("total_timeout")
        self.deadlines.begin_attempt()
        kwargs: dict[str, Any] = {
            "model": self.endpoint.model,
            "messages": messages,
            "stream": True,
            "timeout": self._http_timeout(),
        }
        if self.compat.max_completion_tokens:
            kwargs["extra_body"] = {"max_completion_tokens": self._max_tokens}
        else:
            # always max_tokens first: local servers ignore max_completion_tokens
            kwargs["max_tokens"] = self._max_tokens
        if self.compat.include_usage:
            kwargs["stream_options"] = {"include_usage": True}
        return kwargs

    def _http_timeout(self) -> Any:
        """Only connecting has an HTTP timeout; reads are watched by the wall-clock deadlines
        (an HTTP read timeout restarts with every byte, SSE comments included)."""
        import openai

        connect = self.limits.connect_timeout if self.limits.connect_timeout > 0 else None
        return openai.Timeout(connect=connect, read=None, write=None, pool=connect)

    def opened(self) -> None:
        """The server answered 200 and the stream is open."""
        self._streaming = True

    # -- while waiting or streaming -----------------------------------------------------------

    def wake_in(self) -> float:
        """Seconds the client may wait for I/O before calling :meth:`woke`."""
        return self.deadlines.wake_in()

    def woke(self) -> Status | None:
        """After a wait that I/O did not end: raise the timeout whose deadline passed, else
        return the waiting status due now (once a second until the first token), if any."""
        limit = self.deadlines.expired()
        if limit:
            raise self._timeout(limit)
        if self.deadlines.tick_due():
            return self.waiting(tick=True)
        return None

    def on_chunk(self, chunk: Any) -> list[StreamEvent]:
        """Accumulate one chunk; a token restarts the between-tokens deadline.

        The first token of an attempt comes with a ``replying`` status, which ends every
        waiting or retrying line.
        """
        before = self.state.token_chunks
        events = self.state.handle_chunk(chunk)
        if self.state.token_chunks != before:
            self.deadlines.token()
            if not self._replying:
                self._replying = True
                events.insert(0, self._status(f"{self.endpoint.describe()} is replying",
                                              "replying"))
        return events

    @property
    def done(self) -> bool:
        """The client-side output cap was reached: stop reading."""
        return self.state.done

    def finish(self) -> Finished:
        """The final event; :class:`IncompleteReply` when the stream ended early or empty."""
        state = self.state
        if state.finish_reason is None and not state.text and not state.received:
            raise empty_reply_error(self.endpoint.describe(), self.prompt_tokens, self.window)
        return state.finish()

    # -- after a failure ----------------------------------------------------------------------

    def on_failure(self, err: Exception) -> Retry:
        """Decide about a failed attempt: a :class:`Retry`, or raise the mapped LLMError."""
        import openai

        partial = self.state.text
        if isinstance(err, LLMError):
            raise err
        if isinstance(err, openai.APITimeoutError):
            raise self._timeout("connect_timeout") from None
        if not self._streaming and self._adapt(err):
            return Retry(0.0)
        retryable = classify(err, self.ctx.url) if not self.state.received else None
        gave_up = ""
        if retryable is not None and self.retries_done < self.limits.retries:
            number = self.retries_done + 1
            delay = backoff_delay(self.limits, number, retryable.delay)
            cap = self.limits.max_retry_wait
            if delay > self.deadlines.retry_wait_left():
                gave_up = (f"the next wait, {format_seconds(delay)} s, would exceed "
                           f"max_retry_wait ({format_seconds(cap)} s)")
            elif delay >= self.deadlines.total_left():
                gave_up = f"the next wait, {format_seconds(delay)} s, would outlast total_timeout"
            else:
                self.retries_done = number
                self.deadlines.waited(delay)
                return Retry(delay, retryable.reason, number)
        raise to_llm_error(err, self.ctx, retries_done=self.retries_done, partial=partial,
                           streaming=self._streaming, gave_up=gave_up, facts=self.facts) from None

    def _timeout(self, limit: str) -> LLMError:
        return timeout_error(self.ctx, limit=limit, seconds=self.deadlines.seconds_of(limit),
                             partial=self.state.text)

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
