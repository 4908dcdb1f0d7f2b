"""The recorded change history of a notebook: find, list, describe and diff changes.

Everything in a history is untrusted (a downloaded notebook's metadata, model text): what
``log_lines`` and ``show_change`` return, and a diff made for display, has its control
characters escaped (:func:`~jupyter_llmdev.safety.terminal.printable`), so it can go to a
terminal or a notebook output as it is. A plain ``diff_change`` is what the models are sent.

An ``applied`` record is shown as the cells say (:mod:`.presence`, the panel's rule): JupyterLab's
undo takes a change's cells out but leaves its record ``applied``, so ``log`` and ``show`` say
``undone`` when every cell it touched is back as before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..safety.terminal import printable
from .changeset import ChangeSet, Edit
from .metadata import read_section
from .presence import Presence, presence_of
from .records import find_record

__all__ = ["diff_change", "diff_changeset", "find_change", "latest_change", "log_lines", "show_change"]

#: characters of the prompt's first line shown by ``log``
PROMPT_CHARS = 60
#: the widest a ``log`` column is padded to (a longer entry is kept whole, unpadded)
COLUMN_CHARS = 40

_RESET = "\x1b[0m"
_COLORS = {
    "header": "\x1b[1;33m",
    "file": "\x1b[1m",
    "hunk": "\x1b[36m",
    "-": "\x1b[31m",
    "+": "\x1b[32m",
}


def find_change(section_or_nb: Any, id_or_prefix: str) -> ChangeSet:
    """The recorded change whose id is ``id_or_prefix`` or starts with it.

    Accepts a notebook or a section from :func:`.metadata.read_section`. Raises
    :class:`ChangeNotFound` (listing recent ids) when none matches, and when a prefix matches
    more than one change.
    """
    record = find_record(_section(section_or_nb)["changes"], id_or_prefix, "change", "see `log`")
    return ChangeSet.from_dict(record)


def latest_change(nb: Any, *, status: str | None = "applied") -> ChangeSet | None:
    """The most recent change (with ``status``, unless ``None``), e.g. the target of ``undo``."""
    for record in reversed(_section(nb)["changes"]):
        if status is None or record["status"] == status:
            return ChangeSet.from_dict(record)
    return None


def log_lines(
    nb: Any, *, status_of: Mapping[str, str] | None = None, cells: Iterable[Any] | None = None
) -> list[str]:
    """One line per recorded change, oldest first, each starting with the change id.

    ``<id>  <time>  <role>/<model>  <status>  <n> edits  <prompt's first line, trimmed>``,
    control characters escaped; ``status_of`` (by change id) replaces the status shown (a kernel
    shows ``session`` for a change only it keeps). An ``applied`` change whose cells are all back
    as before it shows ``undone``; the cells are ``nb``'s, or ``cells`` (the notebook on display)
    when ``nb`` is a section. The columns line up: each is padded to its widest entry (at
    most :data:`COLUMN_CHARS`, so one crafted model name cannot push every line off the screen).
    """
    section = _section(nb)
    shown = _cells(nb, cells)
    rows = []
    for record in section["changes"]:
        count = len(record["edits"])
        status = record["status"]
        if status == "applied" and shown is not None and _presence(record, shown) == "undone":
            status = "undone"
        rows.append([
            _shown(str(record["id"])),
            _shown(str(record["time"])),
            _shown(f"{record['role']}/{record['model'] or '-'}"),
            _shown(str((status_of or {}).get(record["id"], status))),
            str(count),
            _shown(_first_line(record["prompt"], PROMPT_CHARS)),
        ])
    if not rows:
        return []
    digits = max(len(row[4]) for row in rows)
    for row in rows:  # "1 edit " / "3 edits" / "12 edits", numbers right-aligned
        row[4] = f"{row[4]:>{digits}} edit" + ("" if row[4] == "1" else "s")
    widths = [min(COLUMN_CHARS, max(len(row[column]) for row in rows)) for column in range(5)]
    return ["  ".join([*(text.ljust(width) for text, width in zip(row, widths)), row[5]]).rstrip()
            for row in rows]


def show_change(nb: Any, change_id: str, *, cells: Iterable[Any] | None = None) -> str:
    """A readable multi-line description of one change: who, why, cost and each edit (escaped).

    The status of an ``applied`` change is checked against the cells (``nb``'s, or ``cells``
    when ``nb`` is a section): undone, or edited since.
    """
    section = _section(nb)
    change = find_change(section, change_id)
    by = change.role + (f" / {change.model}" if change.model else "")
    if change.provider:
        by += f" via {change.provider}"
    shown = _cells(nb, cells)
    status: str = change.status
    if status == "applied" and shown is not None:
        status = _PRESENCE_WORDS[presence_of(change, shown)]
    rows = [
        ("change", f"{change.id}  ({status})"),
        ("time", change.time),
        ("by", by),
        ("command", change.command),
    ]
    for label, value in (
        ("plan", change.plan_id),
        ("parent", change.parent),
        ("reverts", change.reverts),
        ("reverted by", _reverted_by(section, change)),
    ):
        if value:
            rows.append((label, value))
    usage = ", ".join(f"{name} {value}" for name, value in change.usage.items())
    # {} from a model: its server reported no usage (unknown, not zero); from a human: no call
    rows.append(("usage", usage or ("n/a (the server reported no usage)" if change.model else "none (no model call)")))
    lines = [f"{label + ':':<13}{_shown(str(value))}" for label, value in rows]
    lines.append("prompt:")
    lines.extend(f"    {_shown(line)}" for line in _source_lines(change.prompt or "(none)", True) or [""])
    lines.append(f"edits ({len(change.edits)}):")
    lines.extend(f"    {_describe(edit)}" for edit in change.edits)
    return "\n".join(lines)


def diff_change(nb: Any, change_id: str, color: bool = False, *, display: bool = False) -> str:
    """A unified diff of each cell the change edited, ANSI-coloured when ``color``.

    With ``display`` (implied by ``color``) control characters are escaped, for a terminal or a
    notebook output; without, the text is exact, for a model's prompt.
    """
    change = find_change(_section(nb), change_id)
    return diff_changeset(change, color=color, display=display)


def diff_changeset(
    change: ChangeSet, *, color: bool = False, display: bool = False, title: str | None = None
) -> str:
    """The diff of ``change`` (recorded or not, e.g. a revert about to be written), see :func:`diff_change`.

    ``title`` replaces the first line (``change ID  ROLE/MODEL  PROMPT``). Cells brought back with
    their own metadata (a deleted cell restored) say which metadata keys come back.
    """
    import difflib

    display = display or color
    head = f"change {change.id}  {change.role}/{change.model or '-'}  {_first_line(change.prompt, PROMPT_CHARS)}"
    out = [("header", title if title is not None else head.rstrip())]
    for edit in change.edits:
        out.append(("header", _describe(edit)))
        before = _source_lines(edit.before.source, display) if edit.before else []
        after = _source_lines(edit.after.source, display) if edit.after else []
        old = f"{edit.cell_id} ({edit.before.cell_type})" if edit.before else "(no cell)"
        new = f"{edit.cell_id} ({edit.after.cell_type})" if edit.after else "(no cell)"
        diff = list(difflib.unified_diff(before, after, f"a/{old}", f"b/{new}", lineterm=""))
        if not diff:
            out.append(("", "(source unchanged)"))
        for line in diff:
            if line.startswith(("--- ", "+++ ")):
                out.append(("file", line))
            elif line.startswith("@@"):
                out.append(("hunk", line))
            else:
                out.append((line[:1] if line[:1] in "+-" else "", line))
        if edit.after is not None and edit.after.metadata:
            out.append(("", f"(cell metadata comes back too: {', '.join(sorted(edit.after.metadata))})"))
    if not change.edits:
        out.append(("", "(no edits)"))
    if display:
        out = [(kind, printable(text, keep_newlines=False)) for kind, text in out]
    if not color:
        return "\n".join(text for _, text in out)
    return "\n".join(f"{_COLORS[kind]}{text}{_RESET}" if kind else text for kind, text in out)


#: how ``show`` words the presence of an applied change (the panel's History says the same)
_PRESENCE_WORDS: dict[Presence, str] = {
    "applied": "applied",
    "edited": "applied, edited since",
    "undone": "undone: its cells are as before it; nothing to revert, redo in JupyterLab brings it back",
}


def _cells(section_or_nb: Any, cells: Iterable[Any] | None) -> list[Any] | None:
    """The cells presence is computed from: ``cells`` if given, else the notebook's (a section has none)."""
    if cells is not None:
        return list(cells)
    if isinstance(section_or_nb, Mapping) and isinstance(section_or_nb.get("cells"), list):
        return list(section_or_nb["cells"])
    return None


