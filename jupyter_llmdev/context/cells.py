"""The notebook part of the context: cells rendered with their ids, chosen nearest to the target."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from pathlib import Path, PurePath

from ..notebook.snapshot import CellSnapshot, NotebookSnapshot

__all__ = ["CellSelection", "NotebookView", "is_llm_magic", "render_cell", "shown_notebook_path"]

# A ``%llm`` / ``%%llm`` line: the cell is a request; its output is the streamed reply, whose cells
# are already in the notebook, so the output is left out (the request itself stays).
_LLM_MAGIC = re.compile(r"^[ \t]*%%?llm\b", re.MULTILINE)

# No rendered cell is shorter than this (tags, an id and a position), so once the budget left is
# smaller, every remaining cell is cut without being rendered.
_MIN_CELL_CHARS = 40


def is_llm_magic(source: str) -> bool:
    """Whether ``source`` has a ``%llm`` or ``%%llm`` line (the cell is a request to the model)."""
    return "llm" in source and _LLM_MAGIC.search(source) is not None


def shown_notebook_path(path: str | None) -> str | None:
    """The notebook's path as the model sees it: relative to its project root, never absolute.

    Where the notebook lives on disk (user names, client folders) is none of the provider's
    business. An absolute path (or one with ``..``) becomes relative to
    :func:`~jupyter_llmdev.safety.paths.project_root` of the notebook; the server's notebooks
    lie inside its root folder, so theirs never leaves it either. A path that cannot be made
    relative (the root is the file system's root) is sent as the file name alone.
    """
    if not path:
        return None
    given = PurePath(path)
    if not given.is_absolute() and ".." not in given.parts:
        return given.as_posix()
    from ..safety.paths import project_root

    real = Path(os.path.realpath(path))
    root = project_root(real)
    if root.parent == root or (root != real and root not in real.parents):
        return real.name
    return real.relative_to(root).as_posix()


def render_cell(cell: CellSnapshot, position: int, *, target: bool = False) -> str:
    """One cell as the model sees it: ``<cell id n type [target]>source</cell>``, ``<output>``."""
    marker = ' target="true"' if target else ""
    source = cell.source[:-1] if cell.source.endswith("\n") else cell.source
    opening = f'<cell id="{cell.id}" n="{position}" type="{cell.cell_type}"{marker}>'
    text = f"{opening}\n{source}\n</cell>"
    if cell.outputs.strip() and not is_llm_magic(cell.source):
        text += f"\n<output>\n{cell.outputs.rstrip()}\n</output>"
    return text


@dataclass
class CellSelection:
    """The rendered ``<notebook>`` section and which cells made it in."""

    text: str
    #: ids of the cells shown, in notebook order
    included: list[str]
    #: ids of the cells left out for the budget, in notebook order
    cut: list[str]
    #: cells considered (the notebook's cells minus the excluded ones)
    total: int


class NotebookView:
    """The cells of a snapshot that may be sent, and where the target is among them.

    The target is ``target_cell_id`` (or the snapshot's active cell); without one, the end of the
    notebook is where "nearest" is measured from. Excluded cells are never shown nor reported cut;
    an excluded target (the ``%%llm`` cell itself) still marks where "nearest" is measured from.
    """

    def __init__(
        self, snapshot: NotebookSnapshot, target_cell_id: str | None, exclude: Iterable[str] = ()
    ) -> None:
        excluded = set(exclude)
        self.snapshot = snapshot
        #: (1-based position in the notebook, cell) of every cell that may be sent
        self.cells = [
            (position, cell)
            for position, cell in enumerate(snapshot.cells, start=1)
            if cell.id not in excluded
        ]
        wanted = target_cell_id if target_cell_id is not None else snapshot.active_cell_id
        found = snapshot.index(wanted) if wanted is not None else None
        where = found + 1 if found is not None else len(snapshot.cells) + 1
        #: index in ``cells`` of the first cell at or after the target's notebook position
        self.split = sum(1 for position, _ in self.cells if position < where)
        #: index of the target in ``cells``; ``None`` when there is none or it is excluded
        self.target: int | None = None
        if self.split < len(self.cells) and self.cells[self.split][0] == where:
            self.target = self.split
        self._rendered: dict[int, str] = {}
        #: the path the model sees (looked up once: finding the project root reads the disk)
        self._path = shown_notebook_path(snapshot.path)
        count = len(snapshot.cells)
        self._header_reserve = len(self._header(count)) + len(_FOOTER)

    @property
    def minimum_chars(self) -> int:
        """Characters the section takes with the target cell alone (it is always sent)."""
        if self.target is not None:
            return self._header_reserve + len(self._render(self.target)) + 1
        return self._header_reserve

    def select(self, budget_chars: int, max_cells: int = 0) -> CellSelection:
        """Cells nearest to the target first while they fit in ``budget_chars``, shown in order.

        A cell too big for what is left is cut and the next nearest is tried, so one huge cell
        does not hide all the others. The target cell is always included and not counted in
        ``max_cells`` (``context_cells``: at most that many other cells; 0 = no limit).
        """
        remaining = budget_chars - self._header_reserve
        chosen: set[int] = set()
        others = 0
        for index in self._nearest_first():
            full = remaining < _MIN_CELL_CHARS or (max_cells and others >= max_cells)
            if full and index != self.target:
                break
            cost = len(self._render(index)) + 1
            if cost <= remaining or index == self.target:
                chosen.add(index)
                remaining -= cost
                others += index != self.target
        included = [self.cells[index][1].id for index in sorted(chosen)]
        cut = [cell.id for index, (_, cell) in enumerate(self.cells) if index not in chosen]
        body = "\n".join(self._render(index) for index in sorted(chosen))
        header = self._header(len(chosen))
        text = f"{header}{body}\n{_FOOTER}" if body else f"{header}{_FOOTER}"
        return CellSelection(text=text, included=included, cut=cut, total=len(self.cells))

    def _nearest_first(self) -> Iterator[int]:
        """The target, then the cells above and below it in turn (above first on a tie)."""
        first_below = self.split
        if self.target is not None:
            yield self.target
            first_below += 1
        above = range(self.split - 1, -1, -1)
        below = range(first_below, len(self.cells))
        for up, down in zip_longest(above, below):
            if up is not None:
                yield up
            if down is not None:
                yield down

    def _render(self, index: int) -> str:
        text = self._rendered.get(index)
        if text is None:
            position, cell = self.cells[index]
            text = render_cell(cell, position, target=index == self.target)
            self._rendered[index] = text
        return text

    def _header(self, shown: int) -> str:
        path = f' path="{self._path}"' if self._path else ""
        return f'<notebook{path} cells="{len(self.snapshot.cells)}" shown="{shown}">\n'


_FOOTER = "</notebook>"
