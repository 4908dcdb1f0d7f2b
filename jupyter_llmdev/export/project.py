"""Where a notebook's modules go: the project settings around it, and the notebooks it holds.

A project is found by walking up from the notebook to the nearest folder with a
``pyproject.toml`` or an nbdev ``settings.ini``:

* ``[tool.llmdev]`` with ``lib_path`` (and optionally ``nbs_path``, default ``nbs``);
* ``[tool.nbdev]`` (nbdev 3): ``lib_path`` defaults to the project name, ``nbs_path`` to ``nbs``;
* ``settings.ini`` (nbdev 2): ``lib_path`` defaults to ``lib_name``, ``nbs_path`` to ``nbs``.

The nearest such folder decides; when it has none of these settings the notebook is exported
on its own (next to itself, or to ``--to``). Only these keys are read here, on purpose, plus
nbdev's own settings that matter to export (``[tool.nbdev]``, else ``settings.ini`` in that
folder: :mod:`.nbdev_settings`): ``recursive``, and the metadata ``nbdev_clean`` keeps.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .nbdev_settings import NbdevSettings, from_ini, from_pyproject

__all__ = ["Project", "doc_page_url", "find_notebooks", "find_project"]


@dataclass(frozen=True)
class Project:
    """Export settings of a project."""

    #: the folder holding the settings file
    root: Path
    #: where modules are written (the package folder)
    lib_path: Path
    #: where the project's notebooks live
    nbs_path: Path
    #: the file the settings came from
    settings_file: Path
    #: ``llmdev``, ``nbdev`` (pyproject) or ``settings.ini``
    kind: str
    #: nbdev's documentation URL (``[project.urls] Documentation``), used in module docstrings
    doc_url: str = ""
    #: nbdev's settings when the folder is an nbdev project (whatever section gave lib_path)
    nbdev: NbdevSettings | None = None

    @property
    def recursive(self) -> bool:
        """Whether the project's notebooks include those in subfolders (nbdev's ``recursive``)."""
        return self.nbdev.recursive if self.nbdev is not None else True


def find_project(start: Path, cache: dict[Path, Project | None] | None = None) -> Project | None:
    """The project that ``start`` (a folder) belongs to, or ``None`` for a lone notebook."""
    if cache is not None and start in cache:
        return cache[start]
    given, start = start, start.resolve()
    visited: list[Path] = []
    found: Project | None = None
    for folder in (start, *start.parents):
        if cache is not None and folder in cache:
            found = cache[folder]
            break
        visited.append(folder)
        pyproject, ini = folder / "pyproject.toml", folder / "settings.ini"
        has_pyproject, has_ini = pyproject.is_file(), ini.is_file()
        if not (has_pyproject or has_ini):
            continue
        data = _load_toml(pyproject) if has_pyproject else {}
        found = _from_pyproject(pyproject, data) if has_pyproject else None
        if found is None and has_ini:
            found = _from_settings_ini(ini)
        if found is not None:
            found = replace(found, nbdev=_nbdev_settings(pyproject, data, ini if has_ini else None))
        break
    if cache is not None:
        for folder in (given, *visited):
            cache[folder] = found
    return found


def find_notebooks(folder: Path, *, recursive: bool = True) -> list[Path]:
    """The ``.ipynb`` files in ``folder`` (and its subfolders when ``recursive``, as nbdev's
    setting of that name), skipping names that start with ``_`` or ``.``."""
    found: list[Path] = []
    for current, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(name for name in subfolders if name[:1] not in "_.") if recursive else []
        found.extend(
            Path(current, name)
            for name in files
            if name.endswith(".ipynb") and name[:1] not in "_."
        )
    return sorted(found, key=lambda path: path.relative_to(folder).as_posix())


def doc_page_url(project: Project | None, notebook: Path) -> str:
    """nbdev's ``Docs:`` link of a notebook (only in nbdev projects with a Documentation URL)."""
    if project is None or project.kind != "nbdev" or not project.doc_url:
        return ""
    from urllib.parse import urlparse

    url = urlparse(project.doc_url)
    if not url.scheme:
        return ""
    try:
        relative = notebook.relative_to(project.nbs_path)
    except ValueError:
        return ""
    page = relative.with_name(re.sub(r"^\d+[a-zA-Z0-9]*_", "", relative.name.lower())).with_suffix(
        ".html"
    )
    base = (url.path or "/").rstrip("/")
    return f"{url.scheme}://{url.netloc}{base}/{page.as_posix()}.md"


