"""The usage ledger: tokens spent per role and model, from every record in a notebook's metadata.

Every model call leaves a record: a change made by a model (it names its ``model``), an
architect's plan turn, a reviewer that produced a review, a doc proposal. Its ``usage`` holds
the counts the server reported; a server that reported none (llama.cpp without
``stream_options``, some proxies) leaves it ``{}``: unknown, never zero. Records of no call
(reverts, syncs, approvals, failed reviewers) are not counted.

Totals add the known counts only and say how many calls were unknown ("n/a" when all of them
were); the cost likewise. Costs need prices per million tokens, looked up by
``provider:model``, then ``model``; without them only tokens are shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..llm.types import Usage

__all__ = ["ROLE_ORDER", "UsageRow", "format_usage", "usage_rows"]

#: prices of one model in money per million tokens: {"prompt", "completion", "cached"?}
Prices = Mapping[str, Mapping[str, float]]


@dataclass
class UsageRow:
    """Totals of one (role, model) pair: the known counts, and the calls whose usage is unknown."""

    role: str
    model: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: cached prompt tokens, as far as the servers reported them (absent counts as none cached)
    cached_tokens: int = 0
    #: calls whose server reported no usage: left out of the token counts and the cost
    unknown: int = 0

    @property
    def known(self) -> int:
        """Calls whose tokens are counted."""
        return self.calls - self.unknown

    def add(self, usage: Usage) -> None:
        """Count one call."""
        self.calls += 1
        if not usage.known:
            self.unknown += 1
            return
        self.prompt_tokens += usage.prompt_tokens or 0
        self.completion_tokens += usage.completion_tokens or 0
        self.cached_tokens += usage.cached_tokens or 0

    def cost(self, prices: Prices) -> float | None:
        """The cost of the known calls at ``prices`` (``None`` when this model has no price);
        cached tokens at the cached price."""
        price = prices.get(self.model) or prices.get(self.model.split(":", 1)[-1])
        if price is None:
            return None
        prompt = float(price.get("prompt", 0.0))
        cached = float(price.get("cached", prompt))
        uncached = max(self.prompt_tokens - self.cached_tokens, 0)
        completion = float(price.get("completion", 0.0))
        total = uncached * prompt + self.cached_tokens * cached + self.completion_tokens * completion
        return total / 1_000_000


#: the order of roles in the table; other roles (ask, ...) follow in the order first seen
ROLE_ORDER = ("architect", "developer", "reviewer")


def usage_rows(section: dict[str, Any]) -> list[UsageRow]:
    """One row per (role, ``provider:model``): architect, developer, reviewer, then the rest as first seen."""
    rows: dict[tuple[str, str], UsageRow] = {}
    for role, provider, model, usage in _entries(section):
        name = f"{provider}:{model}" if provider else (model or "-")
        rows.setdefault((role, name), UsageRow(role, name)).add(Usage.from_dict(usage))
    rank = {role: number for number, role in enumerate(ROLE_ORDER)}
    return sorted(rows.values(), key=lambda row: rank.get(row.role, len(ROLE_ORDER)))


def format_usage(rows: list[UsageRow], prices: Prices | None = None) -> list[str]:
    """A table of ``rows`` with a total line, then what "unknown" means (if any call was), then a
    cost line (or why there is no cost)."""
    if not rows:
        return ["No model usage recorded in this notebook yet."]
    total = UsageRow("total", "", sum(r.calls for r in rows), sum(r.prompt_tokens for r in rows),
                     sum(r.completion_tokens for r in rows), sum(r.cached_tokens for r in rows),
                     sum(r.unknown for r in rows))
    unknown = total.unknown > 0
    header = ("role", "model", "calls", "prompt", "completion", "cached") + (("unknown",) if unknown else ())
    table = [header] + [_cells(row, unknown) for row in [*rows, total]]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    lines = []
    for line in table:
        left = [cell.ljust(width) for cell, width in zip(line[:2], widths[:2])]
        right = [cell.rjust(width) for cell, width in zip(line[2:], widths[2:])]
        lines.append("  ".join(left + right).rstrip())
    if unknown:
        lines.append(f"unknown: {_calls(total.unknown)} of {total.calls} whose server reported no token usage "
                     "(n/a); the token counts and the cost leave them out.")
    lines.append(_cost_line(rows, prices))
    return lines


def _cells(row: UsageRow, with_unknown: bool) -> tuple[str, ...]:
    if row.known == 0:
        tokens = ("n/a", "n/a", "n/a")
    else:
        tokens = (f"{row.prompt_tokens:,}", f"{row.completion_tokens:,}", f"{row.cached_tokens:,}")
    return (row.role, row.model, f"{row.calls}", *tokens) + ((f"{row.unknown}",) if with_unknown else ())


def _calls(count: int) -> str:
    return f"{count} call{'' if count == 1 else 's'}"


def _cost_line(rows: list[UsageRow], prices: Prices | None) -> str:
    if not prices:
        return "cost: prices are not configured (tokens only)."
    costs = {(row.role, row.model): row.cost(prices) for row in rows}
    priced = [row for row in rows if costs[(row.role, row.model)] is not None]
    missing = sorted({row.model for row in rows if costs[(row.role, row.model)] is None})
    notes = [f"no price for {', '.join(missing)}"] if missing else []
    unknown = sum(row.unknown for row in priced)
    if priced and all(row.known == 0 for row in priced):
        return f"cost: n/a ({'; '.join([f'usage unknown for all {_calls(unknown)} of priced models', *notes])})"
    if unknown:
        notes.append(f"without {_calls(unknown)} of unknown usage")
    known = sum(cost for cost in costs.values() if cost is not None)
    return f"cost: {known:.4f}" + (f" ({'; '.join(notes)})" if notes else "")


def _entries(section: dict[str, Any]) -> Iterator[tuple[str, str | None, str | None, Any]]:
    """(role, provider, model, usage) of every model call recorded in ``section``."""
    for change in section.get("changes", []):
        # a model made it (reverts, syncs and approvals name none); old records: usage says so
        if change.get("model") or change.get("usage"):
            yield change["role"], change.get("provider"), change.get("model"), change.get("usage")
    for plan in section.get("plans", []):
        for turn in plan.get("conversation", []):
            if turn["role"] == "assistant":
                yield "architect", turn.get("provider"), turn.get("model"), turn.get("usage")
    for review in section.get("reviews", []):
        for reviewer in review["reviewers"]:
            # a reviewer that failed produced no review to count, unless its server reported usage
            if reviewer.get("error") is None or reviewer.get("usage"):
                yield "reviewer", reviewer.get("provider"), reviewer["model"], reviewer.get("usage")
    for doc in section.get("docs", []):
        yield "architect", doc.get("provider"), doc.get("model"), doc.get("usage")
