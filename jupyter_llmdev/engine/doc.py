"""``doc``, ``doc update``, ``doc accept``: the living architecture document.

``doc update`` asks the architect for the whole new document after the newest built plan and
stores it as a pending proposal (shown as a unified diff); only ``doc accept`` writes the file,
after keeping the previous version in ``.llmdev/doc-history/`` next to it. This module decides
(which file, which backup name, both confined); the front ends write, with
``notebook.docs.write_accepted_doc``. Accepting refuses
when the file changed since the proposal was made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import CommandError, IncompleteReply
from ..notebook import docs, plans
from ..notebook.snapshot import NotebookSnapshot
from .steps import CallResult, Outcome, Step
from .workflow import plan_brief

if TYPE_CHECKING:
    from .workflow import Workflow

__all__ = ["BACKUP_DIR", "DocOutcome", "DocView", "accept_doc", "doc_target", "doc_update_step", "show_doc"]

#: where previous versions go, relative to the doc's folder
BACKUP_DIR = Path(".llmdev") / "doc-history"

_REQUEST = (
    "for the work above, so that it describes the code as it is now built: change only what this "
    "work changed or showed to be wrong, keep everything else word for word. Reply with one or two "
    "lines saying what changed, then the complete new document in a single block opened with "
    "````markdown (four backticks, so that the document's own code blocks stay inside it) and "
    "closed with ````."
)
_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?:markdown|md)\s*$", re.IGNORECASE)


@dataclass
class DocView:
    """The doc as it is now: where it is (``None``: none found), its text, the pending proposal."""

    path: Path | None
    shown_path: str
    text: str | None
    pending: dict[str, Any] | None


@dataclass(kw_only=True)
class DocOutcome(Outcome):
    """A proposal (``doc update``) or an acceptance (``doc accept``) of a new doc text."""

    record: dict[str, Any]
    path: Path
    #: unified diff from the current doc to the proposed one ("" when they are equal)
    diff: str
    new_text: str
    #: accept only: the previous text, and where to keep it (``None``: there was no doc)
    previous: str | None = None
    backup: Path | None = None


def show_doc(flow: Workflow, section: dict[str, Any]) -> DocView:
    """The configured or nearest doc and the pending proposal."""
    path = flow.config.doc_file()
    text = _read(path) if path else None
    shown = flow.shown_path(path) if path else "ARCHITECTURE.md"
    return DocView(path, shown, text, docs.pending_proposal(section))


def doc_update_step(flow: Workflow, section: dict[str, Any], snapshot: NotebookSnapshot | None, instructions: str,
                    *, model: str | None, exclude: Iterable[str]) -> Step[DocOutcome]:
    """The architect's call proposing the new doc after the newest built plan (or ``instructions``)."""
    path = doc_target(flow)
    current = _read(path) if path.is_file() else None
    plan = plans.latest_with_status(section, "built", "reviewed")
    if plan is None and not instructions.strip():
        raise CommandError("There is no built plan to update the doc for.",
                           hint=f"Build an approved plan first, or say what to change: {flow.say('doc update TEXT')}.")
    history = []
    if plan is not None:
        history.append(plan_brief(plan))
        for change in section["changes"]:
            if change.get("plan_id") == plan["id"] and change["status"] == "applied":
                from ..notebook.history import diff_change

                history.append({"role": "user", "content": f"It was built as change {change['id']} "
                                f"({change['command']}):\n\n{diff_change(section, change['id'])}"})
    what = "Update the architecture document" if current is not None else (
        "There is no architecture document yet: write the project's first one")
    request = f"{what} {_REQUEST}"
    if instructions.strip():
        request += f"\n\nAlso: {instructions.strip()}"
    endpoint = flow.endpoint("architect", model)
    call = flow.call(f"architect {endpoint.describe()}", "architect", endpoint, request=request, snapshot=snapshot,
                     history=history, exclude=exclude)

    def finish(results: list[CallResult]) -> DocOutcome:
        finished = results[0].finished
        assert finished is not None
        summary, new_text = _extract_document(finished.text)
        shown = flow.shown_path(path)
        record = docs.new_proposal(path=shown, text=new_text, summary=summary, base=current,
                                   plan_id=plan["id"] if plan else None, model=endpoint.model,
                                   provider=endpoint.provider, usage=finished.usage.to_dict())
        diff = unified_diff(current or "", new_text, shown)
        if not diff:
            return DocOutcome(record=record, path=path, diff="", new_text=new_text,
                              notes=[f"the architect proposes no change to {shown}; nothing was recorded."])
        updates: list[tuple[str, dict[str, Any]]] = []
        pending = docs.pending_proposal(section)
        if pending is not None:
            updates.append(("docs", docs.superseded(pending)))
        updates.append(("docs", record))
        note = (f"doc proposal {record['id']} for {path}: accept it with {flow.say('doc accept')} "
                "to write that file (nothing is written before).")
        return DocOutcome(records=updates, record=record, path=path, diff=diff, new_text=new_text, notes=[note])

    return Step([call], finish)


