"""Build small real .ipynb files for tests (nbformat 4.5, fixed cell ids)."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

#: a notebook of the kind the tests edit: ids a..e
CELLS = [
    ("a", "markdown", "# Trip statistics"),
    ("b", "code", "import csv"),
    ("c", "code", "def load(path):\n    return list(csv.DictReader(open(path)))"),
    ("d", "code", "rows = load('trips.csv')\nlen(rows)"),
    ("e", "markdown", "Next: per-day counts."),
]


def write_notebook(path: Path, cells: list[tuple[str, str, str]] = CELLS) -> Path:
    """Write ``cells`` (id, type, source) as a notebook the way Jupyter would; returns the path."""
    made = []
    for cell_id, kind, source in cells:
        cell = new_code_cell(source) if kind == "code" else new_markdown_cell(source)
        cell["id"] = cell_id
        made.append(cell)
    nb = new_notebook(cells=made, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return path


def sources(path: Path) -> list[tuple[str, str, str]]:
    """(id, type, source) of every cell of the notebook at ``path``."""
    nb = nbformat.read(path, as_version=4)
    return [(cell["id"], cell["cell_type"], cell["source"]) for cell in nb.cells]