def _from_pyproject(path: Path, data: dict[str, Any]) -> Project | None:
    tool = data.get("tool") or {}
    llmdev = tool.get("llmdev") or {}
    if isinstance(llmdev, dict) and "lib_path" in llmdev:
        lib = _setting(llmdev, "lib_path", None, path, "[tool.llmdev]")
        nbs = _setting(llmdev, "nbs_path", "nbs", path, "[tool.llmdev]")
        return _project(path, lib, nbs, "llmdev")
    nbdev = tool.get("nbdev")
    if isinstance(nbdev, dict):
        project = data.get("project") or {}
        default_lib = str(project.get("name", "")).replace("-", "_") or None
        lib = _setting(nbdev, "lib_path", default_lib, path, "[tool.nbdev]")
        nbs = _setting(nbdev, "nbs_path", "nbs", path, "[tool.nbdev]")
        urls = project.get("urls") or {}
        doc_url = urls.get("Documentation", "") if isinstance(urls, dict) else ""
        return _project(path, lib, nbs, "nbdev", doc_url=str(doc_url or ""))
    return None


def _from_settings_ini(path: Path) -> Project | None:
    section = _read_ini(path)
    lib = section.get("lib_path", section.get("lib_name"))
    if not lib:
        return None
    return _project(path, lib, section.get("nbs_path", "nbs") or "nbs", "settings.ini")


def _nbdev_settings(pyproject: Path, data: dict[str, Any], ini: Path | None) -> NbdevSettings | None:
    """nbdev 3's ``[tool.nbdev]`` (which it reads first), else nbdev 2's ``settings.ini``."""
    table = (data.get("tool") or {}).get("nbdev")
    if isinstance(table, dict):
        return from_pyproject(pyproject, table)
    if ini is not None:
        return from_ini(ini, _read_ini(ini))
    return None


_INI_KEYS = ("lib_name", "lib_path", "nbs_path", "recursive", "clear_all", "allowed_metadata_keys",
             "allowed_cell_metadata_keys")


def _read_ini(path: Path) -> dict[str, str]:
    """The keys export reads from the ``[DEFAULT]`` section of an nbdev 2 ``settings.ini``
    (interpolated like nbdev's own ``%(name)s``; other keys are not looked at)."""
    import configparser

    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
        section = parser["DEFAULT"]
        return {key: section[key] for key in _INI_KEYS if key in section}
    except (configparser.Error, UnicodeDecodeError) as error:
        raise ConfigError(
            f"{path} is not a valid settings.ini ({error.__class__.__name__}).",
            hint="Fix the file, or remove it to export notebooks on their own.",
        ) from None


def _project(settings: Path, lib: str | None, nbs: str, kind: str, *, doc_url: str = "") -> Project:
    if not lib:
        raise ConfigError(
            f"{settings}: [tool.nbdev] has no lib_path and [project] no name.",
            hint='Set lib_path = "your_package" under [tool.nbdev].',
        )
    root = settings.parent
    return Project(root, root / lib, root / nbs, settings, kind, doc_url)


def _setting(
    table: dict[str, Any], key: str, default: str | None, path: Path, where: str
) -> str | None:
    value = table.get(key, default)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(
            f"{path}: {where} {key} must be a folder path as a string, not {value!r}.",
            hint=f'For example: {key} = "{default or "mylib"}"',
        )
    return value


def _load_toml(path: Path) -> dict[str, Any]:
    """The project file, through the one TOML reader the configuration uses (same errors)."""
    from ..config.tomlfile import read_toml

    return read_toml(path)
