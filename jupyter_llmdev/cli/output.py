"""How the CLI writes to the terminal: colour only on one, untrusted text escaped, questions asked.

Model replies and notebook metadata are untrusted: :func:`show` escapes their control characters
(:func:`~jupyter_llmdev.safety.terminal.printable`) so an escape sequence cannot retitle the
terminal or fake a status line. :func:`confirm` asks only a human at a terminal.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from ..safety.terminal import printable

__all__ = ["confirm", "show", "use_color"]


def use_color() -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def show(text: str, *, file: TextIO | None = None, end: str = "\n") -> None:
    """Print text that holds model output or notebook content, control characters escaped."""
    print(printable(text), file=file if file is not None else sys.stdout, end=end)


def confirm(question: str) -> bool | None:
    """Ask ``question`` (on stderr) and read y/N from the terminal; ``None`` when stdin is not one.

    Only "y" or "yes" is a yes; anything else, an empty line and end of input are no.
    """
    if not sys.stdin.isatty():
        return None
    print(printable(question), end=" ", file=sys.stderr, flush=True)
    answer = sys.stdin.readline()
    if not answer.endswith("\n"):
        print(file=sys.stderr)
    return answer.strip().lower() in ("y", "yes")
