"""The text of one exported module: header, docstring, ``__all__`` and one section per cell.

Rendering is pure and deterministic: the same cells give the same bytes. The layout follows
nbdev's ``ModuleMaker.make`` (cells holding a ``from __future__`` import come before
``__all__``; ``__all__`` is wrapped at 120 columns) and its markers (``# %% <nb> #<id>``, which
``nbdev_update`` reads), with this project's header holding the cell checksums sync reads.

The only lines of a module that ``llmdev sync`` reads as markers are the ones written here:
cells holding a marker-shaped line, notebook paths or cell ids that would not read back, and
lone carriage returns (a line break to Python, not to the notebook) are refused.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExportError
from .checksums import checksum_lines
from .imports import rewrite_imports
from .markers import (
    AUTO_MARKER,
    code_hash,
    format_header,
    format_marker,
    marker_error,
    marker_lines,
)
from .names import has_future_import, public_names
from ..safety.terminal import one_line
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
    """Parse a cell's exported code and make its library imports relative.

    Code that Python would read differently from its ``\\n``-split lines (a lone carriage
    return is a line break to Python), or cannot encode as UTF-8, is refused: every line
    number, import rewrite and marker check below relies on the two agreeing.
    """
    text = cell.code.text
    _refuse_unwritable(cell, text)
    try:
        statements = tuple(ast.parse(text).body)
    except SyntaxError as error:
        index = min(max((error.lineno or 1) - 1, 0), max(len(cell.code.origin) - 1, 0))
        raise ExportError(
            f"{_where(cell, index)}: {error.msg}; the module would not import.",
            hint="Fix the cell, or remove its export directive, and export again.",
        ) from None
    except (ValueError, RecursionError, MemoryError):
        raise ExportError(
            f"{_where(cell, 0)}: the code is nested too deeply for Python to parse.",
            hint="Fix the cell, or remove its export directive, and export again.",
        ) from None
    lines = list(cell.code.lines)
    if package_dir:
        lines, _ = rewrite_imports(lines, statements, package_dir)
    return CellCode(tuple(lines), statements)


def render_module(spec: ModuleSpec) -> str:
    """The full text of the module.

    Raises ExportError when a cell would put a line into the module that ``llmdev sync``
    reads as a marker (see :func:`_refuse_marker_lines`), or a notebook path or cell id
    would not read back from its marker.
    """
    folder = spec.path.parent
    codes = [cell_code(cell, spec.package_dir) for cell in spec.cells]
    pairs = [
        (cell, code) for cell, code in zip(spec.cells, codes, strict=True) if code.text.strip()
    ]
    references = {
        notebook: notebook_reference(notebook, folder)
        for notebook in {cell.notebook for cell in spec.cells}
    }
    for cell, code in zip(spec.cells, codes, strict=True):
        _refuse_marker_lines(cell, code)
        _refuse_bad_marker(cell, references[cell.notebook])
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
    checksums = [(cell.cell_id, code_hash(code.text)) for cell, code in pairs if cell.cell_id]
    parts = [format_header(notebooks), *(line + "\n" for line in checksum_lines(checksums))]
    if spec.docstring:
        parts.append(_docstring_literal(spec.docstring) + "\n")
    for block in blocks:
        parts.append("\n" + block)
    text = "".join(parts)
    _check_markers(spec, text, len(pairs) + 1)
    return text


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
    return f"{format_marker(reference, cell.cell_id)}\n{code.text}\n"


def _where(cell: ExportedCell, index: int) -> str:
    """``nb.ipynb cell ID, line N``: line N of the cell's source for exported line ``index``."""
    origin = cell.code.origin
    line = cell.head_lines + (origin[index] if index < len(origin) else 0) + 1
    label = f"cell {one_line(cell.cell_id)}" if cell.cell_id else f"cell #{cell.index + 1}"
    return f"{one_line(cell.notebook.name)} {label}, line {line}"


