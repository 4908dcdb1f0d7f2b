"""Confinement: every file read or written for untrusted input stays inside one root folder.

The root is the project root (CLI, kernel: :func:`project_root`) or the Jupyter server's
``root_dir`` (server). A path is inside when its fully resolved form (``..`` collapsed,
symlinks followed, ``~`` *not* expanded) lies under the resolved root; anything else raises
:class:`~jupyter_llmdev.errors.PathOutsideRoot` before a byte is read or written.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import PathOutsideRoot
from .terminal import one_line

__all__ = ["PROJECT_MARKERS", "confine", "is_inside", "project_root"]

#: files whose folder is a project root, nearest first after ``.git``
PROJECT_MARKERS = ("pyproject.toml", "settings.ini")


def project_root(start: str | Path) -> Path:
    """The project ``start`` (a file or folder) belongs to, resolved.

    The nearest folder at or above ``start`` holding ``.git``; else the nearest holding a
    ``pyproject.toml`` or ``settings.ini``; else ``start``'s own folder. The walk never goes
    above the user's home directory (a dotfiles repository at home is not every project's root
    unless the notebook is directly in it).
    """
    begin = Path(os.path.realpath(start))
    if not begin.is_dir():
        begin = begin.parent
    home = _home()
    folders = [begin]
    for parent in begin.parents:
        if home is not None and folders[-1] == home:
            break
        folders.append(parent)
    for folder in folders:
        if (folder / ".git").exists():
            return folder
    for folder in folders:
        if any((folder / name).is_file() for name in PROJECT_MARKERS):
            return folder
    return begin


def is_inside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path`` resolves to ``root`` or below it (symlinks and ``..`` resolved)."""
    real = Path(os.path.realpath(path))
    base = Path(os.path.realpath(root))
    return real == base or base in real.parents


def confine(path: str | Path, root: str | Path, *, what: str, relative_to: str | Path | None = None) -> Path:
    """``path`` resolved, if it lies inside ``root``; else :class:`PathOutsideRoot`.

    A relative ``path`` is taken relative to ``relative_to`` (default: ``root``). ``what`` names
    the path in the message ("the architecture doc", "the module folder lib_path").
    """
    raw = Path(path)
    if not raw.is_absolute():
        raw = Path(relative_to if relative_to is not None else root) / raw
    real = Path(os.path.realpath(raw))
    base = Path(os.path.realpath(root))
    if real != base and base not in real.parents:
        raise PathOutsideRoot(
            f"Refused: {what} {one_line(path)} is outside {base}.",
            hint="Files outside the project (or the server's root folder) are never read or written "
            "for a notebook, project file or model reply; move it inside.",
        )
    return real


def _home() -> Path | None:
    try:
        return Path(os.path.realpath(Path.home()))
    except (KeyError, RuntimeError):
        return None
