"""Notebooks to importable modules (nbdev-compatible directives), and module edits back to cells."""

from __future__ import annotations

from typing import Any

from .exporter import ExportedFile, ExportResult, export_notebooks

__all__ = [
    "ExportResult",
    "ExportedFile",
    "SyncResult",
    "SyncedNotebook",
    "export_notebooks",
    "sync_modules",
]

_SYNC_NAMES = ("SyncResult", "SyncedNotebook", "sync_modules")


def __getattr__(name: str) -> Any:
    # sync needs the ChangeSet machinery; export alone stays cheap to import
    if name in _SYNC_NAMES:
        from . import sync

        return getattr(sync, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
