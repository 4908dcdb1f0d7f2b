"""Where export and sync may read and write: inside the project, and inside ``root`` if given.

Notebooks, project settings (``lib_path``, ``nbs_path``) and module markers are untrusted,
so every path taken from them, and ``--to``, is checked with
:func:`~jupyter_llmdev.safety.paths.confine` (``..`` and symlinks resolved) before anything is
read from it or written to it.

The *bound* of a notebook or module is its project root as
:func:`~jupyter_llmdev.safety.paths.project_root` finds it (the git checkout, else the folder of
the nearest ``pyproject.toml`` / ``settings.ini``, else the notebook's own folder; never above
home), not the folder of the settings file :func:`.project.find_project` picked. The project
root is what the user downloaded or created, and the one rule every other part of
jupyter-llmdev confines to (the doc file, ``doc accept``); the settings file is itself project
content and must lie inside that root, else anyone who can drop a ``pyproject.toml`` above a
checkout could choose where its modules go. A monorepo may keep its package beside the
project's folder, inside the same checkout.

With ``root`` (the Jupyter server's ``root_dir``), the bound is the deeper of the two: both
hold the notebook, so one holds the other, and the bound is the folder inside both.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ExportError, PathOutsideRoot
from ..safety import paths
from .project import Project, find_project
from ..safety.terminal import one_line

__all__ = ["Scope", "confine"]

_HINT = (
    "Export and sync read and write only inside the project (its git checkout, or the folder of "
    "its pyproject.toml / settings.ini) and the Jupyter server's root folder; move it inside."
)


class Scope:
    """The confinement rules of one export or sync, with the folders it already checked."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        #: the server's root_dir (resolved), or ``None`` for the CLI and the kernel
        self.root = Path(os.path.realpath(root)) if root is not None else None
        self._bounds: dict[Path, Path] = {}
        self._projects: dict[Path, Project | None] = {}
        self._checked: set[tuple[Path, Path]] = set()

    def bound(self, path: Path, *, what: str) -> Path:
        """The folder ``path`` (a notebook, module or folder) and what it names must stay in.

        Raises PathOutsideRoot when ``path`` itself is outside ``root``.
        """
        if self.root is not None:
            confine(path, self.root, what=what)
        folder = Path(os.path.realpath(path))
        if not folder.is_dir():
            folder = folder.parent
        if folder not in self._bounds:
            base = paths.project_root(folder)
            if self.root is not None and not paths.is_inside(base, self.root):
                base = self.root
            self._bounds[folder] = base
        return self._bounds[folder]

    def project(self, folder: Path, bound: Path) -> Project | None:
        """The export settings around ``folder``; refused unless they and their folders lie in ``bound``."""
        project = find_project(folder, self._projects)
        if project is None or (project.settings_file, bound) in self._checked:
            return project
        settings = one_line(project.settings_file)
        if not paths.is_inside(project.settings_file.parent, bound):
            raise PathOutsideRoot(
                f"Refused: the project settings {settings} are outside {one_line(bound)}, the project "
                f"(or server root) of {one_line(folder)}.",
                hint="Export writes only inside the project: put the settings in it, or start Jupyter "
                "from the project folder.",
            )
        confine(project.lib_path, bound, what=f"the module folder lib_path of {settings}")
        confine(project.nbs_path, bound, what=f"the notebook folder nbs_path of {settings}")
        self._checked.add((project.settings_file, bound))
        return project


def confine(
    path: str | os.PathLike[str],
    bound: Path,
    *,
    what: str,
    relative_to: Path | None = None,
    hint: str = _HINT,
) -> Path:
    """:func:`jupyter_llmdev.safety.paths.confine`, with the path shown on one line.

    A path no OS accepts (a NUL byte) raises ExportError instead of ValueError.
    """
    if "\x00" in os.fspath(path):
        raise ExportError(f"{what} {one_line(path)!r} is not a valid path.", hint=hint)
    try:
        return paths.confine(path, bound, what=what, relative_to=relative_to)
    except PathOutsideRoot:
        raise PathOutsideRoot(
            f"Refused: {what} {one_line(path)} is outside {one_line(bound)}.", hint=hint
        ) from None
