"""Finding and reading the project's architecture document (ARCHITECTURE.md)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError

__all__ = ["DOC_NAME", "find_architecture_doc", "read_architecture_doc"]

#: the file name looked for when no doc path is configured
DOC_NAME = "ARCHITECTURE.md"


def find_architecture_doc(
    start_dir: str | Path | None = None, configured: str | Path | None = None
) -> Path | None:
    """The architecture doc for work in ``start_dir`` (default: the current directory), or ``None``.

    * ``configured`` (a file, or a directory holding ``ARCHITECTURE.md``) wins when given; a
      relative path is taken relative to ``start_dir``. When it does not exist, :class:`ConfigError`
      is raised: a configured doc that silently went missing would quietly change every answer.
    * Otherwise the nearest ``ARCHITECTURE.md`` is looked for in ``start_dir`` and its parents. The
      walk stops after the first directory that holds ``.git`` (the repository root) or that is the
      user's home directory, and at the filesystem root: a doc outside the project is not its doc.

    ``start_dir`` may also be a file (the notebook); its directory is used.
    """
    start = Path(start_dir).expanduser() if start_dir is not None else Path.cwd()
    start = start.absolute()
    if start.is_file():
        start = start.parent
    if configured is not None and str(configured) != "":
        return _configured_doc(start, Path(configured).expanduser())
    home = _home()
    for directory in (start, *start.parents):
        candidate = directory / DOC_NAME
        if candidate.is_file():
            return candidate
        if directory == home or (directory / ".git").exists():
            return None
    return None


def read_architecture_doc(path: str | Path) -> str:
    """The text of the doc at ``path`` (UTF-8, bad bytes replaced); ConfigError if unreadable."""
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise ConfigError(
            f"Cannot read the architecture doc {path}: {error.strerror or error}.",
            hint="Fix the file's permissions, or configure another doc path.",
        ) from None


def _configured_doc(start: Path, path: Path) -> Path:
    if not path.is_absolute():
        path = start / path
    if path.is_dir():
        path = path / DOC_NAME
    if not path.is_file():
        raise ConfigError(
            f"The configured architecture doc {path} does not exist.",
            hint="Create it, or change the doc path in your llmdev configuration.",
        )
    return path


def _home() -> Path | None:
    try:
        return Path.home().absolute()
    except (KeyError, RuntimeError):
        return None
