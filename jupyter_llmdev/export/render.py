"""The text of one exported module: header, docstring, ``__all__`` and one section per cell.

Rendering is pure and deterministic: the same cells give the same bytes. The layout follows
nbdev's ``ModuleMaker.make`` (cells holding a ``from __future__`` import come before
``__all__``; ``__all__`` is wrapped at 120 columns), with this project's header and markers.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExportError
from .imports import rewrite_imports
from .markers import AUTO_MARKER, code_hash, format_header, format_marker
from .names import has_future_import, public_names
from .selection import ExportedCell

__all__ = [
    "CellCode",
    "ModuleSpec",
    "cell_code",
    "module_docstring",
    "notebook_reference",
    "render_module",
]


@dataclass(frozen=True)
class ModuleSpec:
    """Everything one module is made of."""

    name: str
    path: Path
    #: the cells in module order
    cells: tuple[ExportedCell, ...]
    #: the docstring text (without quotes), '' for none
    docstring: str = ""
    #: the module's package folder relative to the library's parent (``"mylib/sub"``), which
    #: turns on nbdev's relative imports; ``None`` for a module outside a package
    package_dir: str | None = None


@dataclass(frozen=True)
class CellCode:
    """A cell's code as it appears in its module."""

    lines: tuple[str, ...]
    statements: tuple[ast.stmt, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def cell_code(cell: ExportedCell, package_dir: str | None) -> CellCode:
    """Parse a cell's exported code and make its library imports relative."""
    text = cell.code.text
    try:
        statements = tuple(ast.parse(text).body)
    except SyntaxError as error:
        index = min(max((error.lineno or 1) - 1, 0), max(len(cell.code.origin) - 1, 0))
        line = cell.head_lines + (cell.code.origin[index] if cell.code.origin else 0) + 1
        where = f"cell {cell.cell_id}" if cell.cell_id else f"cell #{cell.index + 1}"
        raise ExportError(
            f"{cell.notebook.name} {where}, line {line}: {error.msg}; the module would not import.",
            hint="Fix the cell, or remove its export directive, and export again.",
        ) from None
    lines = list(cell.code.lines)
    if package_dir:
        lines, _ = rewrite_imports(lines, statements, package_dir)
    return CellCode(tuple(lines), statements)


def render_module(spec: ModuleSpec) -> str:
    """The full text of the module."""
    folder = spec.path.parent
    codes = [cell_code(cell, spec.package_dir) for cell in spec.cells]
    pairs = [
        (cell, code) for cell, code in zip(spec.cells, codes, strict=True) if code.text.strip()
    ]
    references = {
        notebook: notebook_reference(notebook, folder)
        for notebook in {cell.notebook for cell in spec.cells}
    }
    notebooks = list(dict.fromkeys(references[cell.notebook] for cell in spec.cells))
    # like nbdev, which appends the names of each further notebook to the module's __all__
    names: list[str] = []
    by_notebook: dict[Path, list[CellCode]] = {}
    for cell, code in pairs:
        if cell.in_all:
            by_notebook.setdefault(cell.notebook, []).append(code)
    for codes_of_notebook in by_notebook.values():
        known = set(names)
        names.extend(
            name
            for name in public_names(c.statements for c in codes_of_notebook)
            if name not in known
        )
    last_future = max(
        (
            position + 1
            for position, (_, code) in enumerate(pairs)
            if has_future_import(code.statements)
        ),
        default=0,
    )
    blocks = [_cell_block(cell, code, references[cell.notebook]) for cell, code in pairs]
    blocks.insert(last_future, f"{AUTO_MARKER}\n__all__ = {_format_all(names)}\n")
    parts = [format_header(notebooks)]
    if spec.docstring:
        parts.append(_docstring_literal(spec.docstring) + "\n")
    for block in blocks:
        parts.append("\n" + block)
    return "".join(parts)


def module_docstring(summary: str, parts: Sequence[str], doc_url: str = "") -> str:
    """nbdev's module docstring: the notebook summary, exported markdown, the docs link."""
    text = "\n\n".join([summary, *parts]).strip()
    if doc_url:
        text = f"{text}\n\nDocs: {doc_url}".strip()
    return text


def notebook_reference(notebook: Path, folder: Path) -> str:
    """The notebook's path as written in the module: relative to the module's folder, POSIX."""
    try:
        return Path(os.path.relpath(notebook, folder)).as_posix()
    except ValueError:  # another drive on Windows
        return notebook.as_posix()


def _cell_block(cell: ExportedCell, code: CellCode, reference: str) -> str:
    marker = format_marker(reference, cell.cell_id, code_hash(code.text))
    return f"{marker}\n{code.text}\n"


def _format_all(names: list[str]) -> str:
    text = str(names)
    if len(text) <= 120:
        return text
    import textwrap

    wrapper = textwrap.TextWrapper(width=120, subsequent_indent=" " * 11, break_long_words=False)
    return "\n".join(wrapper.wrap(text))


def _docstring_literal(text: str) -> str:
    """nbdev's triple-quoted form where it is valid Python, else a plain escaped literal."""
    if '"""' in text or text.endswith(('"', "\\")):
        return repr(text)
    prefix = "r" if "\\" in text else ""
    return f'{prefix}"""{text}"""'
