"""``sync_modules``: edits made in exported modules go back into their notebook cells.

Each ``# %% <notebook> cell=<id> hash=<crc>`` section is matched to its cell by id. The hash
is the one the section's code had when it was exported, so sync knows which side changed:

* only the module changed: the cell gets the new code (directives and magics kept);
* only the notebook changed: nothing to sync, the module is stale (run export);
* both changed: a conflict; nothing is written.

All edits to one notebook form one ChangeSet (role ``human``, command ``sync``), recorded in
the notebook so ``log`` shows it and ``revert`` undoes it. Missing, duplicated or ambiguous
markers, or code that does not parse, are refused before anything is written.
"""

from __future__ import annotations

import ast
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from ..errors import ExportError, LLMDevError
from ..notebook.apply import apply_changeset
from ..notebook.changeset import CellState, ChangeSet, Edit
from ..notebook.io import read_notebook, write_notebook
from .markers import Section, code_hash, split_sections
from .merge import merge_cell_source
from .project import find_project
from .render import cell_code
from .selection import ExportedCell, select_exports
from .writer import FileWrite, write_files

__all__ = ["SyncResult", "SyncedNotebook", "sync_modules"]

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class SyncedNotebook:
    """One notebook that received module edits."""

    notebook: Path
    change_id: str
    cell_ids: tuple[str, ...]
    modules: tuple[Path, ...]


@dataclass
class SyncResult:
    """What ``sync_modules`` changed, and what it left alone."""

    notebooks: list[SyncedNotebook] = field(default_factory=list)
    #: modules whose cells all match their notebooks
    unchanged: list[Path] = field(default_factory=list)
    #: cells where the notebook is newer than the module (export to refresh the module)
    stale: list[str] = field(default_factory=list)


@dataclass
class _Pending:
    module: Path
    section: Section
    cell: ExportedCell
    source: str
    new_source: str


def sync_modules(paths: Sequence[PathLike], *, cwd: PathLike | None = None) -> SyncResult:
    """Sync the edits in the given module files back into their notebooks."""
    base = Path(cwd) if cwd is not None else Path.cwd()
    modules = [(base / path).resolve() for path in paths]
    parsed = {module: _read_module(module) for module in modules}
    _refuse_duplicates(parsed)
    notebooks: dict[Path, Any] = {}
    exported: dict[Path, dict[str, ExportedCell]] = {}
    result = SyncResult()
    pending: list[_Pending] = []
    conflicts: list[str] = []
    new_hashes: dict[tuple[Path, int], str] = {}
    for module, (_lines, sections) in parsed.items():
        changed_here = False
        for section in sections:
            notebook = (module.parent / section.notebook).resolve()
            nb = _notebook(notebook, module, section, notebooks)
            cells = exported.setdefault(notebook, _exported_cells(nb, notebook))
            cell = _cell(nb, cells, notebook, module, section)
            package_dir = _package_dir(module, notebook)
            current = cell_code(cell, package_dir).text
            edited = "\n".join(section.code)
            if edited == current:
                continue
            module_changed = section.digest is None or code_hash(edited) != section.digest
            notebook_changed = section.digest is not None and code_hash(current) != section.digest
            label = f"cell {section.cell_id} of {notebook.name}"
            if not module_changed:
                result.stale.append(
                    f"{label}: the notebook changed since {module.name} was exported."
                )
                continue
            if notebook_changed:
                conflicts.append(f"{label} (line {section.line + 1} of {module.name})")
                continue
            source = _source(nb, section.cell_id)
            new_source = merge_cell_source(
                source, cell, cell_code(cell, package_dir).lines, section.code, package_dir
            )
            if new_source != source:
                pending.append(_Pending(module, section, cell, source, new_source))
                changed_here = True
        if not changed_here:
            result.unchanged.append(module)
    if conflicts:
        raise ExportError(
            "Changed in both the module and the notebook since the last export: "
            + "; ".join(conflicts)
            + ".",
            hint="Nothing was synced. Copy the module edits into the notebook by hand, then export again.",
        )
    if not pending:
        return result
    changes = _apply(pending, notebooks)
    _write_notebooks(changes, notebooks)
    for item in pending:
        refreshed = select_exports(notebooks[item.cell.notebook], item.cell.notebook)
        cell = next(c for c in refreshed.cells if c.cell_id == item.section.cell_id)
        new_hashes[(item.module, item.section.line)] = code_hash(
            cell_code(cell, _package_dir(item.module, item.cell.notebook)).text
        )
    try:
        _refresh_markers(parsed, new_hashes)
    except ExportError as error:
        # the notebooks are written; only the hashes in the module are old, which export fixes
        result.stale.append(
            f"Notebooks updated, but not the markers of the module: {error.message}"
        )
    for notebook, change in changes.items():
        items = [item for item in pending if item.cell.notebook == notebook]
        result.notebooks.append(
            SyncedNotebook(
                notebook,
                change.id,
                tuple(item.section.cell_id for item in items),
                tuple(dict.fromkeys(item.module for item in items)),
            )
        )
    return result


