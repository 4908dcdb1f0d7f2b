"""Records of the workflow (plans, reviews, docs) in a notebook's metadata: find, upsert, commit."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from typing import Any

from ..errors import ChangeNotFound, MetadataError
from .changeset import ChangeSet

__all__ = ["RECORD_KINDS", "Upsert", "commit", "find_record", "malformed", "now", "place", "upsert"]

#: the section keys that hold workflow records, each a list of dicts with an ``id``
RECORD_KINDS = ("plans", "reviews", "docs")

#: one record to store: (section key, record); a record with a known id replaces the old one
Upsert = tuple[str, dict[str, Any]]


def now() -> str:
    """The current UTC time as every record stores it (``2026-11-25T10:00:00Z``)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def malformed(noun: str, data: Any) -> MetadataError:
    """The error of a typed record's ``from_dict`` given data that is not such a record.

    Sections are schema-checked when read, so this means a caller passed something else (a bug),
    or a record built in memory went wrong; it names the record and stays short.
    """
    record_id = data.get("id") if isinstance(data, dict) else None
    shown = json.dumps(record_id)[:40] if isinstance(record_id, str) else "without an id"
    return MetadataError(
        f"A {noun} record {shown} is malformed.",
        hint="Nothing was changed; this is a bug in jupyter-llmdev (please report it).",
    )


def find_record(
    records: Sequence[dict[str, Any]], ref: str | None, noun: str, listing: str
) -> dict[str, Any]:
    """The record whose id is ``ref`` or starts with it (case-insensitive); ``noun`` names the kind.

    The one id-prefix lookup of the package: changes (``history.find_change``), plans and
    reviews all go through it, so every front end gives the same answers. An exact id wins over
    a prefix. Raises :class:`ChangeNotFound` naming the recent ids when ``ref`` is empty or
    matches nothing, and the candidates when a prefix is ambiguous; ``listing`` says where the
    user can see the ids (e.g. ``see `log```).
    """
    query = (ref or "").strip()
    recent = ", ".join(record["id"] for record in reversed(records[-5:]))
    known = (f"Recent {noun}s, newest first: {recent} ({listing})." if recent
             else f"This notebook has no recorded {noun}s yet.")
    if not query:
        raise ChangeNotFound(f"Give a {noun} id, or a unique prefix of one.", hint=known)
    exact = [record for record in records if record["id"] == query]
    lowered = query.lower()
    matches = exact or [record for record in records if record["id"].lower().startswith(lowered)]
    if not matches:
        raise ChangeNotFound(f"This notebook has no {noun} {query!r}.", hint=known)
    if len(matches) > 1:
        ids = ", ".join(record["id"] for record in matches[:6])
        raise ChangeNotFound(
            f"{query!r} is ambiguous: it starts {len(matches)} {noun} ids ({ids}).",
            hint="Give more characters of the id.",
        )
    return matches[0]


def upsert(section: dict[str, Any], updates: Iterable[Upsert]) -> None:
    """Put each record into ``section[kind]``: in place of the record with its id, else appended.

    The twin of ``upsertRecords`` in ``labextension/src/applier/records.ts``; both run the
    vectors in ``tests/vectors/records/``. Raises :class:`MetadataError` for an unknown kind or a
    record without a string id (the records may come from a kernel or the panel); the schema
    check of the result is the caller's (:func:`commit`).
    """
    updates = list(updates)
    for kind, record in updates:
        if kind not in RECORD_KINDS:
            raise MetadataError(
                f"jupyter-llmdev got a record of unknown kind {json.dumps(kind)[:40]} "
                f"(expected {', '.join(RECORD_KINDS)}).",
                hint="Nothing was changed in metadata.jupyter_llmdev; "
                "upgrade jupyter-llmdev to matching versions.",
            )
        if not isinstance(record, dict) or not isinstance(record.get("id"), str):
            raise MetadataError(
                f"jupyter-llmdev got a {kind} record without a string id.",
                hint="Nothing was changed in metadata.jupyter_llmdev.",
            )
    # every update is checked before the section changes; kinds are separate lists, so placing
    # each kind's records in their order gives the result of placing all of them in order
    for kind in RECORD_KINDS:
        records = [record for each_kind, record in updates if each_kind == kind]
        if records:
            place(section.setdefault(kind, []), records)


def place(records: list[dict[str, Any]], new: Iterable[dict[str, Any]]) -> None:
    """Each of ``new`` in place of the stored record with its id (the first, if repeated), else
    appended: the one upsert rule, used by :func:`upsert` and by the kernel's session overlay.

    One pass over ``records``, so laying many records over a long history stays linear.
    """
    known: dict[Any, int] = {}
    for position, existing in enumerate(records):
        known.setdefault(existing.get("id"), position)
    for record in new:
        found = known.get(record["id"])
        if found is None:
            known[record["id"]] = len(records)
            records.append(record)
        else:
            records[found] = record


def commit(nb: Any, updates: Iterable[Upsert], changeset: ChangeSet | None = None) -> None:
    """Apply ``changeset`` (if any) to ``nb`` and store ``updates``, all or nothing.

    Everything is checked before ``nb`` changes: an :class:`~jupyter_llmdev.errors.ApplyError`
    or :class:`~jupyter_llmdev.errors.MetadataError` leaves ``nb`` as it was.
    """
    from .apply import apply_changeset
    from .metadata import read_section, validate_section, write_section

    updates = list(updates)
    # the records are checked first; apply_changeset checks its change before touching nb
    section = read_section(nb)
    upsert(section, updates)
    validate_section(section)
    if changeset is not None:
        apply_changeset(nb, changeset)
    section = read_section(nb)
    upsert(section, updates)
    write_section(nb, section)
