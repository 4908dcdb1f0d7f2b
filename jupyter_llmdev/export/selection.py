"""Which cells of a notebook are exported, to which module, with what code.

A code cell is exported when its head has ``#| export`` / ``#| exporti`` / ``#| exports`` /
``#| exportd`` (optionally naming another module), when nbdev's cell metadata
(``metadata.nbdev``) says so, or when it carries the tag ``export`` (``exporti``, ``exports``).
``#| default_exp name`` names the notebook's module. ``%llm`` / ``%%llm`` prompt cells and
cells of non-Python cell magics (``%%bash``...) are never exported; their code is not Python.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import NotebookReadError
from .directives import EXPORT_KINDS, CellDirectives, split_cell
from .scrub import PYTHON_BODY_CELL_MAGICS, ScrubbedCode, scrub_code

__all__ = ["ExportedCell", "NotebookExports", "load_notebook_json", "select_exports"]

_LLM_PROMPT = re.compile(r"\s*%%?llm(?:\s|$)")


@dataclass(frozen=True)
class ExportedCell:
    """One exported code cell."""

    notebook: Path
    cell_id: str | None
    #: position of the cell in the notebook
    index: int
    #: ``export``, ``exporti``, ``exports`` or ``exportd``
    kind: str
    #: the module named in the directive (``#| export other``), ``None`` for the default one
    target: str | None
    #: the code as exported: directives, magics and blank edges removed
    code: ScrubbedCode
    #: lines in the cell's source before ``code``'s line 0 of the body (the head)
    head_lines: int

    @property
    def in_all(self) -> bool:
        """Whether the cell's public names go into ``__all__``."""
        return self.kind in ("export", "exports")


@dataclass(frozen=True)
class NotebookExports:
    """What one notebook contributes to modules."""

    path: Path
    #: the ``#| default_exp`` value, if any
    default_exp: str | None
    cells: tuple[ExportedCell, ...]
    #: the ``> summary`` lines of the first ``# Title`` markdown cell; ``None`` without such a
    #: cell, and then the module has no docstring at all (nbdev's rule)
    summary: str | None
    #: other docstring parts: markdown cells with an export directive, ``exportd`` code fenced
    doc_parts: tuple[str, ...]
    warnings: tuple[str, ...]


