"""What an export says to the user, the same from the CLI and the ``%llm export`` magic."""

from __future__ import annotations

import os
from pathlib import Path

from .exporter import ExportResult
from .quoting import one_line

__all__ = ["display_path", "export_report"]


def export_report(result: ExportResult) -> tuple[list[str], int]:
    """Lines to print and the exit code (1 when ``--check`` found modules out of date)."""
    lines = [f"warning: {one_line(warning, 1000)}" for warning in result.warnings]
    if result.check:
        if result.stale:
            lines.append(f"{len(result.stale)} file(s) out of date:")
            lines += [f"  {display_path(item.path)}{_sources(item.notebooks)}" for item in result.stale]
            lines.append("Run `llmdev export` to update them.")
            return lines, 1
        lines.append(f"{len(result.modules)} module(s) up to date.")
        return lines, 0
    lines += [f"wrote {display_path(item.path)}{_sources(item.notebooks)}" for item in result.written]
    unchanged = len(result.files) - len(result.written)
    lines.append(f"{len(result.written)} file(s) written, {unchanged} unchanged.")
    return lines, 0


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
