"""``sync_modules``: edits made in exported modules go back into their notebook cells.

Each ``# %% <notebook> #<id>`` section is matched to its cell by id. Its checksum (in the
module's header, :mod:`.checksums`; in the marker, ``cell=<id> hash=<crc>``, for modules written
before) is the one the section's code had when it was exported, so sync knows which side changed:

* only the module changed: the cell gets the new code (directives and magics kept);
* only the notebook changed: nothing to sync, the module is stale (run export);
* both changed: a conflict; nothing is written.

All edits to one notebook form one ChangeSet (role ``human``, command ``sync``), recorded in
the notebook so ``log`` shows it and ``revert`` undoes it. Missing, duplicated or ambiguous
markers, or code that does not parse, are refused before anything is written.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from ..errors import ExportError, LLMDevError
from ..notebook.apply import apply_changeset
from ..notebook.changeset import CellState, ChangeSet, Edit
from ..notebook.io import read_notebook_data, write_notebook
from .confine import Scope, confine
from .exporter import module_name_for
from .markers import Section, code_hash
from .merge import merge_cell_source
from .checksums import refreshed
from .module_reader import ModuleText, read_module, refuse_not_a_module
from .project import find_project
from ..safety.terminal import one_line
from .render import cell_code
from .selection import ExportedCell, NotebookExports, select_exports
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
    #: the notebooks to export again to refresh the modules (as named by the markers)
    to_export: list[Path] = field(default_factory=list)


@dataclass
class _Pending:
    module: Path
    section: Section
    cell: ExportedCell
    source: str
    new_source: str


@dataclass
class _Notebook:
    """One notebook named by markers, indexed once (sync stays linear in cells and sections)."""

    data: Any
    exports: NotebookExports
    #: exported cells by id
    exported: dict[str, ExportedCell]
    #: how many cells carry each id, and the source of the first one
    counts: Counter[str]
    sources: dict[str, str]


def sync_modules(
    paths: Sequence[PathLike], *, cwd: PathLike | None = None, root: PathLike | None = None
) -> SyncResult:
    """Sync the edits in the given module files back into their notebooks.

    Every notebook a marker names must lie inside the module's project root (and inside
    ``root``, the Jupyter server's ``root_dir``, when given), and every cell it names must be
    one that export puts into this very module; otherwise nothing is read or written
    (PathOutsideRoot, ExportError).
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    scope = Scope(root)
    for path in paths:
        refuse_not_a_module(base / path, os.fspath(path))
    given = {(base / path).resolve(): Path(os.path.abspath(base / path)) for path in paths}
    parsed = {module: read_module(module) for module in given}
    targets = {
        key: notebook
        for module, text in parsed.items()
        for key, notebook in _confined_notebooks(
            module, text.cells, scope.bound(module, what="the module")
        ).items()
    }
    _refuse_duplicates(parsed, targets)
    notebooks: dict[Path, _Notebook] = {}
    package_dirs: dict[tuple[Path, Path], str | None] = {}
    result = SyncResult()
    pending: list[_Pending] = []
    conflicts: list[str] = []
    new_hashes: dict[tuple[Path, int], str] = {}
    for module, text in parsed.items():
        changed_here = False
        for section in text.cells:
            notebook = targets[(module, section.line)]
            indexed = _notebook(notebook, module, section, notebooks)
            cell = _cell(indexed, notebook, module, section)
            _refuse_foreign_cell(indexed, cell, given[module], section)
            package_dir = _cached_package_dir(module, notebook, package_dirs)
            current = cell_code(cell, package_dir).text
            edited = "\n".join(section.code)
            if edited == current:
                continue
            module_changed = section.digest is None or code_hash(edited) != section.digest
            notebook_changed = section.digest is not None and code_hash(current) != section.digest
            label = f"cell {section.cell_id} of {one_line(notebook.name)}"
            if not module_changed:
                result.stale.append(
                    f"{label}: the notebook changed since {one_line(module.name)} was exported."
                )
                result.to_export.append(notebook)
                continue
            if notebook_changed:
                conflicts.append(f"{label} (line {section.line + 1} of {one_line(module.name)})")
                continue
            source = indexed.sources[section.cell_id]
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
    data = {path: indexed.data for path, indexed in notebooks.items()}
    changes = _apply(pending, data)
    _write_notebooks(changes, data)
    refreshed: dict[Path, dict[str, ExportedCell]] = {}
    for item in pending:
        notebook = item.cell.notebook
        if notebook not in refreshed:
            exports = select_exports(data[notebook], notebook)
            refreshed[notebook] = {c.cell_id: c for c in exports.cells if c.cell_id}
        cell = refreshed[notebook][item.section.cell_id]
        new_hashes[(item.module, item.section.line)] = code_hash(
            cell_code(cell, _cached_package_dir(item.module, notebook, package_dirs)).text
        )
    try:
        _refresh_markers(parsed, new_hashes)
    except ExportError as error:
        # the notebooks are written; only the hashes in the module are old, which export fixes
        result.stale.append(
            f"Notebooks updated, but not the checksums in the module: {error.message}"
        )
        result.to_export.extend(item.cell.notebook for item in pending)
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


