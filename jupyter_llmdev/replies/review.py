"""Reviewer reply text -> findings and verdict, in the format reviewer.txt asks for.

A finding is a line ``- [high|medium|low] cell=ID: text`` (bullet, bold and ``cell=`` optional,
``cell=-`` for none), continued by the indented lines after it. The verdict is the last
``VERDICT: approve|changes`` line. Every other non-blank line goes to :attr:`Review.summary`, so
nothing the reviewer wrote is lost.

The reply is untrusted and arrives on the Jupyter server, so each line is read by a small scanner
that only moves forward (no regular expression that can backtrack): parsing takes time linear in
the reply's length, whatever runs of spaces, bullets or brackets it holds.
"""

from __future__ import annotations

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
# the longest severity word: a longer bracket is not a severity (and is not lowercased)
_LONGEST_SEVERITY = max(len(word) for word in (*SEVERITIES, *_SEVERITY_ALIASES))
#: the verdict words (after ``VERDICT``), each followed by a word boundary; the first two approve
_VERDICT_WORDS = ("approve", "approved", "changes", "request changes")
# characters of a cell id after ``cell=``
_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# what may stand between the cell id (or the severity) and the finding's text
_SEPARATORS = ":\u2013\u2014-"


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
        verdict = _verdict(line)
        if verdict:
            review.verdict = verdict
            current = None
            continue
        finding = _finding(line)
        if finding is not None:
            severity, cell, rest = finding
            current = {"severity": severity, "cell_id": None if cell in (None, "-") else cell}
            current["lines"] = [rest.strip()]
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


def _verdict(line: str) -> Verdict | None:
    """The verdict of a line like ``**VERDICT: approve**`` (any non-word characters around
    ``verdict``, case ignored), or ``None``."""
    at = _skip(line, 0, _is_non_word)
    if line[at : at + 7].lower() != "verdict":
        return None
    at = _skip(line, at + 7, _is_non_word)
    for word in _VERDICT_WORDS:
        end = at + len(word)
        if line[at:end].lower() == word and (end == len(line) or _is_non_word(line[end])):
            return "approve" if word.startswith("approve") else "changes"
    return None


def _finding(line: str) -> tuple[Severity, str | None, str] | None:
    """(severity, cell id or ``None``, the rest of the line) of a finding line, else ``None``.

    The shape: blanks, an optional bullet (``-``, ``*``, ``+``, ``1.``, ``1)``), blanks, optional
    ``*`` (bold), ``[SEVERITY]``, optional ``*``, blanks, an optional ``cell=ID`` (or ``cell: ID``,
    in parentheses or backticks), blanks, an optional ``:`` or dash, blanks, the text.
    """
    at = _skip(line, 0, str.isspace)
    if line[at : at + 1] in ("-", "*", "+"):
        at += 1
    else:
        digits = _skip(line, at, str.isdecimal)
        if digits > at and line[digits : digits + 1] in (".", ")"):
            at = digits + 1
    at = _skip(line, at, str.isspace)
    at = _skip(line, at, "*".__eq__)
    if line[at : at + 1] != "[":
        return None
    close = line.find("]", at + 1, at + 2 + _LONGEST_SEVERITY)
    if close < 0:
        return None
    severity = _severity(line[at + 1 : close])
    if severity is None:
        return None
    at = _skip(line, close + 1, "*".__eq__)
    at = _skip(line, at, str.isspace)
    cell, at = _cell(line, at)
    at = _skip(line, at, str.isspace)
    if line[at : at + 1] in _SEPARATORS and at < len(line):
        at += 1
    at = _skip(line, at, str.isspace)
    return severity, cell, line[at:]


def _cell(line: str, at: int) -> tuple[str | None, int]:
    """(the id, the position after it) of ``(cell=`ID`)`` at ``at``; ``(None, at)`` when absent."""
    start = at
    if line[at : at + 1] == "(":
        at += 1
    if line[at : at + 4].lower() != "cell":
        return None, start
    at = _skip(line, at + 4, str.isspace)
    if line[at : at + 1] not in ("=", ":"):
        return None, start
    at = _skip(line, at + 1, str.isspace)
    if line[at : at + 1] == "`":
        at += 1
    end = _skip(line, at, _ID_CHARS.__contains__)
    if end == at:
        return None, start
    cell = line[at:end]
    at = end
    for closing in ("`", ")"):
        if line[at : at + 1] == closing:
            at += 1
    return cell, at


def _skip(line: str, at: int, wanted: Any) -> int:
    """The first position from ``at`` whose character is not ``wanted`` (a predicate)."""
    end = len(line)
    while at < end and wanted(line[at]):
        at += 1
    return at


def _is_non_word(char: str) -> bool:
    """What ``\\W`` matches: neither a letter, a digit nor ``_``."""
    return not (char.isalnum() or char == "_")


def _severity(word: str) -> Severity | None:
    word = word.lower()
    if word in SEVERITIES:
        return word  # type: ignore[return-value]
    return _SEVERITY_ALIASES.get(word)
