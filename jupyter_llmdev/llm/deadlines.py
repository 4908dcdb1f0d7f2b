"""Wall-clock deadlines of one request, and the once-a-second beat of its waiting status.

An HTTP read timeout restarts with every byte, so a server that sends SSE comments
(llama.cpp's ``: ping`` every 15 s while a request waits in its queue) never trips it. These
deadlines count from fixed moments instead and only a *token* (content or reasoning) moves
one: the first token ends the first-token deadline and starts the between-tokens one. The
client waits for any I/O with :meth:`Deadlines.wake_in` as its timeout and cancels the I/O
when :meth:`Deadlines.expired` names a setting.
"""

from __future__ import annotations

import math
import time

from .types import RequestLimits

__all__ = ["TICK", "Deadlines", "countdown_step"]

#: seconds between two repeats of a waiting or retrying status line
TICK = 1.0


class Deadlines:
    """The deadlines of one request across its attempts (times from ``time.monotonic``)."""

    def __init__(self, limits: RequestLimits) -> None:
        self.limits = limits
        self.started = time.monotonic()
        self.attempt_started = self.started
        #: when the last token of this attempt arrived (None: no token yet)
        self.last_token: float | None = None
        #: seconds slept before retries so far (capped by ``max_retry_wait``)
        self.retry_waited = 0.0
        self._next_tick = self.started + TICK

    # -- moments ------------------------------------------------------------------------------

    def begin_attempt(self) -> None:
        """A new HTTP request: its first-token deadline starts now."""
        now = time.monotonic()
        self.attempt_started = now
        self.last_token = None
        self._next_tick = now + TICK - ((now - self.started) % TICK)

    def token(self) -> None:
        """A token arrived: the between-tokens deadline restarts."""
        self.last_token = time.monotonic()

    def elapsed(self) -> float:
        """Seconds since the request began."""
        return time.monotonic() - self.started

    # -- deadlines ----------------------------------------------------------------------------

    def nearest(self) -> tuple[float, str]:
        """(monotonic time, setting name) of the deadline that passes first; ``inf`` if none."""
        limits = self.limits
        candidates: list[tuple[float, str]] = []
        if limits.total_timeout > 0:
            candidates.append((self.started + limits.total_timeout, "total_timeout"))
        if self.last_token is None:
            if limits.first_token_timeout > 0:
                when = self.attempt_started + limits.first_token_timeout
                candidates.append((when, "first_token_timeout"))
        elif limits.between_tokens_timeout > 0:
            when = self.last_token + limits.between_tokens_timeout
            candidates.append((when, "between_tokens_timeout"))
        # on a tie the more specific limit wins: it is the one to raise
        return min(candidates, key=lambda item: (item[0], item[1] == "total_timeout"),
                   default=(math.inf, ""))

    def expired(self) -> str | None:
        """The setting whose deadline has passed, if any."""
        when, limit = self.nearest()
        return limit if time.monotonic() >= when else None

    def seconds_of(self, limit: str) -> float:
        """The configured seconds of ``limit`` (for messages)."""
        return float(getattr(self.limits, limit))

    def total_left(self) -> float:
        """Seconds until total_timeout (``inf`` without one)."""
        if self.limits.total_timeout <= 0:
            return math.inf
        return self.started + self.limits.total_timeout - time.monotonic()

    # -- the beat of waiting statuses ---------------------------------------------------------

    def wake_in(self) -> float:
        """How long the client may wait for I/O before it must look again (deadline or tick)."""
        when, _ = self.nearest()
        if self.last_token is None:
            when = min(when, self._next_tick)
        return max(0.0, when - time.monotonic())

    def tick_due(self) -> bool:
        """True (once per beat) when a waiting status should be repeated with the new count."""
        if self.last_token is not None or time.monotonic() < self._next_tick:
            return False
        while self._next_tick <= time.monotonic():
            self._next_tick += TICK
        return True

    # -- retry waits --------------------------------------------------------------------------

    def retry_wait_left(self) -> float:
        """Seconds of ``max_retry_wait`` not yet spent on retry waits."""
        return self.limits.max_retry_wait - self.retry_waited

    def waited(self, seconds: float) -> None:
        """Count ``seconds`` of retry wait against ``max_retry_wait``."""
        self.retry_waited += seconds


def countdown_step(left: float) -> float:
    """Seconds to sleep so that a countdown at ``left`` next shows the whole number below it.

    ``3.001`` and ``2.999`` both sleep to about 2 (a sleep that ends a little early or late
    never shows the same number twice); the last step sleeps to 0.
    """
    if left <= 0:
        return 0.0
    return min(left, left - (math.ceil(left - 0.05) - 1.0))
