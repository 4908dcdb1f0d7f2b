"""nbdev-style cell directives: the ``#| name value`` lines at the top of a cell.

The grammar follows nbdev: a cell's *head* is its leading run of directive comment lines
(``#| export``, ``#|export``, ``# | export``, ``#| default_exp: core``), blank lines and cell
magic lines (``%%time``). Directive lines further down are ordinary comments. A value of
``true`` counts as no value (Quarto style), so ``#| export: true`` is ``#| export``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["EXPORT_KINDS", "CellDirectives", "parse_directive", "split_cell"]

#: directives that put a code cell into a module (nbdev's export family)
EXPORT_KINDS = ("export", "exporti", "exports", "exportd")

_DIRECTIVE_PREFIX = re.compile(r"\s*#\s*\|")
# one head line: a directive, a cell magic or a blank line (whitespace never crosses a newline)
_HEAD_LINE = re.compile(r"[^\S\n]*(?:#[^\S\n]*\||%%\w|\r?\n|$)")
# matched against a stripped line, so the value runs to the end: no lazy `(.*?)\s*$`, which
# is quadratic on a long run of inner spaces (a notebook is untrusted)
_NAME_VALUE = re.compile(r"([^\s:]+)\s*:?\s?(.*)", re.S)
_CELL_MAGIC = re.compile(r"\s*%%(\w+)")


@dataclass(frozen=True)
class CellDirectives:
    """A cell split into its head (directives, blanks, cell magics) and its body."""

    #: directive name -> value ('' for a bare directive); a repeated name keeps the last value
    directives: dict[str, str] = field(default_factory=dict)
    #: the head exactly as written (``head + body`` is the whole source)
    head: str = ""
    #: everything after the head
    body: str = ""
    #: names of the cell magics in the head (``%%time`` -> ``time``), in order
    cell_magics: tuple[str, ...] = ()

    def export_kind(self) -> str | None:
        """The export directive of the cell (``export``, ``exporti``, ...), if any."""
        for kind in EXPORT_KINDS:
            if kind in self.directives:
                return kind
        return None

    def export_target(self) -> str | None:
        """The module named by ``#| export other_module``, or ``None`` for the default module."""
        kind = self.export_kind()
        if kind is None:
            return None
        words = self.directives[kind].split()
        return words[0] if words else None


def parse_directive(line: str) -> tuple[str, str] | None:
    """``(name, value)`` of one directive line, or ``None`` when the line is not one."""
    prefix = _DIRECTIVE_PREFIX.match(line)
    if prefix is None:
        return None
    match = _NAME_VALUE.match(line[prefix.end() :].strip())
    if match is None:
        return None
    name, value = match.groups()
    return name, ("" if value == "true" else value)


def split_cell(source: str) -> CellDirectives:
    """Split a cell's source into directives, head and body (nbdev's leading-block rule)."""
    if not source or _HEAD_LINE.match(source) is None:
        # fast path: the first line is plain code, so the head is empty
        return CellDirectives(body=source)
    lines = source.splitlines(keepends=True)
    directives: dict[str, str] = {}
    magics: list[str] = []
    head_chars = 0
    for line in lines:
        if _HEAD_LINE.match(line) is None:
            break
        head_chars += len(line)
        parsed = parse_directive(line)
        if parsed is not None:
            directives[parsed[0]] = parsed[1]
            continue
        magic = _CELL_MAGIC.match(line)
        if magic is not None:
            magics.append(magic.group(1))
    return CellDirectives(
        directives=directives,
        head=source[:head_chars],
        body=source[head_chars:],
        cell_magics=tuple(magics),
    )
