"""Control characters never reach a terminal raw: model text and metadata are made printable.

Escape sequences in a model reply or a notebook's metadata could retitle the terminal, move the
cursor, erase or fake lines. :func:`printable` keeps newlines and tabs and writes every other
C0/C1 control character (ESC, BEL, CR, DEL, U+0080..U+009F), the Unicode line and paragraph
separators and the bidi overrides as
visible ``\\xNN`` / ``\\uNNNN`` escapes. Linear time: one pass of one precompiled class.
"""

from __future__ import annotations

import re

__all__ = ["one_line", "printable"]

_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with control characters escaped; newlines (and tabs) kept unless told otherwise."""
    escaped = _UNSAFE.sub(_escape, text)
    if not keep_newlines:
        escaped = escaped.replace("\n", "\\n").replace("\t", "\\t")
    return escaped


def one_line(text: object, limit: int = 200) -> str:
    """``text`` (a path, a cell id, a module line: anything untrusted quoted in a message) with
    control characters and every line break escaped, cut to ``limit`` characters."""
    shown = printable(str(text), keep_newlines=False)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."
