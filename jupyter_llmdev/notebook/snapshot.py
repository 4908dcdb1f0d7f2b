"""A read-only view of a notebook: what the engine needs as context, from any source.

Snapshots come from a saved .ipynb (CLI, kernels without the labextension), from the comm
message the JupyterLab frontend pushes before a ``%llm`` cell runs, or from the side panel.
Outputs are reduced to trimmed text: images and other rich data never reach the model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["CellSnapshot", "NotebookSnapshot", "outputs_text"]

#: characters of text output kept per cell (head and tail); the rest is elided
OUTPUT_CHARS = 2000


@dataclass(frozen=True)
class CellSnapshot:
    """One cell: id, type, source and its text outputs (already trimmed)."""

    id: str
    cell_type: str
    source: str
    outputs: str = ""


@dataclass
class NotebookSnapshot:
    """The cells of one notebook plus where the user is working."""

    cells: list[CellSnapshot]
    path: str | None = None
    #: the cell the request is about (the executing ``%llm`` cell, the active cell)
    active_cell_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def index(self, cell_id: str | None) -> int | None:
        """Position of ``cell_id``, or ``None`` when absent."""
        for position, cell in enumerate(self.cells):
            if cell.id == cell_id:
                return position
        return None

    @classmethod
    def from_notebook(
        cls, nb: Any, *, path: str | None = None, active_cell_id: str | None = None
    ) -> NotebookSnapshot:
        """Snapshot of an nbformat v4 node (``nbformat.NotebookNode`` or plain dict)."""
        cells = [
            CellSnapshot(
                id=str(cell.get("id", "")),
                cell_type=cell.get("cell_type", "code"),
                source=_joined(cell.get("source", "")),
                outputs=outputs_text(cell.get("outputs") or []),
            )
            for cell in nb.get("cells", [])
        ]
        return cls(cells=cells, path=path, active_cell_id=active_cell_id)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> NotebookSnapshot:
        """Snapshot from the frontend's JSON (comm or websocket ``snapshot`` field).

        Expects ``{"cells": [{"id", "cell_type", "source", "outputs"?}], "path"?, "active_cell_id"?}``;
        ``outputs`` may be text or a list of nbformat output dicts.
        """
        cells = []
        for cell in data.get("cells") or []:
            outputs = cell.get("outputs") or ""
            if not isinstance(outputs, str):
                outputs = outputs_text(outputs)
            cells.append(
                CellSnapshot(
                    id=str(cell["id"]),
                    cell_type=str(cell.get("cell_type", "code")),
                    source=_joined(cell.get("source", "")),
                    outputs=_trim(outputs),
                )
            )
        return cls(cells=cells, path=data.get("path"), active_cell_id=data.get("active_cell_id"))

    def to_wire(self) -> dict[str, Any]:
        """The JSON form accepted by :meth:`from_wire`."""
        return {
            "path": self.path,
            "active_cell_id": self.active_cell_id,
            "cells": [
                {"id": c.id, "cell_type": c.cell_type, "source": c.source, "outputs": c.outputs}
                for c in self.cells
            ],
        }


def outputs_text(outputs: list[dict[str, Any]]) -> str:
    """Text of nbformat outputs: streams, ``text/plain`` results and errors; no images."""
    parts: list[str] = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(_joined(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            text = (output.get("data") or {}).get("text/plain")
            if text is not None:
                parts.append(_joined(text))
        elif kind == "error":
            parts.append(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    return _trim("\n".join(part.rstrip("\n") for part in parts if part))


def _joined(source: str | list[str]) -> str:
    return source if isinstance(source, str) else "".join(source)


def _trim(text: str, limit: int = OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    head = limit * 2 // 3
    tail = limit - head
    return f"{text[:head]}\n... [{len(text) - limit} characters trimmed] ...\n{text[-tail:]}"