def _presence(record: dict[str, Any], cells: list[Any]) -> Presence:
    return presence_of(ChangeSet.from_dict(record), cells)


def _section(section_or_nb: Any) -> dict[str, Any]:
    if (
        isinstance(section_or_nb, dict)
        and "changes" in section_or_nb
        and "cells" not in section_or_nb
    ):
        return section_or_nb
    return read_section(section_or_nb)


def _reverted_by(section: dict[str, Any], change: ChangeSet) -> str | None:
    if change.status != "reverted":
        return None
    ids = [record["id"] for record in section["changes"] if record.get("reverts") == change.id]
    return ids[-1] if ids else None


def _describe(edit: Edit) -> str:
    if edit.op == "insert" and edit.after:
        where = f"after {edit.anchor}" if edit.anchor else "at the top"
        return (
            f"insert   {edit.cell_id}  {edit.after.cell_type}, {_lines(edit.after.source)}, {where}"
        )
    if edit.op == "replace" and edit.before and edit.after:
        kinds = edit.before.cell_type
        if edit.after.cell_type != kinds:
            kinds += f" -> {edit.after.cell_type}"
        sizes = f"{_lines(edit.before.source)} -> {_lines(edit.after.source)}"
        return f"replace  {edit.cell_id}  {kinds}, {sizes}"
    if edit.op == "delete" and edit.before:
        where = f"was after {edit.anchor}" if edit.anchor else "was first"
        size = _lines(edit.before.source)
        return f"delete   {edit.cell_id}  {edit.before.cell_type}, {size}, {where}"
    return f"{edit.op:<8} {edit.cell_id}"


def _source_lines(source: str, display: bool) -> list[str]:
    """The lines of a cell: for display split on newlines only (a CR stays visible, escaped)."""
    if not display:
        return source.splitlines()
    lines = source.split("\n")
    return lines[:-1] if lines and lines[-1] == "" else lines


def _shown(text: str) -> str:
    """One line of untrusted text, safe for a terminal."""
    return printable(text, keep_newlines=False)


def _lines(source: str) -> str:
    count = len(source.splitlines())
    return "1 line" if count == 1 else f"{count} lines"


def _first_line(text: str, limit: int) -> str:
    stripped = text.strip()
    line = stripped.splitlines()[0].strip() if stripped else ""
    return line if len(line) <= limit else line[: limit - 3].rstrip() + "..."
