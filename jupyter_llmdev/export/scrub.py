"""Remove IPython-only lines (magics, shell escapes, help) from the code of an exported cell.

A line is IPython syntax when it *starts a logical line* and begins with ``%``, ``!`` or ``?``,
is ``name?``, or assigns one (``files = !ls``, ``t = %timeit -o f()``). None of these is valid
Python there, so removing them never changes what a valid module means. Lines inside
brackets, strings or after a backslash continuation are never touched, so a ``%`` that
continues an expression (``(a\\n % b)``) stays. Backslash-continued magics go whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["PYTHON_BODY_CELL_MAGICS", "ScrubbedCode", "scrub_code"]

#: cell magics whose body is plain Python: the ``%%`` line goes, the body is exported
PYTHON_BODY_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun"})

_IPYTHON_LINE = re.compile(
    r"^[ \t]*(?:[%!?]|[\w.]+\?{1,2}[ \t]*\r?$|[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*[ \t]*=[ \t]*[%!])",
    re.M,
)
_TOKEN = re.compile(r"'''|\"\"\"|'|\"|#|[(\[{]|[)\]}]")
_SINGLE_END = {"'": re.compile(r"(?:[^'\\\n]|\\.)*'"), '"': re.compile(r'(?:[^"\\\n]|\\.)*"')}
_TRIPLE_END = {
    "'''": re.compile(r"(?:[^\\]|\\.)*?'''", re.S),
    '"""': re.compile(r'(?:[^\\]|\\.)*?"""', re.S),
}


@dataclass(frozen=True)
class ScrubbedCode:
    """The kept lines of a cell body and where each came from."""

    #: kept lines without line ends; no leading or trailing blank lines
    lines: tuple[str, ...]
    #: for each kept line, its index in ``body.split("\\n")``
    origin: tuple[int, ...]

    @property
    def text(self) -> str:
        """The kept lines joined with ``\\n`` (no trailing newline)."""
        return "\n".join(self.lines)


def scrub_code(body: str) -> ScrubbedCode:
    """Drop IPython-only lines from ``body`` and trim blank lines at both ends."""
    lines = body.split("\n")
    if ("%" not in body and "!" not in body and "?" not in body) or _IPYTHON_LINE.search(
        body
    ) is None:
        return _trimmed(lines, list(range(len(lines))))
    kept: list[str] = []
    origin: list[int] = []
    lexer = _Lexer()
    dropping_continuation = False
    for index, line in enumerate(lines):
        if dropping_continuation or (lexer.at_statement_start() and _IPYTHON_LINE.match(line)):
            dropping_continuation = line.rstrip().endswith("\\")
            continue
        kept.append(line)
        origin.append(index)
        lexer.feed(line)
    return _trimmed(kept, origin)


def _trimmed(lines: list[str], origin: list[int]) -> ScrubbedCode:
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return ScrubbedCode(tuple(lines[start:end]), tuple(origin[start:end]))


class _Lexer:
    """Just enough of Python's tokenizer to know whether a line starts a new statement."""

    def __init__(self) -> None:
        self.depth = 0
        self.triple: str | None = None
        self.continued = False

    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.triple is None and not self.continued

    def feed(self, line: str) -> None:
        position = 0
        if self.triple is not None:
            end = _TRIPLE_END[self.triple].match(line)
            if end is None:
                return
            self.triple = None
            position = end.end()
        self.continued = False
        while True:
            token = _TOKEN.search(line, position)
            if token is None:
                self.continued = line.rstrip("\r").endswith("\\")
                return
            text = token.group()
            position = token.end()
            if text == "#":
                return
            if text in _TRIPLE_END:
                end = _TRIPLE_END[text].match(line, position)
                if end is None:
                    self.triple = text
                    return
                position = end.end()
            elif text in _SINGLE_END:
                end = _SINGLE_END[text].match(line, position)
                if end is None:
                    # a string continued with a backslash, or broken code: stop here
                    self.continued = line.rstrip("\r").endswith("\\")
                    return
                position = end.end()
            elif text in "([{":
                self.depth += 1
            else:
                self.depth = max(0, self.depth - 1)
