"""Untrusted names (notebook paths, cell ids, marker text) quoted on one line in messages.

Every user-facing message is 1-3 lines without raw control characters, but a notebook's file
name, a cell id or a module line may hold anything: line breaks (including the Unicode ones
``str.splitlines`` honours), escape sequences, or a megabyte of text.
"""

from __future__ import annotations

from ..safety.terminal import printable

__all__ = ["one_line"]

_UNICODE_BREAKS = {0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: object, limit: int = 200) -> str:
    """``text`` with control characters and line breaks escaped, cut to ``limit`` characters."""
    shown = printable(str(text), keep_newlines=False).translate(_UNICODE_BREAKS)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
