"""Reviewer reply text -> findings and verdict, in the format reviewer.txt asks for.

A finding is a line ``- [high|medium|low] cell=ID: text`` (bullet, bold and ``cell=`` optional,
``cell=-`` for none), continued by the indented lines after it. The verdict is the last
``VERDICT: approve|changes`` line. Every other non-blank line goes to :attr:`Review.summary`, so
nothing the reviewer wrote is lost.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["SEVERITIES", "Finding", "Review", "parse_review"]

Severity = Literal["high", "medium", "low"]
Verdict = Literal["approve", "changes"]

#: severities, most severe first
SEVERITIES: tuple[Severity, ...] = ("high", "medium", "low")
# words reviewers use instead of the asked-for ones
_SEVERITY_ALIASES: dict[str, Severity] = {
    "critical": "high",
    "blocker": "high",
    "major": "medium",
    "minor": "low",
    "nit": "low",
}

_FINDING = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*\**\[(?P<severity>[a-z]+)\]\**\s*"
    r"(?:\(?cell\s*[=:]\s*`?(?P<cell>[A-Za-z0-9_-]+)`?\)?)?\s*[:\u2013\u2014-]?\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_VERDICT = re.compile(
    r"^\W*verdict\W*\s*(?P<verdict>approve|approved|changes|request changes|changes requested)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Finding:
    """One problem a reviewer found."""

    severity: Severity
    text: str
    #: the cell it is about; ``None`` for a finding about no single cell
    cell_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Review:
    """A parsed review: findings in reply order, the verdict, and the reviewer's other text."""

    findings: list[Finding] = field(default_factory=list)
    #: ``None`` when the reply has no verdict line (treat it as not approved)
    verdict: Verdict | None = None
    #: the lines that are neither findings nor the verdict (the overall assessment)
    summary: str = ""

    @property
    def approved(self) -> bool:
        """Whether the reviewer gave ``VERDICT: approve``."""
        return self.verdict == "approve"

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [finding.to_dict() for finding in self.findings],
            "verdict": self.verdict,
            "summary": self.summary,
        }


def parse_review(text: str) -> Review:
    """Parse a reviewer's reply; tolerant of bullets, bold, ``[HIGH]`` and missing ``cell=``."""
    review = Review()
    other: list[str] = []
    current: dict[str, Any] | None = None
    found: list[dict[str, Any]] = []
    for line in text.splitlines():
        verdict = _VERDICT.match(line)
        if verdict:
            approve = verdict["verdict"].lower().startswith("approve")
            review.verdict = "approve" if approve else "changes"
            current = None
            continue
        finding = _FINDING.match(line)
        severity = _severity(finding["severity"]) if finding else None
        if finding and severity:
            cell = finding["cell"]
            current = {"severity": severity, "cell_id": None if cell in (None, "-") else cell}
            current["lines"] = [finding["text"].strip()]
            found.append(current)
        elif current is not None and line[:1] in (" ", "\t") and line.strip():
            current["lines"].append(line.strip())
        else:
            current = None
            if line.strip():
                other.append(line.rstrip())
    review.findings = [
        Finding(item["severity"], "\n".join(item["lines"]).strip(), item["cell_id"])
        for item in found
    ]
    review.summary = "\n".join(other).strip()
    return review


def _severity(word: str) -> Severity | None:
    word = word.lower()
    if word in SEVERITIES:
        return word  # type: ignore[return-value]
    return _SEVERITY_ALIASES.get(word)
