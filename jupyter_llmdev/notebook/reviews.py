"""Review records (``metadata.jupyter_llmdev.reviews``): reviewers' findings and the fixes made.

A review is one ``review`` command: ``{id, change, plan_id, time, reviewers, fixes}``. Each
reviewer entry holds its model, its findings and verdict, or the error that stopped it.
Findings are numbered from 1 across the reviewers, in order; ``fix --only N,M`` uses those
numbers, and ``fixes`` records which change fixed which findings.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from ..errors import CommandError
from .changeset import new_change_id
from .records import find_record, malformed, now

__all__ = [
    "NumberedFinding",
    "Review",
    "add_fix",
    "find_review",
    "latest_review",
    "new_review",
    "numbered_findings",
    "parse_only",
    "reviewer_entry",
    "select_findings",
]


@dataclass(frozen=True)
class NumberedFinding:
    """A finding with its number in the review and the reviewer that made it."""

    number: int
    reviewer: str
    severity: str
    cell_id: str | None
    text: str

    def line(self) -> str:
        """``3. [high] cell=abc: text`` (the form the developer gets)."""
        return f"{self.number}. [{self.severity}] cell={self.cell_id or '-'}: {self.text}"


def reviewer_entry(*, model: str, provider: str | None, parsed: Any = None, error: str | None = None,
                   usage: dict[str, int] | None = None) -> dict[str, Any]:
    """One reviewer's part of a review, from a parsed :class:`~jupyter_llmdev.replies.Review` or an error."""
    return {
        "model": model,
        "provider": provider,
        "verdict": parsed.verdict if parsed is not None else None,
        "summary": parsed.summary if parsed is not None else "",
        "findings": [finding.to_dict() for finding in parsed.findings] if parsed is not None else [],
        "error": error,
        "usage": dict(usage or {}),
    }


@dataclass(frozen=True)
class Review:
    """One review record, typed (the dict form is storage and wire; every key is required).

    ``reviewers`` and ``fixes`` stay the stored entries (``reviewer_entry`` and
    ``{change, findings}``); ``to_dict(from_dict(r)) == r`` for every valid record.
    """

    id: str
    change: str
    plan_id: str | None
    time: str
    reviewers: tuple[dict[str, Any], ...]
    fixes: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Review:
        try:
            review = cls(
                id=data["id"], change=data["change"], plan_id=data["plan_id"], time=data["time"],
                reviewers=tuple(copy.deepcopy(list(data["reviewers"]))),
                fixes=tuple(copy.deepcopy(list(data["fixes"]))),
            )
        except (KeyError, TypeError, AttributeError):
            raise malformed("review", data) from None
        texts = (review.id, review.change, review.time)
        if not all(isinstance(value, str) for value in texts):
            raise malformed("review", data)
        return review

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "change": self.change, "plan_id": self.plan_id, "time": self.time,
            "reviewers": copy.deepcopy(list(self.reviewers)),
            "fixes": copy.deepcopy(list(self.fixes)),
        }


def new_review(change_id: str, plan_id: str | None, reviewers: list[dict[str, Any]]) -> dict[str, Any]:
    """A review record of ``change_id`` by ``reviewers`` (entries from :func:`reviewer_entry`)."""
    return {"id": new_change_id(), "change": change_id, "plan_id": plan_id, "time": now(),
            "reviewers": reviewers, "fixes": []}


def find_review(section: dict[str, Any], ref: str) -> dict[str, Any]:
    """A copy of the review with id (or unique prefix) ``ref``; ChangeNotFound otherwise."""
    return copy.deepcopy(find_record(section["reviews"], ref, "review", "see `review`"))


def latest_review(section: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of the newest review, or ``None``."""
    return copy.deepcopy(section["reviews"][-1]) if section["reviews"] else None


def numbered_findings(review: dict[str, Any]) -> list[NumberedFinding]:
    """Every finding of ``review``, numbered from 1 across its reviewers in order."""
    found: list[NumberedFinding] = []
    for entry in review["reviewers"]:
        label = f"{entry['provider']}:{entry['model']}" if entry.get("provider") else entry["model"]
        for finding in entry["findings"]:
            found.append(NumberedFinding(len(found) + 1, label, finding["severity"], finding["cell_id"],
                                         finding["text"]))
    return found


def parse_only(text: str) -> list[int]:
    """``"1,3"`` or ``"2-4,7"`` -> sorted finding numbers; CommandError for anything else."""
    numbers: set[int] = set()
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise CommandError(f"--only takes finding numbers like 1,3 or 2-4, not {text!r}.")
        first, last = int(low), int(high) if dash else int(low)
        numbers.update(range(min(first, last), max(first, last) + 1))
    if not numbers:
        raise CommandError("--only needs at least one finding number, e.g. --only 1,3.")
    return sorted(numbers)


def select_findings(review: dict[str, Any], only: list[int] | None) -> list[NumberedFinding]:
    """The findings to fix: all of them, or the numbers in ``only``; CommandError when none or out of range."""
    findings = numbered_findings(review)
    if not findings:
        failed = [entry for entry in review["reviewers"] if entry.get("error")]
        why = " (some reviewers failed; run review again)" if failed else ""
        raise CommandError(f"Review {review['id']} has no findings to fix{why}.")
    if only is None:
        return findings
    unknown = [number for number in only if not 1 <= number <= len(findings)]
    if unknown:
        raise CommandError(f"Review {review['id']} has findings 1 to {len(findings)}; "
                           f"there is no {', '.join(map(str, unknown))}.")
    return [finding for finding in findings if finding.number in only]


def add_fix(review: dict[str, Any], change_id: str, numbers: list[int]) -> dict[str, Any]:
    """``review`` recording that change ``change_id`` fixes findings ``numbers``."""
    updated = copy.deepcopy(review)
    updated["fixes"].append({"change": change_id, "findings": sorted(numbers)})
    return updated
