"""Runs every JSON test vector in tests/vectors/ (see its README.md) with the Python applier
and the Python presence rule (``notebook/presence.py``, the twin of the panel's ``presence.ts``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest

from jupyter_llmdev.errors import LLMDevError
from jupyter_llmdev.notebook.apply import apply_changeset
from jupyter_llmdev.notebook.changeset import ChangeSet
from jupyter_llmdev.notebook.metadata import read_section
from jupyter_llmdev.notebook.presence import presence_of
from jupyter_llmdev.notebook.revert import plan_revert

VECTOR_DIR = Path(__file__).parent / "vectors"
VECTORS = sorted(VECTOR_DIR.glob("*.json"))
#: cell metadata keys a frontend may add by itself; not compared (see README.md)
IGNORED_CELL_METADATA = ("execution", "trusted")


def load_notebook(data: dict[str, Any]) -> Any:
    """A vector's notebook as nbformat reads a file (list sources joined; validated)."""
    nb = nbformat.reads(json.dumps(data), as_version=4)
    nbformat.validate(nb)
    return nb


def comparable(nb: Any) -> dict[str, Any]:
    """Exactly what the vectors compare: cells (id, type, source, metadata) and the section."""
    cells = []
    for cell in nb["cells"]:
        source = cell["source"]
        metadata = {
            k: v for k, v in cell.get("metadata", {}).items() if k not in IGNORED_CELL_METADATA
        }
        cells.append(
            {
                "id": cell["id"],
                "cell_type": cell["cell_type"],
                "source": source if isinstance(source, str) else "".join(source),
                "metadata": json.loads(json.dumps(metadata)),
            }
        )
    section = nb["metadata"].get("jupyter_llmdev")
    return {"cells": cells, "section": json.loads(json.dumps(section))}


def hand_edit(nb: Any, edit: dict[str, Any]) -> None:
    """A user's edit between applying and reverting: source only, no stamp, no record."""
    position = [cell["id"] for cell in nb.cells].index(edit["cell_id"])
    if edit["op"] == "set_source":
        nb.cells[position]["source"] = edit["source"]
    elif edit["op"] == "delete":
        del nb.cells[position]
    else:
        raise AssertionError(f"unknown hand edit {edit['op']!r}")


def run_revert(nb: Any, spec: dict[str, Any]) -> None:
    inverse = plan_revert(nb, spec["change"], force=spec["force"], role=spec["role"])
    inverse.id = spec["id"]
    inverse.time = spec["time"]
    apply_changeset(nb, inverse)


def check_presence(nb: Any, expected: dict[str, str]) -> None:
    """Every applied change's presence in the notebook's cells, as the vector states it."""
    changes = [ChangeSet.from_dict(record) for record in read_section(nb)["changes"]]
    applied = {change.id: change for change in changes if change.status == "applied"}
    assert set(expected) == set(applied), "a presence vector states every applied change"
    found = {change_id: presence_of(change, nb["cells"]) for change_id, change in applied.items()}
    assert found == expected


def expect_error(nb: Any, name: str, action: Any) -> None:
    untouched = comparable(nb)
    with pytest.raises(LLMDevError) as info:
        action()
    assert type(info.value).__name__ == name, str(info.value)
    assert 1 <= len(str(info.value).splitlines()) <= 3
    assert comparable(nb) == untouched, "a failed operation must leave the notebook unchanged"


@pytest.mark.parametrize("path", VECTORS, ids=[path.stem for path in VECTORS])
def test_vector(path: Path) -> None:
    vector = json.loads(path.read_text(encoding="utf-8"))
    assert vector["kind"] in ("apply", "revert", "presence")
    nb = load_notebook(vector["notebook"])
    if vector["kind"] == "presence":
        check_presence(nb, vector["expected_presence"])
        return
    changeset = vector.get("changeset")
    if vector["kind"] == "apply" and "error" in vector:
        expect_error(
            nb, vector["error"], lambda: apply_changeset(nb, ChangeSet.from_dict(changeset))
        )
        return
    if changeset is not None:
        apply_changeset(nb, ChangeSet.from_dict(changeset))
        nbformat.validate(nb)
        if "expected" in vector:
            assert comparable(nb) == comparable(load_notebook(vector["expected"]))
    if vector["kind"] == "apply":
        assert "expected" in vector
        return
    for edit in vector.get("hand_edits", []):
        hand_edit(nb, edit)
    if "error" in vector:
        expect_error(nb, vector["error"], lambda: run_revert(nb, vector["revert"]))
        return
    run_revert(nb, vector["revert"])
    nbformat.validate(nb)
    assert comparable(nb) == comparable(load_notebook(vector["expected_after_revert"]))


def test_vectors_cover_the_required_cases() -> None:
    names = {json.loads(path.read_text(encoding="utf-8"))["name"] for path in VECTORS}
    required = {
        "apply-insert-after",
        "apply-insert-top",
        "apply-insert-chained",
        "apply-replace-type-change",
        "apply-delete",
        "apply-mixed",
        "apply-error-unknown-cell",
        "revert-insert",
        "revert-insert-chained",
        "revert-replace-type-change",
        "revert-delete",
        "revert-mixed",
        "revert-conflict",
        "revert-force-cell-gone",
        "revert-undone-insert",
        "revert-force-writes-nothing",
        "presence-insert",
        "presence-replace-delete",
        "presence-mixed",
    }
    assert required <= names
    assert len({path.stem.split("-", 1)[1] for path in VECTORS}) == len(VECTORS), "names are unique"


RECORD_VECTORS = sorted((VECTOR_DIR / "records").glob("*.json"))


def record_notebook(vector: dict[str, Any]) -> Any:
    """A one-cell notebook holding the vector's ``section`` (none when the vector has none)."""
    metadata: dict[str, Any] = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    if "section" in vector:
        metadata["jupyter_llmdev"] = vector["section"]
    cell = {"id": "a", "cell_type": "code", "source": "x = 1", "metadata": {}, "outputs": [],
            "execution_count": None}
    data = {"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": [cell]}
    return nbformat.reads(json.dumps(data), as_version=4)


@pytest.mark.parametrize("path", RECORD_VECTORS, ids=[path.stem for path in RECORD_VECTORS])
def test_record_vector(path: Path) -> None:
    """notebook/records.py stores workflow records as labextension's storeRecords does."""
    from jupyter_llmdev.notebook.records import commit

    vector = json.loads(path.read_text(encoding="utf-8"))
    assert path.stem.split("-", 1)[1] == vector["name"]
    nb = record_notebook(vector)
    updates = [(upsert["kind"], upsert["record"]) for upsert in vector["upserts"]]
    if "error" in vector:
        expect_error(nb, vector["error"], lambda: commit(nb, updates))
        assert json.loads(json.dumps(nb["metadata"].get("jupyter_llmdev"))) == vector.get("section")
        return
    commit(nb, updates)
    assert json.loads(json.dumps(nb["metadata"]["jupyter_llmdev"])) == vector["expected"]
    nbformat.validate(nb)


def test_record_vectors_cover_the_required_cases() -> None:
    names = {json.loads(path.read_text(encoding="utf-8"))["name"] for path in RECORD_VECTORS}
    assert {"store-into-no-section", "store-replaces-same-id-in-place", "store-error-unknown-kind",
            "store-error-schema-all-or-nothing", "store-error-corrupt-section"} <= names
