"""Library imports made relative on export (nbdev's rule) and absolute again on sync.

In a project, ``from mylib.core import f`` in a cell exported to ``mylib/utils.py`` becomes
``from .core import f``, so the package works under any name. Only top-level
``from ... import`` statements are rewritten, like nbdev's ``update_import``; ``import x``
statements and imports inside functions stay as written.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections.abc import Sequence

__all__ = ["absolute_module", "relative_module", "rewrite_imports"]


def relative_module(name: str, package_dir: str) -> str:
    """``name`` as seen from the package directory ``package_dir`` (``"mylib/sub"``).

    Modules outside the library are returned unchanged.
    """
    target = name.replace(".", "/")
    if not posixpath.commonpath([target, package_dir]):
        return name
    relative = posixpath.relpath(target, package_dir)
    if relative == ".":
        return "."
    dotted = relative.replace("../", ".")
    if not all(char == "." for char in dotted):
        dotted = "." + dotted
    return dotted.replace("/", ".")


def absolute_module(level: int, name: str | None, package_dir: str) -> str | None:
    """The absolute name of ``from <level dots><name> import`` in ``package_dir``, if inside it."""
    parts = package_dir.split("/")
    if level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (level - 1)]
    return ".".join(base + (name.split(".") if name else []))


def rewrite_imports(
    lines: Sequence[str],
    statements: Sequence[ast.stmt],
    package_dir: str,
    *,
    to_relative: bool = True,
    only_lines: set[int] | None = None,
) -> tuple[list[str], set[int]]:
    """Rewrite the library imports among ``statements`` (parsed from ``lines``).

    ``to_relative`` makes absolute library imports relative (export); otherwise relative
    imports become absolute (sync). ``only_lines`` limits the rewrite to those 0-based lines.
    Returns the new lines and the indices of the lines that changed.
    """
    new_lines = list(lines)
    changed: set[int] = set()
    for statement in statements:
        if not isinstance(statement, ast.ImportFrom) or statement.module == "__future__":
            continue
        index = statement.lineno - 1
        if only_lines is not None and index not in only_lines:
            continue
        if to_relative:
            if statement.level or not statement.module:
                continue
            old = re.escape(statement.module)
            new = relative_module(statement.module, package_dir)
        else:
            if not statement.level:
                continue
            absolute = absolute_module(statement.level, statement.module, package_dir)
            if absolute is None:
                continue
            old = r"\." * statement.level + re.escape(statement.module or "")
            new = absolute
        if new == statement.module:
            continue
        line = new_lines[index]
        # ast columns count UTF-8 bytes
        column = len(line.encode()[: statement.col_offset].decode(errors="ignore"))
        pattern = rf"(from\s+){old}(?=[\s(]|import)"
        rewritten = re.sub(
            pattern, lambda match, new=new: match.group(1) + new, line[column:], count=1
        )
        if rewritten != line[column:]:
            new_lines[index] = line[:column] + rewritten
            changed.add(index)
    return new_lines, changed
