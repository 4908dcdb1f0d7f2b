"""All-or-nothing writes of several files: every file goes to a temp file first, then all are
moved into place; when anything fails, files already replaced get their old bytes back and
new folders are removed, so a failed export leaves the tree as it was."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import ExportError

__all__ = ["FileWrite", "write_files"]


@dataclass(frozen=True)
class FileWrite:
    """One file to write, with what it held before (``None``: it did not exist)."""

    path: Path
    content: bytes
    previous: bytes | None = None


def write_files(writes: Sequence[FileWrite]) -> None:
    """Write every file or none; raises ExportError naming the file that could not be written."""
    created: list[Path] = []
    temps: dict[Path, str] = {}
    replaced: list[FileWrite] = []
    current = writes[0].path if writes else Path()
    try:
        mode = _default_mode()
        for write in writes:
            current = write.path
            if write.path.is_dir():
                raise IsADirectoryError(21, "it is a folder", str(write.path))
            created.extend(_make_folders(write.path.parent))
            temps[write.path] = _write_temp(write, mode)
        for write in writes:
            current = write.path
            os.replace(temps.pop(write.path), write.path)
            replaced.append(write)
    except OSError as error:
        _roll_back(replaced, temps, created)
        reason = error.strerror or str(error)
        raise ExportError(
            f"Cannot write {current}: {reason}. Nothing was written.",
            hint="Check that the target folder exists, is a folder and is writable (or use --to).",
        ) from None


def _write_temp(write: FileWrite, default_mode: int) -> str:
    import tempfile

    descriptor, temp = tempfile.mkstemp(
        dir=write.path.parent, prefix=f".{write.path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(write.content)
        try:
            mode = os.stat(write.path).st_mode & 0o777
        except FileNotFoundError:
            mode = default_mode
        os.chmod(temp, mode)
    except BaseException:
        _remove(temp)
        raise
    return temp


def _make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and missing parents; the ones created, outermost first."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    made: list[Path] = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except OSError:
            _remove_folders(made)
            raise
        made.append(path)
    return made


def _roll_back(replaced: list[FileWrite], temps: dict[Path, str], created: list[Path]) -> None:
    for temp in temps.values():
        _remove(temp)
    for write in reversed(replaced):
        try:
            if write.previous is None:
                os.unlink(write.path)
            else:
                restore = FileWrite(write.path, write.previous)
                os.replace(_write_temp(restore, _default_mode()), write.path)
        except OSError:
            continue
    _remove_folders(created)


def _remove_folders(folders: list[Path]) -> None:
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            continue


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _default_mode() -> int:
    """The mode a new file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
