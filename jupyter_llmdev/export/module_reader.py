"""Reading an exported module back for sync: its lines and cell sections, checked.

A module file is untrusted (a downloaded project, a model's edit, a hand edit), so reading it
either gives sections sync can map to cells or raises ExportError, never another exception,
and takes time linear in the module's length (markers: :mod:`.markers`; the check that no code
sits outside a cell walks statements and markers side by side once).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from ..errors import CommandError, ExportError
from .checksums import Checksums, apply_checksums, read_checksums
from .markers import Section, split_sections
from ..safety.terminal import one_line

__all__ = ["ModuleText", "read_module", "read_module_text", "refuse_not_a_module"]


@dataclass(frozen=True)
class ModuleText:
    """A module as sync sees it."""

    #: the module's lines (split like Python does: ``\r\n``, ``\r``, ``\n``)
    lines: list[str]
    #: its cell sections, in order (the ``# %% auto`` section is left out), with their checksums
    cells: list[Section]
    #: the header's checksum lines (none in modules written before them, or by nbdev)
    checksums: Checksums = Checksums()


def read_module(module: Path) -> ModuleText:
    """Read and check the module file at ``module`` (see also :func:`refuse_not_a_module`)."""
    try:
        text = module.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExportError(
            f"{one_line(str(module))}: no such module.", hint="Give the path of an exported .py file."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error.__class__.__name__
        raise ExportError(f"Cannot read {one_line(str(module))}: {reason}.") from None
    return read_module_text(text, module.name)


def read_module_text(text: str, name: str) -> ModuleText:
    """The lines and cell sections of the module ``text`` (``name`` is used in messages)."""
    shown = one_line(name)
    tree = _parse(text, shown)
    lines, sections = split_sections(text)
    cells, checksums = apply_checksums(
        [section for section in sections if section.kind != "auto"], read_checksums(lines, name)
    )
    if not cells:
        raise ExportError(
            f"{shown} has no cell markers (`# %% <notebook> #<cell id>`), so its code cannot be "
            "mapped to notebook cells.",
            hint="Sync only modules written by `llmdev export`, with their marker lines intact.",
        )
    for section in cells:
        if section.kind == "no-id":
            raise ExportError(
                f"{shown}, line {section.line + 1}: the marker names no cell id. Nothing was synced.",
                hint="Save the notebook with JupyterLab 3+ (nbformat 4.5 cell ids), export again, then edit.",
            )
    _refuse_code_outside_cells(shown, tree, sections)
    return ModuleText(lines, cells, checksums)


def refuse_not_a_module(module: Path, given: str) -> None:
    """Sync reads ``.py`` files export wrote: say so of a notebook, a folder or a data file
    (``given``: the path as the user gave it), rather than report it as a broken module."""
    shown = one_line(given)
    if module.is_dir():
        raise CommandError(
            f"{shown} is a folder; sync takes the module files (.py) that `llmdev export` wrote.",
            hint=f"Give the module files in it, e.g. `llmdev sync {shown}/*.py`.",
        )
    if module.suffix == ".ipynb":
        raise CommandError(
            f"{shown} is a notebook; sync takes the modules (.py) that `llmdev export` writes from it "
            "and brings their edits back into it.",
            hint=f"Run `llmdev export {shown}` to write its modules, edit them, then sync them.",
        )
    if module.suffix != ".py" and module.exists():
        raise CommandError(
            f"{shown} is not a Python module (.py); sync takes the modules that `llmdev export` wrote.",
            hint="Give the .py files that `llmdev export` listed as `wrote ...`.",
        )


def _parse(text: str, shown: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as error:
        raise ExportError(
            f"{shown}, line {error.lineno}: {one_line(str(error.msg))}. Nothing was synced.",
            hint="Fix the module so that it parses, then sync again.",
        ) from None
    except (ValueError, UnicodeError, RecursionError, MemoryError):
        raise ExportError(
            f"{shown} cannot be parsed (nested too deeply, or characters Python refuses). "
            "Nothing was synced.",
            hint="Fix the module so that it parses, then sync again.",
        ) from None


def _refuse_code_outside_cells(shown: str, tree: ast.Module, sections: list[Section]) -> None:
    """Code above the first marker or in the ``__all__`` section belongs to no cell: refuse it.

    Statements and sections are both in line order, so one pointer into the sections follows
    the statements (the section owning a statement is the last one starting above it).
    """
    owner: Section | None = None
    following = 0
    for number, statement in enumerate(tree.body):
        line = statement.lineno - 1
        while following < len(sections) and sections[following].line < line:
            owner = sections[following]
            following += 1
        if owner is None:
            value = getattr(statement, "value", None)
            allowed = number == 0 and isinstance(getattr(value, "value", None), str)
            place = "above the first cell marker"
        elif owner.kind == "auto":
            target = getattr(statement, "targets", [None])[0]
            allowed = isinstance(statement, ast.Assign) and getattr(target, "id", "") == "__all__"
            place = "in the generated `__all__` section"
        else:
            continue
        if not allowed:
            raise ExportError(
                f"{shown}, line {line + 1}: this code is {place}, so it belongs to no cell. "
                "Nothing was synced.",
                hint="Move it under a `# %% <notebook> #<cell id>` marker, or into the notebook.",
            )
