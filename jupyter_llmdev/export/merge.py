"""Put a module section's code back into its notebook cell, keeping what export left out.

Export drops the cell's directives, its magics and shell lines and the blank lines at its
edges, and may make library imports relative. Going back, the cell keeps its head
(``#| export`` ...) verbatim, every dropped line stays where it was relative to the code
around it, unchanged lines keep their original text (absolute imports included), and new
or edited lines have their relative library imports made absolute again.

The module is untrusted and ``difflib`` is super-linear on repetitive lines, so the diff only
runs on what lies between the common first and last lines, and only up to
``_DIFF_LIMIT`` line pairs; a larger changed middle is taken as one replaced block (its
dropped lines stay in front of it).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from .directives import split_cell
from .imports import rewrite_imports
from .selection import ExportedCell

__all__ = ["merge_cell_source"]


def merge_cell_source(
    source: str,
    cell: ExportedCell,
    exported: Sequence[str],
    edited: Sequence[str],
    package_dir: str | None,
) -> str:
    """The new source of ``cell`` (now ``source``) once its exported lines became ``edited``."""
    parts = split_cell(source.replace("\r\n", "\n"))
    body = parts.body.split("\n")
    origin = cell.code.origin
    new_lines = _absolute_imports(list(edited), package_dir)
    out: list[str] = []
    consumed = -1
    for tag, i1, i2, j1, j2 in _opcodes(list(exported), list(edited)):
        for k in range(i1, i2):
            # the lines export dropped before exported line k stay in front of it
            out.extend(body[consumed + 1 : origin[k]])
            consumed = origin[k]
            if tag == "equal":
                out.append(body[origin[k]])
        if tag != "equal":
            out.extend(new_lines[j1:j2])
    out.extend(body[consumed + 1 :])
    return parts.head + "\n".join(out)


#: the largest changed middle (exported lines x edited lines) given to difflib
_DIFF_LIMIT = 250_000

Opcode = tuple[str, int, int, int, int]


def _opcodes(old: list[str], new: list[str]) -> list[Opcode]:
    """``difflib`` opcodes turning ``old`` into ``new``, in bounded time (see the module doc)."""
    import difflib

    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    old_end, new_end = len(old) - end, len(new) - end
    ops: list[Opcode] = [("equal", 0, start, 0, start)] if start else []
    if old_end > start or new_end > start:
        middle_old, middle_new = old[start:old_end], new[start:new_end]
        if len(middle_old) * len(middle_new) <= _DIFF_LIMIT:
            matcher = difflib.SequenceMatcher(None, middle_old, middle_new, autojunk=False)
            ops.extend(
                (tag, i1 + start, i2 + start, j1 + start, j2 + start)
                for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            )
        else:
            ops.append(("replace", start, old_end, start, new_end))
    if end:
        ops.append(("equal", old_end, len(old), new_end, len(new)))
    return ops


def _absolute_imports(lines: list[str], package_dir: str | None) -> list[str]:
    if not package_dir:
        return lines
    try:
        statements = ast.parse("\n".join(lines)).body
    except SyntaxError:
        return lines
    rewritten, _ = rewrite_imports(lines, statements, package_dir, to_relative=False)
    return rewritten
