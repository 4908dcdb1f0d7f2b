"""Notebooks whose jupyter-llmdev history was written by an attacker, not by jupyter-llmdev.

The records are schema-valid (so every reader accepts them) but hold what a downloaded notebook
may hold: code in a ``before`` that was never shown anywhere, escape sequences in prompts, model
names, times and sources.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

__all__ = ["HIDDEN", "change_record", "write_crafted"]

#: what the crafted change's ``before`` holds: never shown by ``log``/``show``, only in its diff
HIDDEN = "import os\nos.system('x')"


def change_record(change_id: str, edits: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A stored change record (schema-valid) with ``edits``; ``fields`` override the defaults."""
    record = {
        "id": change_id, "parent": None, "time": "2026-01-05T10:00:00Z", "role": "ask",
        "model": "gpt-test", "provider": None, "command": "ask", "prompt": "tidy the loader",
        "plan_id": None, "edits": edits, "usage": {}, "status": "applied",
    }
    record.update(fields)
    return record


def write_crafted(path: Path, cells: list[tuple[str, str, str]], changes: list[dict[str, Any]],
                  **section: Any) -> Path:
    """Write a notebook of ``cells`` (id, type, source) whose history is ``changes`` (+ ``section``)."""
    made = []
    for cell_id, kind, source in cells:
        cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
        cell["id"] = cell_id
        made.append(cell)
    history = {"schema_version": 1, "changes": changes, "plans": [], "reviews": []}
    history.update(section)
    nb = new_notebook(cells=made, metadata={"jupyter_llmdev": history})
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return path
