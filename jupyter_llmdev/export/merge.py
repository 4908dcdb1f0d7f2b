"""Put a module section's code back into its notebook cell, keeping what export left out.

Export drops the cell's directives, its magics and shell lines and the blank lines at its
edges, and may make library imports relative. Going back, the cell keeps its head
(``#| export`` ...) verbatim, every dropped line stays where it was relative to the code
around it, unchanged lines keep their original text (absolute imports included), and new
or edited lines have their relative library imports made absolute again.
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
    import difflib

    parts = split_cell(source.replace("\r\n", "\n"))
    body = parts.body.split("\n")
    origin = cell.code.origin
    new_lines = _absolute_imports(list(edited), package_dir)
    out: list[str] = []
    consumed = -1
    matcher = difflib.SequenceMatcher(None, list(exported), list(edited), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
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


def _absolute_imports(lines: list[str], package_dir: str | None) -> list[str]:
    if not package_dir:
        return lines
    try:
        statements = ast.parse("\n".join(lines)).body
    except SyntaxError:
        return lines
    rewritten, _ = rewrite_imports(lines, statements, package_dir, to_relative=False)
    return rewritten
