"""A review as a summary table: plain text (CLI, terminals) and HTML (notebook output)."""

from __future__ import annotations

import html
from typing import Any

from ..notebook.reviews import numbered_findings

__all__ = ["review_html", "review_text"]

#: characters of a finding shown in the table's text form (the record keeps it whole)
FINDING_CHARS = 100


def review_text(review: dict[str, Any]) -> str:
    """Reviewers with their verdicts or errors, then the findings numbered for ``fix --only``."""
    lines = [_title(review)]
    names = [_name(entry) for entry in review["reviewers"]]
    width = max(len(name) for name in names)
    for name, entry in zip(names, review["reviewers"]):
        lines.append(f"  {name.ljust(width)}  {_outcome(entry)}")
    findings = numbered_findings(review)
    if not findings:
        lines.append("  no findings")
        return "\n".join(lines)
    cells = max(len(finding.cell_id or "-") for finding in findings)
    lines.append(f"  {'#':>3}  {'severity':<8}  {'cell'.ljust(cells)}  finding (reviewer)")
    for finding in findings:
        text = " ".join(finding.text.split())
        if len(text) > FINDING_CHARS:
            text = text[: FINDING_CHARS - 3].rstrip() + "..."
        lines.append(f"  {finding.number:>3}  {finding.severity:<8}  {(finding.cell_id or '-').ljust(cells)}  "
                     f"{text} ({finding.reviewer})")
    return "\n".join(lines)


def review_html(review: dict[str, Any]) -> str:
    """The same summary as an HTML table for a notebook output."""
    esc = html.escape
    rows = []
    for entry in review["reviewers"]:
        if entry["error"]:
            outcome = f"<b>failed</b>: {esc(entry['error'])}"
        else:
            outcome = esc(_outcome(entry))
        rows.append(f"<li><code>{esc(_name(entry))}</code>: {outcome}</li>")
    findings = numbered_findings(review)
    body = "".join(
        f"<tr><td>{finding.number}</td><td>{esc(finding.severity)}</td><td><code>{esc(finding.cell_id or '-')}"
        f"</code></td><td style='text-align:left'>{esc(finding.text)}</td><td>{esc(finding.reviewer)}</td></tr>"
        for finding in findings
    )
    table = (
        "<table><thead><tr><th>#</th><th>severity</th><th>cell</th><th style='text-align:left'>finding</th>"
        f"<th>reviewer</th></tr></thead><tbody>{body}</tbody></table>" if findings else "<p>No findings.</p>"
    )
    title = f"<p><b>{esc(_title(review))}</b></p>"
    return f"<div class='jupyter-llmdev-review'>{title}<ul>{''.join(rows)}</ul>{table}</div>"


def _outcome(entry: dict[str, Any]) -> str:
    """``approve, 0 findings`` / ``changes, 2 findings``; ``FAILED  why`` for a reviewer that gave
    no usable review. "no verdict" is said only of a reply that could not be read as a review."""
    if entry["error"]:
        return f"FAILED  {entry['error']}"
    count = len(entry["findings"])
    findings = f"{count} finding{'' if count == 1 else 's'}"
    if entry["verdict"]:
        return f"{entry['verdict']}, {findings}"
    if count:
        return f"{findings}, without a VERDICT line"
    # recorded before such replies became errors: neither a verdict nor a finding was read
    return "no verdict: the reply could not be read as a review (neither a VERDICT line nor a finding)"


def _title(review: dict[str, Any]) -> str:
    plan = f" (plan {review['plan_id']})" if review.get("plan_id") else " (no plan)"
    return f"review {review['id']} of change {review['change']}{plan}"


def _name(entry: dict[str, Any]) -> str:
    return f"{entry['provider']}:{entry['model']}" if entry.get("provider") else entry["model"]
