"""Issue 10, "Typed records ... One implementation each": one id-prefix lookup for changes,
plans and reviews (same answers, same wording), and the engine writes no files.

The record upsert's own cases are the shared Py/TS vectors in ``tests/vectors/records/``
(``tests/test_vectors.py::test_record_vector`` and ``npm run test:records``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest

import jupyter_llmdev
from jupyter_llmdev.errors import ChangeNotFound
from jupyter_llmdev.notebook.changeset import ChangeSet
from jupyter_llmdev.notebook.history import find_change
from jupyter_llmdev.notebook.metadata import empty_section
from jupyter_llmdev.notebook.plans import find_plan
from jupyter_llmdev.notebook.reviews import find_review

PACKAGE = Path(jupyter_llmdev.__file__).parent
IDS = ["1a2b3c4d", "9f8e7d6c", "9f8e"]


def _section_with(kind: str) -> dict[str, Any]:
    """A section whose ``kind`` list holds records with the ids in IDS (oldest first)."""
    section = empty_section()
    for number, record_id in enumerate(IDS):
        if kind == "changes":
            record = ChangeSet([], role="ask", id=record_id, time=f"2026-11-25T1{number}:00:00Z").to_dict()
            record["status"] = "applied"
        else:
            record = {"id": record_id, "status": "draft", "text": "t"}
        section[kind].append(record)
    return section


LOOKUPS: list[tuple[str, str, str, Callable[[dict[str, Any], str], Any]]] = [
    ("changes", "change", "see `log`", find_change),
    ("plans", "plan", "see `plan`", find_plan),
    ("reviews", "review", "see `review`", find_review),
]


def _id(found: Any) -> str:
    return found.id if isinstance(found, ChangeSet) else found["id"]


def _refusal(lookup: Callable[[dict[str, Any], str], Any], section: dict[str, Any], ref: str) -> str:
    with pytest.raises(ChangeNotFound) as info:
        lookup(section, ref)
    text = str(info.value)
    assert 1 <= len(text.splitlines()) <= 3, text
    return text


@pytest.mark.parametrize(("kind", "noun", "listing", "lookup"), LOOKUPS, ids=[kind for kind, *_ in LOOKUPS])
def test_every_id_lookup_answers_alike(kind: str, noun: str, listing: str,
                                       lookup: Callable[[dict[str, Any], str], Any]) -> None:
    section = _section_with(kind)
    assert _id(lookup(section, "9f8e")) == "9f8e"  # an exact id wins over the longer ids it starts
    assert _id(lookup(section, "1A2B")) == "1a2b3c4d"  # a prefix, any case
    assert _id(lookup(section, " 9f8e7 ")) == "9f8e7d6c"
    recent = f"Recent {noun}s, newest first: 9f8e, 9f8e7d6c, 1a2b3c4d ({listing})."
    assert _refusal(lookup, section, "zz") == f"This notebook has no {noun} 'zz'.\n{recent}"
    assert _refusal(lookup, section, "9f") == (
        f"'9f' is ambiguous: it starts 2 {noun} ids (9f8e7d6c, 9f8e).\nGive more characters of the id.")
    assert _refusal(lookup, section, "  ") == f"Give a {noun} id, or a unique prefix of one.\n{recent}"
    assert _refusal(lookup, empty_section(), "1a") == (
        f"This notebook has no {noun} '1a'.\nThis notebook has no recorded {noun}s yet.")


def test_one_prefix_match_in_the_package() -> None:
    """Matching an id by prefix is written once (notebook/records.py::find_record)."""
    pattern = re.compile(r"\[[\"']id[\"']\][^\n]*\.startswith\(")
    places = [path.relative_to(PACKAGE).as_posix() for path in sorted(PACKAGE.rglob("*.py"))
              if pattern.search(path.read_text(encoding="utf-8"))]
    assert places == ["notebook/records.py"]


#: what writing a file looks like in source; the engine decides, the front ends write
FILE_WRITES = re.compile(r"write_atomic|write_text|write_bytes|\.mkdir\(|\.touch\(|os\.replace|"
                         r"open\([^)]*[\"'][wax]b?\+?[\"']")


def test_the_engine_writes_no_files() -> None:
    """``doc accept`` is decided in engine/doc.py and written by the front ends
    (``notebook.docs.write_accepted_doc``), so an engine run cannot touch the disk."""
    writers = [path.name for path in sorted((PACKAGE / "engine").glob("*.py"))
               if FILE_WRITES.search(path.read_text(encoding="utf-8"))]
    assert writers == []
    front_ends = ["cli/workflow_cmd.py", "kernel/workflow_magics.py", "server/flow.py"]
    for name in front_ends:
        assert "write_accepted_doc(" in (PACKAGE / name).read_text(encoding="utf-8"), name


def test_an_accepted_doc_is_written_after_its_backup(tmp_path: Path) -> None:
    from jupyter_llmdev.notebook.docs import write_accepted_doc

    doc = tmp_path / "ARCHITECTURE.md"
    doc.write_text("# old\n", encoding="utf-8")
    backup = tmp_path / ".llmdev" / "doc-history" / "ARCHITECTURE.20261125T100000Z.md"
    write_accepted_doc(doc, "# new\n", previous="# old\n", backup=backup)
    assert doc.read_text(encoding="utf-8") == "# new\n"
    assert backup.read_text(encoding="utf-8") == "# old\n"
    fresh = tmp_path / "sub" / "DOC.md"
    fresh.parent.mkdir()
    write_accepted_doc(fresh, "# first\n", previous=None, backup=None)
    assert fresh.read_text(encoding="utf-8") == "# first\n"
    assert sorted(p.name for p in fresh.parent.iterdir()) == ["DOC.md"]


def _written_records() -> list[tuple[str, dict[str, Any]]]:
    """Records as the package writes them, through every state, plus those of the shared vectors."""
    from jupyter_llmdev.notebook import docs, plans, reviews

    draft = plans.add_turn(plans.new_plan(), "a loader", "Add a loader cell.", model="m", provider="p",
                           usage={"prompt_tokens": 3})
    approved = plans.approve(draft, user="ada")
    entry = reviews.reviewer_entry(model="m", provider=None, error="timed out")
    review = reviews.new_review("chg1", approved["id"], [entry])
    proposal = docs.new_proposal(path="ARCHITECTURE.md", text="# Doc\n", summary="s", base="# Old\n",
                                 plan_id=None, model="m", provider="p", usage={})
    found = [("plans", draft), ("plans", approved), ("plans", plans.set_status(approved, "built")),
             ("reviews", review), ("reviews", reviews.add_fix(review, "chg2", [1])),
             ("docs", proposal), ("docs", docs.superseded(proposal)),
             ("docs", docs.accepted(proposal, user="ada", backup=None)),
             ("docs", docs.accepted(proposal, user="ada", backup=".llmdev/doc-history/A.md"))]
    import json

    for path in sorted((Path(__file__).parents[1] / "vectors" / "records").glob("*.json")):
        vector = json.loads(path.read_text(encoding="utf-8"))
        found += [(kind, record) for kind, records in vector.get("expected", {}).items()
                  if kind in ("plans", "reviews", "docs") for record in records]
    return found


def test_typed_records_round_trip() -> None:
    """Plan, Review and DocRecord read every record the package writes and give it back as it was."""
    from jupyter_llmdev.notebook.docs import DocRecord
    from jupyter_llmdev.notebook.metadata import validate_section
    from jupyter_llmdev.notebook.plans import Plan
    from jupyter_llmdev.notebook.reviews import Review

    types = {"plans": Plan, "reviews": Review, "docs": DocRecord}
    records = _written_records()
    assert {kind for kind, _ in records} == set(types)
    for kind, record in records:
        typed = types[kind].from_dict(record)
        assert typed.to_dict() == record, kind
        assert typed.id == record["id"]
    # a plan stored by an older writer, without the optional keys, comes back canonical and valid
    short = Plan.from_dict({"id": "p1", "status": "draft", "text": "t"})
    section = empty_section()
    section["plans"].append(short.to_dict())
    validate_section(section)


@pytest.mark.parametrize("data", [None, [], {}, {"id": "p1"}, {"id": 3, "status": "draft", "text": ""}])
def test_a_malformed_record_is_a_short_metadata_error(data: Any) -> None:
    from jupyter_llmdev.errors import MetadataError
    from jupyter_llmdev.notebook.docs import DocRecord
    from jupyter_llmdev.notebook.plans import Plan
    from jupyter_llmdev.notebook.reviews import Review

    for kind in (Plan, Review, DocRecord):
        with pytest.raises(MetadataError) as info:
            kind.from_dict(data)
        assert 1 <= len(str(info.value).splitlines()) <= 3


def test_the_kernel_session_lays_records_over_as_the_vectors_store_them(tmp_path: Path) -> None:
    """The kernel's SessionRecords overlay uses the same upsert rule (``records.place``): for
    every storing vector, the saved section with the session's records over it is the expected one."""
    import json

    import nbformat

    from jupyter_llmdev.kernel.session import SessionRecords

    vectors = sorted((Path(__file__).parents[1] / "vectors" / "records").glob("*.json"))
    stored = [json.loads(path.read_text(encoding="utf-8")) for path in vectors]
    stored = [vector for vector in stored if "expected" in vector]
    assert stored
    for number, vector in enumerate(stored):
        nb = nbformat.v4.new_notebook()
        if "section" in vector:
            nb.metadata["jupyter_llmdev"] = vector["section"]
        path = tmp_path / f"n{number}.ipynb"
        nbformat.write(nb, str(path))
        session = SessionRecords()
        session.add(str(path), [(upsert["kind"], upsert["record"]) for upsert in vector["upserts"]])
        assert session.section(str(path)) == vector["expected"], vector["name"]
