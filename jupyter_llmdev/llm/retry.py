"""Retry policy: which HTTP failures are retried, and how long to wait before the next attempt."""

from __future__ import annotations

from collections.abc import Mapping

from .types import RequestLimits

__all__ = ["backoff_delay", "format_seconds", "is_retryable_status", "retry_after", "retry_status"]

#: besides every 5xx: request timeout, conflict (lock contention), rate limit
_RETRYABLE = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    """True for 408, 409, 429 and every 5xx."""
    return status in _RETRYABLE or status >= 500


def retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds the server asks us to wait (``retry-after-ms`` or numeric ``retry-after``).

    The HTTP-date form of ``Retry-After`` is ignored (the exponential backoff applies then).
    """
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue
        if seconds >= 0 and seconds == seconds:  # not NaN
            return seconds
    return None


def backoff_delay(limits: RequestLimits, retry_number: int, server_delay: float | None) -> float:
    """Wait before retry ``retry_number`` (1-based): the server's delay, else exponential.

    Either way never longer than ``limits.max_backoff``.
    """
    if server_delay is not None:
        delay = server_delay
    else:
        delay = limits.backoff * 2 ** (retry_number - 1)
    return max(0.0, min(delay, limits.max_backoff))


def format_seconds(seconds: float) -> str:
    """``1``, ``0.5``, ``2.25``: seconds for messages, without noise digits."""
    return f"{round(seconds, 2):g}"


def retry_status(reason: str, delay: float, retry_number: int, retries: int) -> str:
    """The Status line while waiting: ``rate limited, retrying in 1 s (2/3)``."""
    return f"{reason}, retrying in {format_seconds(delay)} s ({retry_number}/{retries})"