def _refuse_unwritable(cell: ExportedCell, text: str) -> None:
    if "\r" in text:
        index = next(k for k, line in enumerate(cell.code.lines) if "\r" in line)
        raise ExportError(
            f"{_where(cell, index)} holds a carriage return (\\r) not followed by a newline; Python "
            "reads it as a line break, the notebook does not.",
            hint="Replace it with a newline (or write \\r inside strings), then export again.",
        )
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        index = text.count("\n", 0, error.start)
        raise ExportError(
            f"{_where(cell, index)} holds a character that cannot be written as UTF-8 (a lone "
            "surrogate).",
            hint="Remove it, then export again.",
        ) from None


def _refuse_marker_lines(cell: ExportedCell, code: CellCode) -> None:
    """Refuse a cell line that ``llmdev sync`` would read as a marker.

    Such a line (``# %% ../nbs/other.ipynb cell=o1``, easily produced by a model reply) would
    make sync hand the code below it to another cell, possibly of another notebook. It is
    refused rather than escaped: an escape changes the code (inside a string literal it
    changes what the program does), nbdev would copy the escaped text back into the notebook,
    and the module would no longer be the cell's code. Lines that merely start with ``# %%``
    and name no notebook stay allowed.
    """
    for index, line in enumerate(code.lines):
        if marker_lines(line):
            shown = one_line(line, 60)
            raise ExportError(
                f"{_where(cell, index)} reads as a module marker (`{shown}`), so `llmdev sync` "
                "would give the code below it to that cell.",
                hint="Change the line (e.g. `#%%` or `# %%:`), or move it out of the exported cell; "
                "then export again.",
            )


def _refuse_bad_marker(cell: ExportedCell, reference: str) -> None:
    if not reference.isprintable() or marker_error(reference, "c") is not None:
        raise ExportError(
            f"The notebook path {one_line(reference)!r} cannot be written in a module marker "
            "(control characters, a line break, a run of spaces, or a shape that would read back as "
            "another path).",
            hint="Rename the notebook (letters, digits, `_`, `-`, `.`), then export again.",
        )
    problem = marker_error(reference, cell.cell_id)
    if problem is not None:
        raise ExportError(
            f"{one_line(cell.notebook.name)}: cell id {one_line(str(cell.cell_id))!r} cannot be "
            "written in a module marker (ids are letters, digits, `_` and `-`).",
            hint="Open and save the notebook in JupyterLab (it repairs cell ids), then export again.",
        )


def _check_markers(spec: ModuleSpec, text: str, written: int) -> None:
    """The last line of defence: the reader finds exactly the markers the renderer wrote."""
    if len(marker_lines(text)) != written:
        raise ExportError(
            f"Module {spec.name} would hold a line that `llmdev sync` reads as a marker, in its "
            "docstring or header. Nothing was written.",
            hint="Rename the notebook or change its summary, then export again.",
        )


def _format_all(names: list[str]) -> str:
    text = str(names)
    if len(text) <= 120:
        return text
    import textwrap

    wrapper = textwrap.TextWrapper(width=120, subsequent_indent=" " * 11, break_long_words=False)
    return "\n".join(wrapper.wrap(text))


def _docstring_literal(text: str) -> str:
    """nbdev's triple-quoted form where it is valid Python and reads back safely, else ``repr``.

    The docstring comes from notebook markdown, which may hold a line shaped like a marker or
    characters Python reads as line breaks (``\\r``); ``repr`` keeps the same value on one
    line, so sync never sees a marker in it.
    """
    lines = text.split("\n")
    plain = all(line.replace("\t", " ").isprintable() for line in lines)
    if (
        not plain
        or '"""' in text
        or text.endswith(('"', "\\"))
        or any(line.startswith("# %% ") for line in lines)
    ):
        return repr(text)
    prefix = "r" if "\\" in text else ""
    return f'{prefix}"""{text}"""'
