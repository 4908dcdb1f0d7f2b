"""Doc records (``metadata.jupyter_llmdev.docs``): proposed and accepted architecture doc updates.

A proposal keeps the full proposed text and the SHA-256 of the doc it was made against
(``base_sha256``; ``None`` when there was no doc). Accepting drops the text (the file has it)
and records the new digest, the backup of the previous version, who accepted it and when.
A newer proposal supersedes a pending one.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .changeset import new_change_id
from .records import malformed, now

__all__ = [
    "DocRecord",
    "accepted",
    "digest",
    "new_proposal",
    "pending_proposal",
    "superseded",
    "write_accepted_doc",
]


@dataclass(frozen=True)
class DocRecord:
    """One doc record (proposal or acceptance), typed; the dict form is storage and wire.

    ``text`` is held only while ``proposed``; an ``accepted`` record has the new digest, the
    backup (``None``: there was no previous doc) and who accepted it when.
    """

    id: str
    time: str
    path: str
    status: str
    plan_id: str | None
    model: str | None
    provider: str | None
    usage: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    base_sha256: str | None = None
    text: str | None = None
    new_sha256: str | None = None
    backup: str | None = None
    accepted_at: str | None = None
    accepted_by: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocRecord:
        try:
            record = cls(
                id=data["id"], time=data["time"], path=data["path"], status=data["status"],
                plan_id=data["plan_id"], model=data["model"], provider=data["provider"],
                usage=dict(data["usage"]), summary=data["summary"],
                base_sha256=data["base_sha256"], text=data.get("text"),
                new_sha256=data.get("new_sha256"), backup=data.get("backup"),
                accepted_at=data.get("accepted_at"), accepted_by=data.get("accepted_by"),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise malformed("doc", data) from None
        if not all(isinstance(value, str) for value in (record.id, record.path, record.status)):
            raise malformed("doc", data)
        return record

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id, "time": self.time, "path": self.path, "status": self.status,
            "plan_id": self.plan_id, "model": self.model, "provider": self.provider,
            "usage": dict(self.usage), "summary": self.summary, "base_sha256": self.base_sha256,
        }
        if self.text is not None:
            data["text"] = self.text
        for key in ("new_sha256", "backup", "accepted_at", "accepted_by"):
            if getattr(self, key) is not None or (key == "backup" and self.status == "accepted"):
                data[key] = getattr(self, key)
        return data


def digest(text: str) -> str:
    """The SHA-256 (hex) of ``text`` as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_proposal(*, path: str, text: str, summary: str, base: str | None, plan_id: str | None,
                 model: str | None, provider: str | None, usage: dict[str, int]) -> dict[str, Any]:
    """A pending proposal to replace the doc at ``path`` (whose current text is ``base``) with ``text``."""
    return {
        "id": new_change_id(),
        "time": now(),
        "path": path,
        "status": "proposed",
        "plan_id": plan_id,
        "model": model,
        "provider": provider,
        "usage": dict(usage),
        "summary": summary,
        "base_sha256": digest(base) if base is not None else None,
        "text": text,
    }


def pending_proposal(section: dict[str, Any]) -> dict[str, Any] | None:
    """A copy of the newest proposal still pending, or ``None``."""
    for record in reversed(section.get("docs", [])):
        if record["status"] == "proposed":
            return copy.deepcopy(record)
    return None


def superseded(record: dict[str, Any]) -> dict[str, Any]:
    """``record`` replaced by a newer proposal (its text dropped)."""
    updated = copy.deepcopy(record)
    updated.pop("text", None)
    updated["status"] = "superseded"
    return updated


def accepted(record: dict[str, Any], *, user: str, backup: str | None) -> dict[str, Any]:
    """``record`` accepted by ``user`` now; ``backup`` is where the previous version was kept."""
    updated = copy.deepcopy(record)
    text = updated.pop("text")
    updated.update(status="accepted", new_sha256=digest(text), backup=backup, accepted_at=now(),
                   accepted_by=user or "unknown")
    return updated


def write_accepted_doc(path: Path, text: str, *, previous: str | None, backup: Path | None) -> None:
    """Write an accepted doc: the previous text to ``backup`` first, then ``text`` atomically.

    Called by the front ends (CLI, magics, server) after the records are checked, never by the
    engine, which only decides: ``engine.doc.accept_doc`` confines ``path`` to the project (and the
    server's root) and picks ``backup`` inside the doc's ``.llmdev/doc-history/``, so the paths
    arrive checked. A failure here leaves the previous doc in place (temp file + rename).
    """
    from ..atomicfile import write_atomic  # here: reading doc records needs no file writing

    if previous is not None and backup is not None:
        backup.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(backup, previous)
    write_atomic(path, text)
