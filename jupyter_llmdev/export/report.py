"""What an export says to the user, the same from the CLI, the ``%llm export`` magic and the panel.

Every command it tells the user to run is one that works where they are: the export they ran,
with the paths they gave (``llmdev export`` alone only when they gave none, which means it just
worked there).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from .exporter import ExportResult
from .nbdev_settings import NbdevSettings
from ..safety.terminal import one_line

__all__ = ["display_path", "export_command", "export_report", "history_warning"]


def export_report(result: ExportResult) -> tuple[list[str], int]:
    """Lines to print and the exit code (1 when ``--check`` found modules out of date).

    Lines starting with ``warning:`` or ``note:`` are for stderr.
    """
    lines = [f"warning: {one_line(warning, 1000)}" for warning in result.warnings]
    lines += [f"warning: {history_warning(settings)}" for settings in result.history_at_risk]
    lines += [f"note: {display_path(notebook)} has no exported cells; skipped." for notebook in result.skipped]
    if result.check:
        if result.stale:
            lines.append(f"{len(result.stale)} file(s) out of date:")
            lines += [f"  {display_path(item.path)}{_sources(item.notebooks)}" for item in result.stale]
            lines.append(f"Run `{export_command(result.given, result.to)}` to update them.")
            return lines, 1
        lines.append(f"{len(result.modules)} module(s) up to date.")
        return lines, 0
    lines += [f"wrote {display_path(item.path)}{_sources(item.notebooks)}" for item in result.written]
    unchanged = len(result.files) - len(result.written)
    lines.append(f"{len(result.written)} file(s) written, {unchanged} unchanged.")
    return lines, 0


def export_command(given: tuple[str, ...] | list[str], to: str | None = None) -> str:
    """The ``llmdev export`` command line for these paths, quoted for a shell, on one line."""
    words = ["llmdev", "export", *given, *(["--to", to] if to is not None else [])]
    return one_line(shlex.join(words), 1000)


def history_warning(settings: NbdevSettings) -> str:
    """One line: nbdev_clean would delete llmdev's history; the file, and the exact lines to write."""
    fixes = settings.fixes()
    added = [f"`{line}`" for verb, line in fixes if verb == "add"]
    changed = [f"`{line}`" for verb, line in fixes if verb == "change"]
    steps = []
    if added:
        steps.append("add " + " and ".join(added))
    if changed:
        lines = "line" if len(changed) == 1 else "lines"
        steps.append(f"change the existing {lines} to " + " and ".join(changed))
    return (
        "nbdev_clean (which nbdev's git hooks run) will delete llmdev's history (metadata "
        f"jupyter_llmdev) from this project's notebooks: in {display_path(settings.file)} under "
        f"{settings.section}, {'; '.join(steps)}."
    )


def display_path(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it, else as is; control
    characters escaped (notebook names are untrusted and go to a terminal)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return one_line(path, 1000)
    return one_line(path if relative.startswith("..") else relative, 1000)


def _sources(notebooks: tuple[Path, ...]) -> str:
    return f" (from {', '.join(display_path(nb) for nb in notebooks)})" if notebooks else ""
