"""``modularize``: an architect plan for turning a notebook into modules (then approve, build).

It is the ``plan`` command with a fixed request (``prompts/modularize.txt``) plus the user's
own focus, always starting a new plan; ``approve`` and ``build`` then work on it as on any plan.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

__all__ = ["modularize_request"]


@lru_cache(maxsize=1)
def _template() -> str:
    return resources.files("jupyter_llmdev.prompts").joinpath("modularize.txt").read_text(encoding="utf-8")


def modularize_request(focus: str = "") -> str:
    """The plan request for ``modularize``, with the user's ``focus`` (may be empty) appended."""
    text = _template().strip()
    return f"{text}\n\nThe user adds: {focus.strip()}" if focus.strip() else text
