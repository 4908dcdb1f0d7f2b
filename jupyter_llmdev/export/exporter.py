"""``export_notebooks``: notebooks in, modules out (or, with ``check``, the list of stale ones).

The whole export is planned in memory first (every notebook read, every module rendered),
compared with what is on disk, and only then written, all or nothing. A module gathers the
cells of every notebook of the project that exports to it, so exporting one notebook never
drops the cells another notebook sends to the same module.

Every path is confined (:mod:`.confine`) before it is read or written: the notebooks found in
``nbs_path`` or named by an existing module's markers, ``lib_path``, ``--to``, every module and
package file. A path outside the project root (or the server's ``root``) raises PathOutsideRoot
and nothing is written.
"""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Union

from ..errors import CommandError, ExportError
from .confine import Scope, confine
from .markers import marker_lines
from .nbdev_settings import NbdevSettings
from .project import Project, doc_page_url, find_notebooks
from ..safety.terminal import one_line
from .render import ModuleSpec, module_docstring, render_module
from .requested import requested_notebooks
from .selection import ExportedCell, NotebookExports, load_notebook_json, select_exports
from .writer import FileWrite, write_files

__all__ = ["ExportResult", "ExportedFile", "export_notebooks", "module_name_for"]

PathLike = Union[str, "os.PathLike[str]"]
Status = Literal["written", "unchanged", "stale"]


@dataclass(frozen=True)
class ExportedFile:
    """One file an export wrote, would write (``stale``) or found up to date."""

    path: Path
    #: ``module`` or ``package`` (an empty ``__init__.py`` for a package folder)
    kind: str
    #: dotted module name (the package's name for ``package`` files)
    name: str
    status: Status
    notebooks: tuple[Path, ...] = ()


@dataclass
class ExportResult:
    """What ``export_notebooks`` did, file by file."""

    files: list[ExportedFile]
    check: bool = False
    warnings: list[str] = field(default_factory=list)
    #: the paths and ``to`` as given, to say how to run the export again
    given: tuple[str, ...] = ()
    to: str | None = None
    #: notebooks named among several that export nothing (skipped, as nbdev skips them)
    skipped: list[Path] = field(default_factory=list)
    #: nbdev settings of the projects exported whose ``nbdev_clean`` would delete the history
    history_at_risk: list[NbdevSettings] = field(default_factory=list)

    @property
    def modules(self) -> list[ExportedFile]:
        return [item for item in self.files if item.kind == "module"]

    @property
    def written(self) -> list[ExportedFile]:
        return [item for item in self.files if item.status == "written"]

    @property
    def stale(self) -> list[ExportedFile]:
        return [item for item in self.files if item.status == "stale"]

    @property
    def ok(self) -> bool:
        """``False`` when ``check`` found files out of date."""
        return not self.stale


@dataclass
class _Module:
    destination: Path
    name: str
    cells: list[ExportedCell] = field(default_factory=list)
    owners: list[NotebookExports] = field(default_factory=list)
    project: Project | None = None
    #: the bounds of the notebooks that send cells here: the module must lie in each
    bounds: set[Path] = field(default_factory=set)