def accept_doc(flow: Workflow, section: dict[str, Any], *, user: str) -> DocOutcome:
    """The pending proposal accepted by ``user``; the front end stores it, then writes the file
    (``notebook.docs.write_accepted_doc``: the engine writes no files).

    The file written is the doc the configuration names now (:func:`doc_target`), never a path
    read from the notebook: the record's ``path`` is only compared with it, so a crafted proposal
    cannot write anywhere else.
    """
    stored = docs.pending_proposal(section)
    if stored is None:
        raise CommandError("There is no proposed doc update to accept.",
                           hint=f"Ask the architect for one with {flow.say('doc update')}.")
    pending = docs.DocRecord.from_dict(stored)
    path = doc_target(flow)
    shown = flow.shown_path(path)
    if pending.path != shown:
        from ..safety.terminal import printable

        raise CommandError(f"Proposal {pending.id} is for {printable(pending.path, keep_newlines=False)!r}, "
                           f"but this project's architecture doc is {shown}; nothing was written.",
                           hint=f"Ask for a fresh proposal with {flow.say('doc update')}.")
    current = _read(path) if path.is_file() else None
    now_digest = docs.digest(current) if current is not None else None
    if now_digest != pending.base_sha256:
        raise CommandError(f"{shown} changed since the architect proposed {pending.id}.",
                           hint=f"Nothing was written. Ask for a fresh proposal with {flow.say('doc update')}.")
    backup = _backup_path(path) if current is not None else None
    new_text = pending.text or ""
    record = docs.accepted(stored, user=user, backup=flow.shown_path(backup) if backup else None)
    notes = [f"wrote {path} (proposal {pending.id})"
             + (f"; the previous version is in {record['backup']}." if backup else ".")]
    return DocOutcome(records=[("docs", record)], record=record, path=path, previous=current, backup=backup,
                      diff=unified_diff(current or "", new_text, shown),
                      new_text=new_text, notes=notes)


def doc_target(flow: Workflow) -> Path:
    """The file ``doc update`` proposes for and ``doc accept`` writes: the configured or nearest doc,
    else ARCHITECTURE.md in the notebook's folder; confined to the server's root_dir when there is one."""
    path = flow.config.doc_file() or Path(flow.config.start_dir) / "ARCHITECTURE.md"
    if flow.config.root is not None:
        from ..safety.paths import confine

        path = confine(path, flow.config.root, what="the architecture doc")
    return path


def unified_diff(old: str, new: str, name: str) -> str:
    """The unified diff from ``old`` to ``new`` ("" when equal)."""
    import difflib

    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), f"a/{name}", f"b/{name}", lineterm="")
    return "\n".join(lines)


def _extract_document(reply: str) -> tuple[str, str]:
    """(the lines before the document, the document) from the architect's reply.

    The block opens with a ``markdown`` fence and closes at the *last* bare fence of at least the
    same length, so a document holding its own ``` blocks survives a three-backtick wrapper.
    """
    lines = reply.splitlines()
    # the last line of each bare fence (character, length), in one pass; each opening then looks
    # these up instead of rescanning the reply, so many openings cannot make the search quadratic
    # (distinct lengths number at most ~sqrt(2 * len(reply)) each side: the lookups stay linear)
    last: dict[tuple[str, int], int] = {}
    for number, line in enumerate(lines):
        bare = line.strip()
        if len(bare) >= 3 and bare[0] in "`~" and not bare.strip(bare[0]):
            last[(bare[0], len(bare))] = number
    ends: dict[tuple[str, int], int] = {}
    for start, line in enumerate(lines):
        opening = _OPEN.match(line.strip())
        if not opening:
            continue
        key = (opening["fence"][0], len(opening["fence"]))
        if key not in ends:
            ends[key] = max((n for (char, length), n in last.items() if char == key[0] and length >= key[1]),
                            default=-1)
        if ends[key] > start:
            summary = "\n".join(lines[:start]).strip()
            return summary, "\n".join(lines[start + 1:ends[key]]).strip("\n") + "\n"
    raise IncompleteReply("The architect's reply holds no ```markdown block with the new document; "
                          "nothing was proposed.", hint="Run `doc update` again.", partial=reply)


def _read(path: Path) -> str:
    from ..context import read_architecture_doc

    return read_architecture_doc(path)


def _backup_path(path: Path) -> Path:
    """A fresh name in ``.llmdev/doc-history/`` beside the doc; a ``.llmdev`` symlink leading out
    of the doc's folder is refused (PathOutsideRoot)."""
    from ..notebook.records import now
    from ..safety.paths import confine

    stamp = now().replace(":", "").replace("-", "")
    folder = confine(path.parent / BACKUP_DIR, path.parent, what="the doc backup folder")
    candidate = folder / f"{path.stem}.{stamp}{path.suffix}"
    number = 2
    while candidate.exists():
        candidate = folder / f"{path.stem}.{stamp}-{number}{path.suffix}"
        number += 1
    return candidate
