"""The context window: refuse a prompt that cannot fit before sending it, and word the failures.

The window comes from the ``context_window`` setting or from the server (:mod:`.discovery`).
Prompt tokens are estimated the way the context budget estimates them (``ceil(chars / 4)``,
:func:`jupyter_llmdev.context.budget.estimate_tokens`), so the numbers in a refusal match the
context summary the user saw. A prompt that fits but leaves less room than ``max_tokens`` gets
a smaller ``max_tokens`` (servers such as vLLM and OpenAI reject prompt + max_tokens > window).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ContextTooLong, IncompleteReply
from .types import Message

__all__ = ["MIN_REPLY_TOKENS", "Fit", "Window", "empty_reply_error", "fit", "prompt_tokens"]

#: a prompt must leave at least this much room for the reply (or max_output_tokens, if less)
MIN_REPLY_TOKENS = 256


@dataclass(frozen=True)
class Window:
    """A model's context window in tokens, and where that number came from (for messages)."""

    tokens: int
    #: e.g. "the context_window setting", "max_model_len in GET /v1/models"
    source: str


@dataclass(frozen=True)
class Fit:
    """How a prompt fits: the ``max_tokens`` to send, and a note when it had to be lowered."""

    max_tokens: int
    note: str = ""


def prompt_tokens(messages: list[Message]) -> int:
    """Estimated tokens of the messages' text (the context budget's estimate)."""
    from ..context.budget import estimate_tokens

    return estimate_tokens("".join(str(m.get("content") or "") for m in messages))


def _n(count: int) -> str:
    return f"{count:,}"


def fit(prompt: int, window: Window | None, max_output: int, describe: str) -> Fit:
    """The :class:`Fit` of a prompt of ``prompt`` tokens; raises :class:`ContextTooLong`.

    Without a known window the request goes out unchecked (``max_tokens`` unchanged).
    """
    if window is None:
        return Fit(max_output)
    room = window.tokens - prompt
    if room < min(MIN_REPLY_TOKENS, max_output):
        raise ContextTooLong(
            f"The prompt is about {_n(prompt)} tokens and {describe} has a context window of "
            f"{_n(window.tokens)} ({window.source}): no room for a reply, so nothing was sent.",
            hint="Lower context_budget in the configuration or send fewer cells; if the window "
            "is wrong, set context_window.",
        )
    if room < max_output:
        return Fit(room, f"context window {_n(window.tokens)} tokens ({window.source}): "
                         f"the reply may use {_n(room)} of max_output_tokens {_n(max_output)}")
    return Fit(max_output)


def empty_reply_error(describe: str, prompt: int, window: Window | None) -> IncompleteReply:
    """The error for a 200 stream that ended without any text: possibly a context overflow.

    llama.cpp (among others) answers a prompt longer than its context this way.
    """
    known = (f"its context window is {_n(window.tokens)} ({window.source})" if window
             else "its context window is unknown")
    return IncompleteReply(
        f"{describe} ended the stream without any reply text. The prompt (about {_n(prompt)} "
        f"tokens) may be longer than the model's context; {known}.",
        hint="Lower context_budget or send fewer cells (set context_window so that this is "
        "checked before sending); if the prompt is small, check the server's log.",
    )