def export_notebooks(
    paths: Sequence[PathLike] = (),
    *,
    to: PathLike | None = None,
    check: bool = False,
    cwd: PathLike | None = None,
    root: PathLike | None = None,
) -> ExportResult:
    """Export notebooks (files or folders; none: the project around ``cwd``) to modules.

    ``to`` overrides where modules go. With ``check`` nothing is written and files that are
    missing or differ are reported ``stale``. Every path read or written must lie inside the
    project root of the notebook it serves and, when ``root`` is given (the Jupyter server's
    ``root_dir``), inside ``root`` too. Raises ExportError, NotebookReadError, ConfigError,
    CommandError or PathOutsideRoot with a message for the user; nothing is written then.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    if to is not None and "\x00" in os.fspath(to):
        raise CommandError("The --to folder holds a NUL character.", hint="Give a folder path.")
    destination = (base / to).resolve() if to is not None else None
    scope = Scope(root)
    requested = requested_notebooks(paths, base, scope)
    loaded: dict[Path, NotebookExports] = {}
    modules: dict[tuple[Path, str], _Module] = {}
    targets: dict[tuple[Path, str], None] = {}
    projects: dict[Path, tuple[Project, Path]] = {}
    warnings: list[str] = []
    skipped: list[Path] = []
    for notebook, (explicit, bound) in requested.items():
        exports = _load(notebook, loaded)
        warnings.extend(exports.warnings)
        project = scope.project(notebook.parent, bound)
        if project is not None:
            projects.setdefault(project.settings_file, (project, bound))
        keys = _add_notebook(exports, project, destination, modules, bound, strict=True)
        if explicit and not keys:
            skipped.append(notebook)
        targets.update(dict.fromkeys(keys))
    if not targets:
        _refuse_nothing_exported(requested, skipped, paths, base)
    for _, (project, bound) in sorted(projects.items()):
        folder = project.nbs_path
        for notebook in find_notebooks(folder, recursive=project.recursive) if folder.is_dir() else []:
            if notebook not in requested:
                what = f"the notebook (in nbs_path of {one_line(project.settings_file)})"
                confine(notebook, bound, what=what)
                _add_notebook(_load(notebook, loaded), project, destination, modules, bound, strict=False)
    existing = {key: _read_existing(_confined_module(key, modules[key])) for key in targets}
    for key, previous in existing.items():
        # notebooks of the project (or without one) that the module already holds cells of
        bounds = modules[key].bounds
        for notebook in _notebooks_named_in(previous, _module_path(*key), bounds):
            if notebook not in loaded and notebook.is_file():
                bound = max(bounds, key=lambda path: len(path.parts))
                project = scope.project(notebook.parent, bound)
                _add_notebook(_load(notebook, loaded), project, destination, modules, bound, strict=False)
    files, writes = _plan(sorted(targets), modules, existing)
    if check:
        files = [_as_stale(item) for item in files]
    else:
        write_files(writes)
    at_risk = [
        project.nbdev
        for project, _ in projects.values()
        if project.nbdev is not None and project.nbdev.fixes()
    ]
    given = tuple(os.fspath(path) for path in paths)
    return ExportResult(
        sorted(files, key=lambda item: item.path), check, warnings, given,
        os.fspath(to) if to is not None else None, skipped, at_risk,
    )


def module_name_for(notebook: Path) -> str | None:
    """The module a notebook without ``#| default_exp`` exports to: ``00_core.ipynb`` -> ``core``."""
    stem = re.sub(r"^\d+[a-zA-Z0-9]*_", "", notebook.stem)
    name = re.sub(r"[-\s]+", "_", stem)
    return name if _valid_module_name(name) else None


_MARK_HINT = "Mark code cells with `#| export` (and name the module with `#| default_exp NAME`)."


def _refuse_nothing_exported(
    requested: dict[Path, tuple[bool, Path]], skipped: list[Path], paths: Sequence[PathLike], base: Path
) -> None:
    """No notebook asked for exports anything: say which (one notebook) or how many."""
    if len(requested) == 1 and skipped:
        shown = os.fspath(paths[0]) if len(paths) == 1 else os.path.relpath(skipped[0], base)
        raise ExportError(f"{one_line(shown)} has no exported cells.", hint=_MARK_HINT)
    raise ExportError(f"No exported cells in the {len(requested)} notebook(s) given.", hint=_MARK_HINT)


def _module_path(root: Path, name: str) -> Path:
    return root.joinpath(*name.split(".")).with_suffix(".py")


def _confined_module(key: tuple[Path, str], module: _Module) -> Path:
    """The module's file, checked against every bound (a symlinked folder may lead out)."""
    path = _module_path(*key)
    for bound in module.bounds:
        confine(path, bound, what=f"the module {key[1]}")
    return path


def _notebooks_named_in(content: bytes | None, module: Path, bounds: set[Path]) -> list[Path]:
    """The notebooks whose cells an existing module holds, from its markers (confined)."""
    if not content:
        return []
    text = content.decode("utf-8", errors="replace")
    references: dict[str, int] = {}
    for number, marker in marker_lines(text):
        if marker.notebook:
            references.setdefault(marker.notebook, number)
    hint = (
        f"Export never opens notebooks outside the project. Delete that section of "
        f"{one_line(module)} (or the module), then export again."
    )
    found = []
    for reference, number in references.items():
        what = f"the notebook named by a marker on line {number + 1} of {module.name},"
        for bound in bounds:
            found.append(confine(reference, bound, what=what, relative_to=module.parent, hint=hint))
    return list(dict.fromkeys(found))


def _load(notebook: Path, loaded: dict[Path, NotebookExports]) -> NotebookExports:
    if notebook not in loaded:
        loaded[notebook] = select_exports(load_notebook_json(notebook), notebook)
    return loaded[notebook]


def _add_notebook(
    exports: NotebookExports,
    project: Project | None,
    destination: Path | None,
    modules: dict[tuple[Path, str], _Module],
    bound: Path,
    *,
    strict: bool,
) -> list[tuple[Path, str]]:
    """File the notebook's cells under their modules; the module keys it contributes to.

    ``bound`` is the folder the notebook's modules must lie in (``lib_path`` was checked with
    the project; ``--to`` is checked here, once per notebook).
    """
    if destination is not None:
        confine(destination, bound, what="the --to folder")
    root = destination or (project.lib_path if project else exports.path.parent)
    default = exports.default_exp or module_name_for(exports.path)
    keys: list[tuple[Path, str]] = []
    owner_of: set[tuple[Path, str]] = set()
    for cell in exports.cells:
        name = cell.target or default
        if name is None or not _valid_module_name(name):
            if not strict:
                continue
            raise ExportError(_bad_name_message(exports, cell, name), hint=_NAME_HINT)
        key = (root, name)
        module = modules.setdefault(key, _Module(root, name, project=project))
        module.cells.append(cell)
        module.bounds.add(bound)
        if name == default and key not in owner_of:
            owner_of.add(key)
            module.owners.append(exports)
        if key not in keys:
            keys.append(key)
    return keys


