"""Which notebooks an export was asked for: the paths given, or the project's ``nbs_path``.

A folder (given, or ``nbs_path`` when nothing is given) stands for the notebooks in it, and in
its subfolders unless the project's nbdev settings say ``recursive = false``. Every notebook found
is confined to the project root of the folder it was found in (:mod:`.confine`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Union

from ..errors import CommandError, NotebookReadError
from .confine import Scope, confine
from .project import find_notebooks
from ..safety.terminal import one_line

__all__ = ["requested_notebooks"]

PathLike = Union[str, os.PathLike[str]]


def requested_notebooks(
    paths: Sequence[PathLike], base: Path, scope: Scope
) -> dict[Path, tuple[bool, Path]]:
    """Notebook -> (named explicitly, its bound)."""
    requested: dict[Path, tuple[bool, Path]] = {}
    if not paths:
        paths = [_project_notebooks(base, scope)]
    for raw in paths:
        path = (base / raw).resolve()
        if path.is_dir():
            bound = scope.bound(path, what="the folder")
            project = scope.project(path, bound)
            recursive = project.recursive if project is not None else True
            for notebook in find_notebooks(path, recursive=recursive):
                confine(notebook, bound, what="the notebook")
                requested.setdefault(notebook, (False, bound))
        elif not path.exists():
            raise NotebookReadError(
                f"{one_line(raw)}: no such notebook or folder.", hint="Check the path and run again."
            )
        elif path.suffix != ".ipynb":
            shown = one_line(raw)
            hint = "Give notebooks or folders of notebooks."
            if path.suffix == ".py":
                hint += f" To bring a module's edits back into its notebook: llmdev sync {shown}"
            raise CommandError(f"{shown} is not a notebook (.ipynb).", hint=hint)
        else:
            requested[path] = (True, scope.bound(path, what="the notebook"))
    return requested


def _project_notebooks(base: Path, scope: Scope) -> Path:
    """The ``nbs_path`` of the project around ``base``: what ``llmdev export`` alone exports."""
    bound = scope.bound(base, what="the folder")
    project = scope.project(base, bound)
    if project is None:
        raise CommandError(
            "No notebook given, and no lib_path in the project settings around this folder.",
            hint="Run `llmdev export NOTEBOOK...`, or set lib_path under [tool.llmdev] in pyproject.toml.",
        )
    if not project.nbs_path.is_dir():
        raise CommandError(
            f"The notebook folder {one_line(project.nbs_path)} (nbs_path in "
            f"{one_line(project.settings_file)}) does not exist.",
            hint="Create it, or set nbs_path to the folder that holds your notebooks.",
        )
    return project.nbs_path
