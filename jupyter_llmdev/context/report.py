"""What went into a context and what was cut, for the user: :class:`ContextReport`."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import PurePath
from typing import Any

from .budget import format_tokens

__all__ = ["ContextReport"]


@dataclass
class ContextReport:
    """The parts of one context, the estimate of its size, and everything cut to fit the budget."""

    #: the budget asked for, in tokens
    budget: int
    #: estimated tokens of all messages (``ceil(chars / 4)``)
    tokens_estimate: int = 0
    #: whether a notebook snapshot was given at all
    has_notebook: bool = False
    #: cells considered: the notebook's cells minus the excluded ones
    cells_total: int = 0
    #: ids of the cells sent, in notebook order
    cells_included: list[str] = field(default_factory=list)
    #: ids of the cells left out for the budget, in notebook order
    cells_cut: list[str] = field(default_factory=list)
    #: the doc path as given to the context builder
    doc_path: str | None = None
    #: some or all of the doc was sent
    doc_included: bool = False
    #: the doc was not sent whole (only its start, or nothing, fitted)
    doc_truncated: bool = False
    #: names of the variables described
    variables: list[str] = field(default_factory=list)
    #: conversation messages sent
    history_messages: int = 0
    #: oldest conversation messages left out for the budget
    history_cut: int = 0
    #: ``context_cells``: most cells sent besides the target (0: no limit)
    cell_limit: int = 0

    @property
    def cut(self) -> bool:
        """Whether anything was left out or shortened to fit the budget."""
        return bool(self.cells_cut or self.doc_truncated or self.history_cut)

    @property
    def over_budget(self) -> bool:
        """Whether the parts always sent (prompt, request, target cell...) exceed the budget."""
        return self.tokens_estimate > self.budget

    def summary(self) -> str:
        """One line for the user, e.g.
        ``context: 38 of 52 cells, ARCHITECTURE.md, ~6.1k tokens (14 cells cut: budget 8k)``.

        Always a line; front ends that show it only when something was cut test :attr:`cut`.
        """
        parts = [self._cells_part(), self._doc_part()]
        if self.variables:
            parts.append(_count(len(self.variables), "variable"))
        if self.history_messages:
            parts.append(_count(self.history_messages, "earlier message"))
        parts.append(f"~{format_tokens(self.tokens_estimate)} tokens")
        cuts = []
        if self.cells_cut:
            cuts.append(f"{_count(len(self.cells_cut), 'cell')} cut")
        if self.doc_truncated:
            cuts.append("doc truncated" if self.doc_included else "doc left out")
        if self.history_cut:
            cuts.append(f"{_count(self.history_cut, 'earlier message')} cut")
        budget = f"budget {format_tokens(self.budget)}"
        if self.cell_limit and self.cells_cut:
            budget = f"context_cells {self.cell_limit}, {budget}"
        if self.over_budget:
            budget += ", still over it" if cuts else " exceeded"
        tail = ""
        if cuts:
            tail = f" ({', '.join(cuts)}: {budget})"
        elif self.over_budget:
            tail = f" ({budget})"
        return f"context: {', '.join(parts)}{tail}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (for the panel and the CLI's ``--json``), with ``summary`` added."""
        data = asdict(self)
        data["summary"] = self.summary()
        return data

    def _cells_part(self) -> str:
        if not self.has_notebook:
            return "no notebook"
        shown = len(self.cells_included)
        if shown == self.cells_total:
            return _count(shown, "cell")
        return f"{shown} of {_count(self.cells_total, 'cell')}"

    def _doc_part(self) -> str:
        if not (self.doc_included or self.doc_truncated):
            return "no architecture doc"
        return PurePath(self.doc_path).name if self.doc_path else "architecture doc"


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"