def _read_module(module: Path) -> tuple[list[str], list[Section]]:
    try:
        text = module.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExportError(
            f"{module}: no such module.", hint="Give the path of an exported .py file."
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ExportError(
            f"Cannot read {module}: {getattr(error, 'strerror', None) or error}."
        ) from None
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        raise ExportError(
            f"{module.name}, line {error.lineno}: {error.msg}. Nothing was synced.",
            hint="Fix the module so that it parses, then sync again.",
        ) from None
    lines, sections = split_sections(text)
    cells = [section for section in sections if section.kind != "auto"]
    if not cells:
        raise ExportError(
            f"{module.name} has no cell markers (`# %% <notebook> cell=<id>`), so its code cannot be "
            "mapped to notebook cells.",
            hint="Sync only modules written by `llmdev export`, with their marker lines intact.",
        )
    for section in cells:
        if section.kind == "no-id":
            raise ExportError(
                f"{module.name}, line {section.line + 1}: the marker names no cell id. Nothing was synced.",
                hint="Save the notebook with JupyterLab 3+ (nbformat 4.5 cell ids), export again, then edit.",
            )
    _refuse_code_outside_cells(module, tree, sections)
    return lines, cells


def _refuse_code_outside_cells(module: Path, tree: ast.Module, sections: list[Section]) -> None:
    """Code above the first marker or in the ``__all__`` section belongs to no cell: refuse it."""
    for number, statement in enumerate(tree.body):
        line = statement.lineno - 1
        owner = next((s for s in reversed(sections) if s.line < line), None)
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
                f"{module.name}, line {line + 1}: this code is {place}, so it belongs to no cell. "
                "Nothing was synced.",
                hint="Move it under a `# %% <notebook> cell=<id>` marker, or into the notebook.",
            )


def _refuse_duplicates(parsed: dict[Path, tuple[list[str], list[Section]]]) -> None:
    seen: dict[tuple[Path, str], str] = {}
    for module, (_, sections) in parsed.items():
        for section in sections:
            key = ((module.parent / section.notebook).resolve(), section.cell_id)
            where = f"{module.name} line {section.line + 1}"
            if key in seen:
                raise ExportError(
                    f"Cell {section.cell_id} of {key[0].name} is marked twice ({seen[key]} and {where}); "
                    "it is ambiguous which code belongs to it. Nothing was synced.",
                    hint="Remove the duplicated section. If the notebook has two cells with that id, save it "
                    "in JupyterLab (which repairs ids) and export again.",
                )
            seen[key] = where


def _notebook(notebook: Path, module: Path, section: Section, cache: dict[Path, Any]) -> Any:
    if notebook not in cache:
        if not notebook.is_file():
            raise ExportError(
                f"{module.name}, line {section.line + 1}: the marker names {section.notebook}, "
                "which does not exist. Nothing was synced.",
                hint="Restore or move the notebook back, or export again from where it is now.",
            )
        cache[notebook] = read_notebook(notebook)
    return cache[notebook]


def _exported_cells(nb: Any, notebook: Path) -> dict[str, ExportedCell]:
    return {cell.cell_id: cell for cell in select_exports(nb, notebook).cells if cell.cell_id}


