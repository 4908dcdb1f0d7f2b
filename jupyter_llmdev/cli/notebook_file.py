"""What every CLI command that edits a notebook does: open it, stream the model, save all or nothing."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ..errors import Cancelled, CommandError, LLMError
from .output import use_color

__all__ = ["check_cell", "notebook_path", "open_notebook", "save", "streamed"]

T = TypeVar("T")


def notebook_path(path: Path) -> Path:
    """``path``, when it names a notebook (``.ipynb``); else a CommandError saying so.

    Without this, ``llmdev ask core.py`` reads the module as JSON and calls it a damaged
    notebook to restore from version control, which it is not.
    """
    if path.suffix.lower() != ".ipynb":
        hint = "Give the notebook (a .ipynb file)."
        if path.suffix.lower() == ".py":
            hint += f" To bring edits of an exported module back into its notebook: `llmdev sync {path}`."
        raise CommandError(f"{path} is not a notebook (.ipynb).", hint=hint)
    return path


def open_notebook(path: Path) -> tuple[Any, dict[str, Any], Any]:
    """The notebook, its history section and its snapshot.

    A corrupt or newer history raises here, before any token is spent.
    """
    from ..notebook.io import read_notebook
    from ..notebook.metadata import read_section
    from ..notebook.snapshot import NotebookSnapshot

    nb = read_notebook(notebook_path(path))
    section = read_section(nb, path=str(path))
    return nb, section, NotebookSnapshot.from_notebook(nb, path=str(path.resolve()))


def check_cell(snapshot: Any, cell_id: str | None, path: Path) -> None:
    """CommandError naming the notebook's cells when ``cell_id`` is given but not one of them."""
    if cell_id and snapshot.index(cell_id) is None:
        ids = ", ".join(cell.id for cell in snapshot.cells[:12])
        raise CommandError(f"{path} has no cell with id {cell_id!r}.", hint=f"Its cells: {ids or 'none'}")


def streamed(request: Callable[[Any], T], *, show_text: bool = True) -> T:
    """Run ``request(sink)`` with the reply streaming to stdout and status lines to stderr."""
    from ..llm.types import Delta
    from ..streamview import StreamView

    view = StreamView(rich=False)

    def sink(event: Any) -> None:
        if show_text or not isinstance(event, Delta):
            view(event)

    try:
        result = request(sink)
    except LLMError as error:
        view.stopped(error.partial if show_text else "", cancelled=isinstance(error, Cancelled))
        raise
    view.end_text()
    return result


def save(path: Path, nb: Any, updates: list[Any], changeset: Any = None, *, dry_run: bool = False) -> bool:
    """Apply ``changeset`` and store ``updates`` in ``nb``, then write the file atomically.

    With ``dry_run`` the change is shown as a diff and nothing is written. On any error the file
    is left byte-identical. Returns whether the file was written.
    """
    import copy

    from ..notebook.io import write_notebook
    from ..notebook.records import commit

    target = copy.deepcopy(nb) if dry_run else nb
    commit(target, updates, changeset)
    if dry_run:
        if changeset is not None:
            from ..notebook.history import diff_change

            print(diff_change(target, changeset.id, color=use_color(), display=True))
        print("[llm] dry run: nothing written.", file=sys.stderr)
        return False
    write_notebook(path, nb)
    return True