def _confined_notebooks(
    module: Path, sections: list[Section], bound: Path
) -> dict[tuple[Path, int], Path]:
    """(module, marker line) -> the notebook it names, every one checked to lie in ``bound``."""
    hint = (
        "Sync writes only notebooks inside the project. Remove that section from the module "
        "(export again to rewrite it), then sync."
    )
    found: dict[tuple[Path, int], Path] = {}
    seen: dict[str, Path] = {}
    for section in sections:
        if section.notebook not in seen:
            seen[section.notebook] = confine(
                section.notebook,
                bound,
                what=f"the notebook named on line {section.line + 1} of {module.name},",
                relative_to=module.parent,
                hint=hint,
            )
        found[(module, section.line)] = seen[section.notebook]
    return found


def _refuse_duplicates(
    parsed: dict[Path, ModuleText], targets: dict[tuple[Path, int], Path]
) -> None:
    seen: dict[tuple[Path, str], str] = {}
    for module, text in parsed.items():
        for section in text.cells:
            key = (targets[(module, section.line)], section.cell_id)
            where = f"{one_line(module.name)} line {section.line + 1}"
            if key in seen:
                raise ExportError(
                    f"Cell {section.cell_id} of {one_line(key[0].name)} is marked twice "
                    f"({seen[key]} and {where}); it is ambiguous which code belongs to it. Nothing was synced.",
                    hint="Remove the duplicated section. If the notebook has two cells with that id, save it "
                    "in JupyterLab (which repairs ids) and export again.",
                )
            seen[key] = where


def _notebook(
    notebook: Path, module: Path, section: Section, cache: dict[Path, _Notebook]
) -> _Notebook:
    if notebook not in cache:
        if not notebook.is_file():
            raise ExportError(
                f"{one_line(module.name)}, line {section.line + 1}: the marker names "
                f"{one_line(section.notebook)}, which does not exist. Nothing was synced.",
                hint="Restore or move the notebook back, or export again from where it is now.",
            )
        data = read_notebook_data(notebook, strict=True)  # plain JSON, no nbformat import
        exports = select_exports(data, notebook)
        counts: Counter[str] = Counter()
        sources: dict[str, str] = {}
        for cell in data["cells"]:
            cell_id = cell.get("id")
            if isinstance(cell_id, str):
                counts[cell_id] += 1
                source = cell.get("source", "")
                sources.setdefault(cell_id, "".join(source) if isinstance(source, list) else source)
        exported = {cell.cell_id: cell for cell in exports.cells if cell.cell_id}
        cache[notebook] = _Notebook(data, exports, exported, counts, sources)
    return cache[notebook]


def _cell(indexed: _Notebook, notebook: Path, module: Path, section: Section) -> ExportedCell:
    where = f"{one_line(module.name)}, line {section.line + 1}"
    name = one_line(notebook.name)
    count = indexed.counts[section.cell_id]
    if count == 0:
        raise ExportError(
            f"{where}: {name} has no cell {section.cell_id} (deleted?). Nothing was synced.",
            hint="Export the notebook again to refresh the module's markers.",
        )
    if count > 1:
        raise ExportError(
            f"{where}: {name} has {count} cells with id {section.cell_id}; ambiguous. Nothing was synced.",
            hint="Give the cells distinct ids (save the notebook in JupyterLab), then export again.",
        )
    if section.cell_id not in indexed.exported:
        raise ExportError(
            f"{where}: cell {section.cell_id} of {name} is no longer exported. Nothing was synced.",
            hint="Export the notebook again to refresh the module.",
        )
    return indexed.exported[section.cell_id]


def _refuse_foreign_cell(
    indexed: _Notebook, cell: ExportedCell, module: Path, section: Section
) -> None:
    """Refuse a marker naming a cell that export sends to another module.

    Export puts a cell into the module its directive (or the notebook's ``default_exp``, or
    the notebook's name) names, at ``<folder>/<dotted/name>.py``; a marker elsewhere was not
    written by export (a copied line, a hand or model edit), and following it would write
    this module's code into a cell of another module, perhaps of another notebook.
    """
    name = cell.target or indexed.exports.default_exp or module_name_for(cell.notebook)
    parts = tuple(name.split(".")) if name else ()
    if parts and module.with_suffix("").parts[-len(parts) :] == parts:
        return
    raise ExportError(
        f"{one_line(module.name)}, line {section.line + 1}: cell {section.cell_id} of "
        f"{one_line(cell.notebook.name)} is exported to module {one_line(str(name))}, not to this one, "
        "so export did not write this marker. Nothing was synced.",
        hint="Remove that section from the module (or export again to rewrite the module), then sync.",
    )


def _cached_package_dir(
    module: Path, notebook: Path, cache: dict[tuple[Path, Path], str | None]
) -> str | None:
    key = (module, notebook.parent)
    if key not in cache:
        cache[key] = _package_dir(module, notebook)
    return cache[key]


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


def _refresh_markers(parsed: dict[Path, ModuleText], hashes: dict[tuple[Path, int], str]) -> None:
    """Give synced sections the checksum of their new code, so the next sync starts from here:
    in the header's checksum lines, or in the marker of a module written before them."""
    writes: list[FileWrite] = []
    for module, text in parsed.items():
        lines = text.lines
        new = list(lines)
        mine = {number: digest for (path, number), digest in hashes.items() if path == module}
        for number, digest in mine.items():
            if number not in text.checksums.used and " hash=" in new[number]:
                new[number] = new[number].rsplit(" hash=", 1)[0] + f" hash={digest}"
        new = refreshed(new, text.checksums, mine)
        if new != lines:
            writes.append(
                FileWrite(module, "\n".join(new).encode("utf-8"), "\n".join(lines).encode("utf-8"))
            )
    write_files(writes)