def load_notebook_json(path: Path) -> dict[str, Any]:
    """The notebook at ``path`` as plain JSON data; raises NotebookReadError when it is not one."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotebookReadError(
            f"{path}: no such notebook.", hint="Check the path and run again."
        ) from None
    except OSError as error:
        raise NotebookReadError(f"Cannot read {path}: {error.strerror}.") from None
    try:
        data = json.loads(raw)
    except ValueError as error:
        where = f" (line {error.lineno})" if isinstance(error, json.JSONDecodeError) else ""
        raise NotebookReadError(
            f"{path} is not valid JSON{where}; the file is damaged.",
            hint="Restore it from version control, or re-save it from Jupyter.",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise NotebookReadError(f"{path} is not a Jupyter notebook (it has no list of cells).")
    if data.get("nbformat") != 4:
        raise NotebookReadError(
            f"{path} is an nbformat {data.get('nbformat')} notebook; only nbformat 4 is supported.",
            hint="Open and save it in JupyterLab to upgrade it.",
        )
    return data


def select_exports(data: dict[str, Any], path: Path) -> NotebookExports:
    """The exported cells, default module and docstring parts of one notebook."""
    default_exp: str | None = None
    cells: list[ExportedCell] = []
    doc_parts: list[str] = []
    warnings: list[str] = []
    summary: str | None = None
    notebook_directives = _metadata_directives(data.get("metadata"))
    first_code = True
    for index, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict):
            continue
        cell_type = cell.get("cell_type")
        source = _joined(cell.get("source", "")).replace("\r\n", "\n")
        parts = split_cell(source)
        directives = dict(_metadata_directives(cell.get("metadata")))
        if cell_type == "code" and first_code:
            first_code = False
            directives = {**notebook_directives, **directives}
        directives.update(parts.directives)
        if cell_type == "markdown":
            text = parts.body
            if summary is None and text.startswith("# "):
                summary = _summary(text)
            if {"export", "exportd"} & directives.keys() and text.strip():
                doc_parts.append(text.rstrip())
            continue
        if cell_type != "code":
            continue
        if "default_exp" in directives:
            words = directives["default_exp"].split()
            default_exp = words[0] if words else default_exp
        kind = _export_kind(directives, cell)
        if kind is None:
            continue
        label = _cell_label(path, cell, index)
        if _LLM_PROMPT.match(parts.body) or "llm" in parts.cell_magics:
            warnings.append(f"{label} is an %llm prompt cell; it is not exported.")
            continue
        foreign = [name for name in parts.cell_magics if name not in PYTHON_BODY_CELL_MAGICS]
        if foreign:
            warnings.append(
                f"{label} runs %%{foreign[0]}, which is not Python; it is not exported."
            )
            continue
        words = directives[kind].split()
        if kind == "exportd":
            if not words:  # like nbdev, where `#| exportd other` ends up in no docstring
                doc_parts.append(_fenced(_without_directives(parts).rstrip()))
            continue
        cells.append(
            ExportedCell(
                notebook=path,
                cell_id=cell.get("id") if isinstance(cell.get("id"), str) else None,
                index=index,
                kind=kind,
                target=words[0] if words else None,
                code=scrub_code(parts.body),
                head_lines=parts.head.count("\n"),
            )
        )
    ids = [cell.cell_id for cell in cells if cell.cell_id]
    if len(set(ids)) != len(ids):
        duplicate = next(cell_id for cell_id in ids if ids.count(cell_id) > 1)
        warnings.append(
            f"{path.name} has several cells with id {duplicate}, so `llmdev sync` cannot tell them apart; "
            "save the notebook in JupyterLab to repair the ids, then export again."
        )
    return NotebookExports(
        path, default_exp, tuple(cells), summary, tuple(doc_parts), tuple(warnings)
    )


def _export_kind(directives: dict[str, str], cell: dict[str, Any]) -> str | None:
    for kind in EXPORT_KINDS:
        if kind in directives:
            return kind
    tags = (cell.get("metadata") or {}).get("tags") or ()
    for kind in ("export", "exporti", "exports"):
        if kind in tags:
            directives[kind] = ""
            return kind
    return None


def _metadata_directives(metadata: Any) -> dict[str, str]:
    """nbdev 3 directives stored in ``metadata.nbdev`` (string values; ``'true'`` is bare)."""
    table = (metadata or {}).get("nbdev") if isinstance(metadata, dict) else None
    if not isinstance(table, dict):
        return {}
    return {
        key: ("" if value == "true" else value)
        for key, value in table.items()
        if isinstance(value, str)
    }


def _summary(markdown: str) -> str:
    """nbdev's module summary: the first run of ``> `` lines of the title cell."""
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("> ")), len(lines))
    taken = []
    for line in lines[start:]:
        if not line.startswith("> "):
            break
        taken.append(line.lstrip("> ").strip())
    return "\n".join(taken)


def _without_directives(parts: CellDirectives) -> str:
    magics = [
        line for line in parts.head.splitlines(keepends=True) if line.lstrip().startswith("%%")
    ]
    return "".join(magics) + parts.body


def _fenced(text: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}python\n{text.rstrip(chr(10))}\n{fence}"


def _cell_label(path: Path, cell: dict[str, Any], index: int) -> str:
    cell_id = cell.get("id")
    return (
        f"{path.name} cell {cell_id}"
        if isinstance(cell_id, str)
        else f"{path.name} cell #{index + 1}"
    )


def _joined(source: Any) -> str:
    return "".join(source) if isinstance(source, list) else str(source or "")
