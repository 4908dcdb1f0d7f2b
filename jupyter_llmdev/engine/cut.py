"""Replies cut by the output limit: never applied or stored as final without the user's choice.

:func:`guard_cut` wraps a step so that a cut reply raises :class:`~jupyter_llmdev.errors.ReplyCut`
instead of finishing; the error keeps what accepting would give (``kept``) and what continuing
needs (``resume``). :func:`continue_step` asks the model to go on from where it stopped and
finishes the original step with the joined text. In an isolated step (reviews) a cut reply is that
reviewer's failure, and the others stand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import LLMDevError, ReplyCut
from ..llm.types import Finished
from .steps import CallResult, LLMCall, Step

__all__ = ["CONTINUE_REQUEST", "Resume", "continue_step", "guard_cut", "keep_cut"]

T = TypeVar("T")

#: the user turn that asks the model to go on (the cut reply is sent back as its own turn)
CONTINUE_REQUEST = (
    "Your reply was cut off by the output limit. Continue exactly where it stopped, mid-line if "
    "need be: do not repeat anything, do not restart a code block that is already open."
)


@dataclass
class Resume:
    """A cut step: the step (unguarded), the cut call and the text it got so far."""

    step: Step[Any]
    call: LLMCall
    finished: Finished


def guard_cut(step: Step[T], *, accept_cut: bool, limit: int, say: Any) -> Step[T]:
    """``step`` whose finish raises :class:`ReplyCut` on a cut reply, unless ``accept_cut``."""
    if accept_cut:
        return step

    def finish(results: list[CallResult]) -> T:
        cut = [r for r in results if r.finished is not None and r.finished.truncated]
        if not cut:
            return step.finish(results)
        if step.isolated:
            return step.finish([
                CallResult(r.call, error=ReplyCut(f"The reply was cut at the output limit ({limit} tokens).",
                                                  partial=r.finished.text))
                if r in cut and r.finished is not None else r
                for r in results
            ])
        first = cut[0]
        assert first.finished is not None
        raise ReplyCut(
            f"The reply was cut at the output limit (max_output_tokens = {limit}); nothing was "
            "inserted or stored.",
            hint=f"Continue it with {say('continue')}, keep it as it is with {say('continue --as-is')}, "
            "or raise max_output_tokens.",
            partial=first.finished.text,
            kept=_kept(step, results),
            resume=Resume(step, first.call, first.finished),
        )

    return Step(step.calls, finish, step.isolated)


def keep_cut(error: ReplyCut) -> Any:
    """What accepting the cut reply gives; :class:`ReplyCut` again when even that failed."""
    if error.kept is None:
        raise ReplyCut("The cut reply cannot be used as it is (it does not parse).",
                       hint="Continue it instead, or ask again with a higher max_output_tokens.",
                       partial=error.partial)
    return error.kept


def continue_step(error: ReplyCut) -> Step[Any]:
    """A step asking the same model to go on after the cut text, finishing the original step
    with the joined reply. Run it guarded (:func:`guard_cut`): a continuation may be cut again."""
    resume = error.resume
    if not isinstance(resume, Resume):
        raise ReplyCut("There is nothing to continue here.", hint="Run the command again.")
    messages = [*resume.call.messages, {"role": "assistant", "content": resume.finished.text},
                {"role": "user", "content": CONTINUE_REQUEST}]
    call = LLMCall(resume.call.label, resume.call.endpoint, messages, resume.call.context_summary)

    def finish(results: list[CallResult]) -> Any:
        more = results[0].finished
        assert more is not None
        joined = Finished(text=resume.finished.text + more.text, finish_reason=more.finish_reason,
                          usage=resume.finished.usage + more.usage, truncated=more.truncated)
        return resume.step.finish([CallResult(resume.call, joined)])

    # cut again, the new error resumes from this call: its messages already hold the first part,
    # and this finish prepends it, so any number of continuations join up
    return Step([call], finish)


def _kept(step: Step[T], results: list[CallResult]) -> T | None:
    try:
        return step.finish(results)
    except LLMDevError:
        return None