def _cell(
    nb: Any, cells: dict[str, ExportedCell], notebook: Path, module: Path, section: Section
) -> ExportedCell:
    where = f"{module.name}, line {section.line + 1}"
    count = Counter(cell.get("id") for cell in nb.cells)[section.cell_id]
    if count == 0:
        raise ExportError(
            f"{where}: {notebook.name} has no cell {section.cell_id} (deleted?). Nothing was synced.",
            hint="Export the notebook again to refresh the module's markers.",
        )
    if count > 1:
        raise ExportError(
            f"{where}: {notebook.name} has {count} cells with id {section.cell_id}; ambiguous. Nothing was synced.",
            hint="Give the cells distinct ids (save the notebook in JupyterLab), then export again.",
        )
    if section.cell_id not in cells:
        raise ExportError(
            f"{where}: cell {section.cell_id} of {notebook.name} is no longer exported. Nothing was synced.",
            hint="Export the notebook again to refresh the module.",
        )
    return cells[section.cell_id]


def _source(nb: Any, cell_id: str) -> str:
    cell = next(cell for cell in nb.cells if cell.get("id") == cell_id)
    source = cell.source
    return "".join(source) if isinstance(source, list) else source


def _package_dir(module: Path, notebook: Path) -> str | None:
    """The package folder export used for relative imports (``None``: imports were left alone)."""
    project = find_project(notebook.parent)
    if project is None:
        return None
    lib = project.lib_path.resolve()
    root = lib if module.is_relative_to(lib) else None
    if root is None:  # exported elsewhere with --to: the outermost package folder around it
        folder = module.parent
        while (folder / "__init__.py").is_file():
            root, folder = folder, folder.parent
    if root is None:
        return None
    return Path(os.path.relpath(module.parent, root.parent)).as_posix()


def _apply(pending: list[_Pending], notebooks: dict[Path, Any]) -> dict[Path, ChangeSet]:
    changes: dict[Path, ChangeSet] = {}
    for notebook in dict.fromkeys(item.cell.notebook for item in pending):
        items = [item for item in pending if item.cell.notebook == notebook]
        modules = ", ".join(dict.fromkeys(item.module.name for item in items))
        changes[notebook] = ChangeSet(
            edits=[
                Edit(
                    "replace",
                    item.section.cell_id,
                    before=CellState("code", item.source),
                    after=CellState("code", item.new_source),
                )
                for item in items
            ],
            role="human",
            command="sync",
            prompt=f"llmdev sync {modules}",
        )
    for notebook, change in changes.items():
        apply_changeset(notebooks[notebook], change)
    return changes


def _write_notebooks(changes: dict[Path, ChangeSet], notebooks: dict[Path, Any]) -> None:
    """Write every changed notebook, or put back the ones already written and raise."""
    written: list[tuple[Path, bytes]] = []
    notebook = next(iter(changes))
    try:
        for notebook in changes:
            original = notebook.read_bytes()
            write_notebook(notebook, notebooks[notebook])
            written.append((notebook, original))
    except (OSError, LLMDevError) as error:
        write_files([FileWrite(path, original) for path, original in written])
        if isinstance(error, LLMDevError):
            raise
        raise ExportError(
            f"Cannot write {notebook}: {error.strerror or error}. Nothing was synced.",
            hint="Check that the notebook is writable and run sync again.",
        ) from None


def _refresh_markers(
    parsed: dict[Path, tuple[list[str], list[Section]]], hashes: dict[tuple[Path, int], str]
) -> None:
    """Give synced sections the hash of their new code, so the next sync starts from here."""
    writes: list[FileWrite] = []
    for module, (lines, _) in parsed.items():
        new = list(lines)
        for (path, number), digest in hashes.items():
            if path == module and " hash=" in new[number]:
                new[number] = new[number].rsplit(" hash=", 1)[0] + f" hash={digest}"
        if new != lines:
            writes.append(
                FileWrite(module, "\n".join(new).encode("utf-8"), "\n".join(lines).encode("utf-8"))
            )
    write_files(writes)
