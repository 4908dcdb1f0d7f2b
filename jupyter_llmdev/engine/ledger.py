"""The usage ledger: tokens spent per role and model, from every record in a notebook's metadata.

Changes carry their usage; so do the architect's plan turns, each reviewer of a review and each
doc proposal. A record with an empty usage made no model call (reverts, syncs, failed reviewers)
and is not counted. Costs need prices per million tokens, looked up by ``provider:model``, then
``model``; without them only tokens are shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ROLE_ORDER", "UsageRow", "format_usage", "usage_rows"]

#: prices of one model in money per million tokens: {"prompt", "completion", "cached"?}
Prices = Mapping[str, Mapping[str, float]]


@dataclass
class UsageRow:
    """Totals of one (role, model) pair."""

    role: str
    model: str
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0

    def cost(self, prices: Prices) -> float | None:
        """The cost at ``prices`` (``None`` when this model has no price); cached tokens at the cached price."""
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
        row = rows.setdefault((role, name), UsageRow(role, name))
        row.calls += 1
        row.prompt_tokens += int(usage.get("prompt_tokens", 0))
        row.completion_tokens += int(usage.get("completion_tokens", 0))
        row.cached_tokens += int(usage.get("cached_tokens", 0))
    rank = {role: number for number, role in enumerate(ROLE_ORDER)}
    return sorted(rows.values(), key=lambda row: rank.get(row.role, len(ROLE_ORDER)))


def format_usage(rows: list[UsageRow], prices: Prices | None = None) -> list[str]:
    """A table of ``rows`` with a total line, then a cost line (or why there is no cost)."""
    if not rows:
        return ["No model usage recorded in this notebook yet."]
    total = UsageRow("total", "", sum(r.calls for r in rows), sum(r.prompt_tokens for r in rows),
                     sum(r.completion_tokens for r in rows), sum(r.cached_tokens for r in rows))
    header = ("role", "model", "calls", "prompt", "completion", "cached")
    table = [header] + [(r.role, r.model, f"{r.calls}", f"{r.prompt_tokens:,}", f"{r.completion_tokens:,}",
                         f"{r.cached_tokens:,}") for r in [*rows, total]]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    lines = []
    for line in table:
        left = [cell.ljust(width) for cell, width in zip(line[:2], widths[:2])]
        right = [cell.rjust(width) for cell, width in zip(line[2:], widths[2:])]
        lines.append("  ".join(left + right).rstrip())
    lines.append(_cost_line(rows, prices))
    return lines


def _cost_line(rows: list[UsageRow], prices: Prices | None) -> str:
    if not prices:
        return "cost: prices are not configured (tokens only)."
    costs = {row.model: row.cost(prices) for row in rows}
    known = sum(cost for cost in costs.values() if cost is not None)
    missing = sorted({model for model, cost in costs.items() if cost is None})
    line = f"cost: {known:.4f}"
    return line + (f" (no price for {', '.join(missing)})" if missing else "")


def _entries(section: dict[str, Any]) -> Iterator[tuple[str, str | None, str | None, dict[str, int]]]:
    for change in section.get("changes", []):
        if change.get("usage"):
            yield change["role"], change.get("provider"), change.get("model"), change["usage"]
    for plan in section.get("plans", []):
        for turn in plan.get("conversation", []):
            if turn["role"] == "assistant" and turn.get("usage"):
                yield "architect", turn.get("provider"), turn.get("model"), turn["usage"]
    for review in section.get("reviews", []):
        for reviewer in review["reviewers"]:
            if reviewer.get("usage"):
                yield "reviewer", reviewer.get("provider"), reviewer["model"], reviewer["usage"]
    for doc in section.get("docs", []):
        if doc.get("usage"):
            yield "architect", doc.get("provider"), doc.get("model"), doc["usage"]