_NAME_HINT = "Use dotted Python identifiers, e.g. `#| default_exp core` or `#| export utils.io`."


def _bad_name_message(exports: NotebookExports, cell: ExportedCell, name: str | None) -> str:
    if name is None:
        return (
            f"{exports.path.name} has no `#| default_exp` and its name is not a valid module name."
        )
    where = f"cell {cell.cell_id}" if cell.cell_id else f"cell #{cell.index + 1}"
    return f"{exports.path.name} {where}: {name!r} is not a valid module name."


def _valid_module_name(name: str) -> bool:
    return all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split("."))


def _plan(
    targets: list[tuple[Path, str]],
    modules: dict[tuple[Path, str], _Module],
    existing: dict[tuple[Path, str], bytes | None],
) -> tuple[list[ExportedFile], list[FileWrite]]:
    files: list[ExportedFile] = []
    writes: list[FileWrite] = []
    packages: dict[Path, str] = {}
    bounds_of: dict[Path, set[Path]] = {}
    prefixes = {
        (root, ".".join(name.split(".")[:depth]))
        for root, name in modules
        for depth in range(1, name.count(".") + 1)
    }
    for destination, name in targets:
        module = modules[(destination, name)]
        if len(module.owners) > 1:
            first, second = (owner.path for owner in module.owners[:2])
            raise ExportError(
                f"Module {name} is the default module of both {first} and {second}.",
                hint="Give one of them another `#| default_exp NAME`.",
            )
        if (destination, name) in prefixes:
            clash = next(
                other
                for root, other in modules
                if root == destination and other.startswith(name + ".")
            )
            raise ExportError(
                f"Module {name} and package module {clash} would both be written to {destination}.",
                hint=f"Rename one of them; {name}.py would hide the package folder {name}/.",
            )
        path = _module_path(destination, name)
        text = render_module(_spec(module, path))
        notebooks = tuple(dict.fromkeys(cell.notebook for cell in module.cells))
        content = text.encode("utf-8")
        previous = existing[(destination, name)]
        status: Status = "unchanged" if previous == content else "written"
        files.append(ExportedFile(path, "module", name, status, notebooks))
        if status == "written":
            writes.append(FileWrite(path, content, previous))
        parts = name.split(".")
        folders = [destination.joinpath(*parts[:depth]) for depth in range(1, len(parts))]
        if module.project is not None:
            folders.insert(0, destination)
        for folder in folders:
            packages.setdefault(
                folder, _package_name(folder, destination, module.project is not None)
            )
            bounds_of.setdefault(folder, set()).update(module.bounds)
    for folder, package in sorted(packages.items()):
        init = folder / "__init__.py"
        for bound in bounds_of[folder]:
            confine(init, bound, what=f"the package file of {package}")
        if not init.exists():
            files.append(ExportedFile(init, "package", package, "written"))
            writes.append(FileWrite(init, b"", None))
    return files, writes


def _package_name(folder: Path, destination: Path, in_project: bool) -> str:
    parts = list(folder.relative_to(destination).parts)
    return ".".join([destination.name, *parts] if in_project else parts)


def _spec(module: _Module, path: Path) -> ModuleSpec:
    owner = module.owners[0] if module.owners else None
    owner_path = owner.path.as_posix() if owner else None
    ordered = sorted(
        module.cells,
        key=lambda cell: (
            cell.notebook.as_posix() != owner_path,
            cell.notebook.as_posix(),
            cell.index,
        ),
    )
    docstring = ""
    if owner is not None and owner.summary is not None:
        docstring = module_docstring(
            owner.summary, owner.doc_parts, doc_page_url(module.project, owner.path)
        )
    package_dir = None
    if module.project is not None:
        package_dir = Path(os.path.relpath(path.parent, module.destination.parent)).as_posix()
    return ModuleSpec(module.name, path, tuple(ordered), docstring, package_dir)


def _read_existing(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except IsADirectoryError:
        raise ExportError(
            f"Cannot write {path}: a folder of that name is in the way. Nothing was written.",
            hint="Remove or rename the folder, or export to another place with --to.",
        ) from None
    except OSError as error:
        raise ExportError(f"Cannot read {path}: {error.strerror}. Nothing was written.") from None


def _as_stale(item: ExportedFile) -> ExportedFile:
    if item.status != "written":
        return item
    return ExportedFile(item.path, item.kind, item.name, "stale", item.notebooks)
