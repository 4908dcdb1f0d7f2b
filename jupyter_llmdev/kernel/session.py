"""What this kernel session recorded, per notebook, over the history saved in the notebook file.

A kernel cannot rewrite a notebook that is open in an editor, so the plans, reviews, doc
proposals and changes it makes are kept here (and sent to the JupyterLab frontend, which
stores them in the notebook). Commands read :meth:`SessionRecords.section`: the saved file's
section with this session's records laid over it, so a plan made a minute ago can be approved
and built before anyone saves.
"""

from __future__ import annotations

import copy
import os
import threading
from typing import Any

from ..notebook.changeset import ChangeSet
from ..notebook.records import Upsert, place

__all__ = ["SESSION_ONLY", "SESSION_ONLY_NOTE", "SessionRecords"]

#: what ``%llm log`` shows as the status of a change this session keeps and no notebook holds
SESSION_ONLY = "session"
#: the legend ``%llm log`` prints under such changes
SESSION_ONLY_NOTE = (f"{SESSION_ONLY}: kept in this kernel session only (no JupyterLab extension was connected); "
                     "the notebook file does not record it.")


class SessionRecords:
    """Records made in this session, keyed by the notebook's real path (``None``: no notebook)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sections: dict[str | None, dict[str, list[dict[str, Any]]]] = {}
        # ids of changes no front end took: review and fix use them, the notebook never holds them
        self._here_only: dict[str | None, set[str]] = {}

    def section(self, path: str | None) -> dict[str, Any]:
        """The saved section of the notebook at ``path`` (if any) with this session's records over it.

        Raises the ``MetadataError`` / ``MetadataVersionError`` of a corrupt or newer saved section.
        """
        from ..notebook.metadata import empty_section, read_section

        if path and os.path.isfile(path):
            from ..notebook.io import read_notebook

            section = read_section(read_notebook(path), path=path)
        else:
            section = empty_section()
        with self._lock:
            overlay = copy.deepcopy(self._sections.get(_key(path), {}))
        _lay_over(section, overlay)
        return section

    @staticmethod
    def check(updates: list[Upsert], changeset: ChangeSet | None = None) -> None:
        """Raise MetadataError unless ``updates`` and ``changeset`` are valid records.

        Only the new records are checked (as a section of their own): the saved file is not read.
        """
        from ..notebook.metadata import empty_section, validate_section

        alone = empty_section()
        _lay_over(alone, _grouped(updates, changeset))
        validate_section(alone)

    def add(self, path: str | None, updates: list[Upsert], changeset: ChangeSet | None = None) -> None:
        """Keep ``updates`` and ``changeset``; MetadataError (and nothing kept) when one is invalid."""
        self.check(updates, changeset)
        with self._lock:
            own = self._sections.setdefault(_key(path), {})
            _lay_over(own, _grouped(updates, changeset))


    def keep_here_only(self, path: str | None, change_id: str) -> None:
        """Mark a kept change as one no front end recorded (headless: nbclient, VS Code, IPython)."""
        with self._lock:
            self._here_only.setdefault(_key(path), set()).add(change_id)

    def shown_status(self, path: str | None) -> dict[str, str]:
        """The status ``%llm log`` shows instead of the recorded one, by change id: ``session`` for
        the changes kept here only, so the log says what the delivery note said."""
        with self._lock:
            return {change_id: SESSION_ONLY for change_id in self._here_only.get(_key(path), ())}


def _key(path: str | None) -> str | None:
    return os.path.realpath(path) if path else None


def _grouped(updates: list[Upsert], changeset: ChangeSet | None) -> dict[str, list[dict[str, Any]]]:
    """Copies of the records by section key (the change under ``changes``)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    if changeset is not None:
        grouped["changes"] = [changeset.to_dict()]
    for kind, record in updates:
        grouped.setdefault(kind, []).append(copy.deepcopy(record))
    return grouped


def _lay_over(section: dict[str, Any], overlay: dict[str, list[dict[str, Any]]]) -> None:
    """Records of ``overlay`` replace those of ``section`` with the same id, or are appended."""
    for kind, records in overlay.items():
        place(section.setdefault(kind, []), records)
