"""Notebook metadata: schema file, read/write, migration, version and corruption errors."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from importlib.resources import files
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_llmdev.errors import MetadataError, MetadataVersionError
from jupyter_llmdev.notebook import metadata
from jupyter_llmdev.notebook.apply import apply_changeset
from jupyter_llmdev.notebook.changeset import CellState, ChangeSet, Edit
from jupyter_llmdev.notebook.history import log_lines
from jupyter_llmdev.notebook.io import read_notebook, write_notebook
from jupyter_llmdev.notebook.metadata import (
    NAMESPACE,
    SCHEMA_VERSION,
    empty_section,
    migrate,
    read_section,
    stamp_cell,
    validate_cell_meta,
    validate_section,
    write_section,
)
from jupyter_llmdev.notebook.revert import revert_change


def make_nb(section: Any = None) -> Any:
    nb = new_notebook(cells=[new_code_cell("x = 1", id="a"), new_markdown_cell("# T", id="b")])
    if section is not None:
        nb.metadata[NAMESPACE] = section
    return nb


def record(change_id: str = "c0ffee01", **extra: Any) -> dict[str, Any]:
    edit = Edit("insert", "n1", after=CellState("code", "y = 2"), anchor="a")
    return {
        **ChangeSet([edit], role="developer", id=change_id, time="2026-11-25T10:00:00Z").to_dict(),
        **extra,
    }


V0 = {
    "changes": [
        {
            "id": "0001",
            "time": "t1",
            "role": "developer",
            "model": "m",
            "prompt": "first",
            "edits": [
                {
                    "op": "insert",
                    "cell_id": "p1",
                    "anchor": None,
                    "before": None,
                    "after": {"cell_type": "code", "source": "1"},
                }
            ],
        },
        {
            "id": "0002",
            "time": "t2",
            "role": "human",
            "reverts": "0001",
            "edits": [
                {
                    "op": "delete",
                    "cell_id": "p1",
                    "anchor": None,
                    "before": {"cell_type": "code", "source": "1"},
                    "after": None,
                }
            ],
        },
        {
            "id": "0003",
            "time": "t3",
            "role": "human",
            "reverts": "0002",
            "edits": [
                {
                    "op": "insert",
                    "cell_id": "p1",
                    "anchor": None,
                    "before": None,
                    "after": {"cell_type": "code", "source": "1"},
                }
            ],
        },
        {"id": "0004", "time": "t4", "role": "developer", "edits": []},
    ]
}


def test_schema_ships_inside_the_package_as_draft7() -> None:
    resource = files("jupyter_llmdev.notebook") / "metadata.schema.json"
    assert resource.is_file()
    schema = json.loads(resource.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    import jsonschema

    jsonschema.Draft7Validator.check_schema(schema)


def test_absent_section_reads_as_fresh_empty_and_is_not_added() -> None:
    nb = make_nb()
    assert read_section(nb) == {"schema_version": 1, "changes": [], "plans": [], "reviews": []}
    assert NAMESPACE not in nb.metadata


def test_write_then_read_round_trips_and_returns_copies() -> None:
    nb = make_nb()
    section = empty_section()
    section["changes"].append(record())
    section["plans"].append({"id": "p1", "status": "draft", "text": "plan"})
    write_section(nb, section)
    nbformat.validate(nb)
    assert nb.metadata[NAMESPACE].changes[0].id == "c0ffee01"  # stored as NotebookNode
    read = read_section(nb)
    assert read == section
    read["changes"].clear()
    assert len(nb.metadata[NAMESPACE]["changes"]) == 1


def test_write_refuses_an_invalid_section_and_leaves_the_notebook() -> None:
    nb = make_nb()
    before = copy.deepcopy(nb)
    with pytest.raises(MetadataError, match="Refusing to write"):
        write_section(nb, {**empty_section(), "changes": [{"id": "x"}]})
    assert nb == before


def test_migrate_from_version_0() -> None:
    original = copy.deepcopy(V0)
    migrated = migrate(V0)
    assert V0 == original, "migrate() must not modify its input"
    validate_section(migrated)
    assert migrated["schema_version"] == 1
    assert migrated["plans"] == [] and migrated["reviews"] == []
    status = {change["id"]: change["status"] for change in migrated["changes"]}
    # 0002 reverted 0001, then 0003 reverted 0002: 0001 is back in force
    assert status == {"0001": "applied", "0002": "reverted", "0003": "applied", "0004": "applied"}
    first, second = migrated["changes"][:2]
    assert first["command"] == "ask" and first["prompt"] == "first" and first["usage"] == {}
    assert first["parent"] is None and first["provider"] is None and first["plan_id"] is None
    assert second["command"] == "revert" and second["model"] is None


def test_migrate_leaves_a_current_section_alone() -> None:
    section = {**empty_section(), "changes": [record()]}
    assert migrate(section) == section


def test_version_0_notebook_file_is_migrated_on_apply_and_written_as_version_1(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.ipynb"
    nbformat.write(make_nb(copy.deepcopy(V0)), path)
    nb = read_notebook(path)
    assert [line.split()[0] for line in log_lines(nb)] == ["0001", "0002", "0003", "0004"]
    apply_changeset(nb, ChangeSet.from_dict(record("c0ffee05")))
    write_notebook(path, nb)
    stored = json.loads(path.read_text(encoding="utf-8"))["metadata"][NAMESPACE]
    assert stored["schema_version"] == 1
    assert [change["id"] for change in stored["changes"]] == [
        "0001",
        "0002",
        "0003",
        "0004",
        "c0ffee05",
    ]


def test_newer_schema_version_names_both_versions_and_says_upgrade() -> None:
    nb = make_nb({**empty_section(), "schema_version": 7})
    with pytest.raises(MetadataVersionError) as info:
        read_section(nb, path="work/analysis.ipynb")
    message = str(info.value)
    assert "schema version 7" in message and "up to 1" in message
    assert "Upgrade jupyter-llmdev" in message and "work/analysis.ipynb" in message
    assert "Nothing was changed" in message
    assert len(message.splitlines()) <= 3


CORRUPT = {
    "not an object": (["a list"], "is a list, not an object"),
    "string version": ({**empty_section(), "schema_version": "1"}, 'schema_version is "1"'),
    "bool version": ({**empty_section(), "schema_version": True}, "not an integer"),
    "negative version": ({**empty_section(), "schema_version": -1}, "never written"),
    "missing key": ({"schema_version": 1, "changes": [], "plans": []}, "reviews"),
    "changes not a list": ({**empty_section(), "changes": "oops"}, "changes must be array"),
    "bad edit op": (
        {
            **empty_section(),
            "changes": [
                record(edits=[{"op": "move", "cell_id": "a", "before": None, "after": None}])
            ],
        },
        "changes[0].edits[0].op",
    ),
    "record missing field": (
        {**empty_section(), "changes": [{k: v for k, v in record().items() if k != "time"}]},
        "time",
    ),
    "duplicate ids": ({**empty_section(), "changes": [record(), record()]}, "appears twice"),
}


@pytest.mark.parametrize("case", sorted(CORRUPT))
def test_corrupt_section_says_what_is_wrong_and_how_to_fix_it(case: str) -> None:
    section, detail = CORRUPT[case]
    nb = make_nb(section)
    before = copy.deepcopy(nb)
    with pytest.raises(MetadataError) as info:
        read_section(nb, path="nb.ipynb")
    message = str(info.value)
    assert detail in message
    assert "nb.ipynb" in message and "corrupt" in message
    assert "Nothing was changed" in message
    assert "remove metadata.jupyter_llmdev" in message and "version control" in message
    assert len(message.splitlines()) <= 3
    assert nb == before


@pytest.mark.parametrize("case", ["changes not a list", "duplicate ids", "bad edit op"])
def test_corrupt_section_blocks_apply_revert_and_log_and_leaves_the_file(
    tmp_path: Path, case: str
) -> None:
    path = tmp_path / "broken.ipynb"
    nbformat.write(make_nb(CORRUPT[case][0]), path)
    original = path.read_bytes()
    nb = read_notebook(path)  # reading the file itself still works
    untouched = copy.deepcopy(nb)
    with pytest.raises(MetadataError):
        apply_changeset(nb, ChangeSet.from_dict(record("c0ffee09")))
    with pytest.raises(MetadataError):
        revert_change(nb, "c0ffee01")
    with pytest.raises(MetadataError):
        log_lines(nb)
    assert nb == untouched
    assert path.read_bytes() == original


def test_newer_version_blocks_apply_and_leaves_the_file(tmp_path: Path) -> None:
    path = tmp_path / "future.ipynb"
    nbformat.write(make_nb({**empty_section(), "schema_version": 2, "new_thing": []}), path)
    original = path.read_bytes()
    nb = read_notebook(path)
    with pytest.raises(MetadataVersionError):
        apply_changeset(nb, ChangeSet.from_dict(record()))
    assert path.read_bytes() == original


def test_stamp_cell_counts_revisions_and_validates() -> None:
    cell = new_code_cell("x", id="a", metadata={"tags": ["keep"]})
    stamp_cell(cell, "c0ffee01", origin="llm")
    stamp_cell(cell, "c0ffee02", origin="human")
    assert cell.metadata[NAMESPACE] == {"change": "c0ffee02", "revision": 2, "origin": "human"}
    assert cell.metadata["tags"] == ["keep"]
    validate_cell_meta(dict(cell.metadata[NAMESPACE]))
    cell.metadata[NAMESPACE] = {"revision": "three"}
    stamp_cell(cell, "c0ffee03", origin="llm")
    assert cell.metadata[NAMESPACE]["revision"] == 1
    with pytest.raises(MetadataError, match="origin"):
        validate_cell_meta({"change": "c0ffee01", "revision": 1, "origin": "robot"})


def test_jsonschema_fallback_agrees_with_fastjsonschema() -> None:
    fallback = metadata._jsonschema_validator(metadata._schema(), "metadata.jupyter_llmdev")
    good = {**empty_section(), "changes": [record()]}
    assert fallback(good) is None and metadata._validator(None)(good) is None
    for section, _ in CORRUPT.values():
        assert (fallback(section) is None) == (metadata._validator(None)(section) is None)


def test_importing_the_data_layer_is_cheap() -> None:
    code = (
        "import sys\n"
        "import jupyter_llmdev.notebook.metadata, jupyter_llmdev.notebook.apply\n"
        "import jupyter_llmdev.notebook.revert, jupyter_llmdev.notebook.history\n"
        "import jupyter_llmdev.notebook.io, jupyter_llmdev.notebook.placement\n"
        "heavy = [m for m in ('nbformat', 'jsonschema', 'fastjsonschema', 'openai', 'difflib')\n"
        "         if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
