"""apply_changeset: nbformat cells, stamps, records, and all-or-nothing failures."""

from __future__ import annotations

import copy
import json
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from jupyter_llmdev.errors import ApplyError
from jupyter_llmdev.notebook.apply import apply_changeset
from jupyter_llmdev.notebook.changeset import CellState, ChangeSet, Edit
from jupyter_llmdev.notebook.metadata import NAMESPACE, read_section

PNG = {"image/png": "iVBORw0KGgo="}


def make_nb() -> Any:
    return new_notebook(
        cells=[
            new_code_cell(
                "x = 1\nx",
                id="a",
                execution_count=1,
                outputs=[new_output("execute_result", data={"text/plain": "1"}, execution_count=1)],
            ),
            new_markdown_cell(
                "![img](attachment:i.png)",
                id="b",
                attachments={"i.png": PNG},
                metadata={"tags": ["t"]},
            ),
        ]
    )


def change(*edits: Edit, role: str = "developer", **extra: Any) -> ChangeSet:
    return ChangeSet(list(edits), role=role, **extra)


def test_inserted_cells_are_valid_v45_cells() -> None:
    nb = make_nb()
    apply_changeset(
        nb,
        change(
            Edit("insert", "n1", after=CellState("code", "y = 2"), anchor="a"),
            Edit(
                "insert",
                "n2",
                after=CellState("raw", "raw text", {"format": "text/x", NAMESPACE: {}}),
                anchor="n1",
            ),
        ),
    )
    code, raw = nb.cells[1], nb.cells[2]
    assert (code.id, code.cell_type, code.outputs, code.execution_count) == ("n1", "code", [], None)
    assert (raw.id, raw.cell_type, "outputs" in raw) == ("n2", "raw", False)
    assert raw.metadata["format"] == "text/x"
    assert raw.metadata[NAMESPACE]["revision"] == 1
    nbformat.validate(nb)
    assert isinstance(code, nbformat.NotebookNode) and isinstance(
        code.metadata, nbformat.NotebookNode
    )


def test_replace_clears_stale_outputs_but_not_for_identical_code() -> None:
    nb = make_nb()
    apply_changeset(nb, change(Edit("replace", "a", after=CellState("code", "x = 1\nx"))))
    assert nb.cells[0].outputs and nb.cells[0].execution_count == 1
    apply_changeset(nb, change(Edit("replace", "a", after=CellState("code", "x = 2\nx"))))
    assert nb.cells[0].outputs == [] and nb.cells[0].execution_count is None
    assert nb.cells[0].metadata[NAMESPACE]["revision"] == 2
    nbformat.validate(nb)


def test_type_changes_keep_metadata_and_attachments_where_allowed() -> None:
    nb = make_nb()
    apply_changeset(nb, change(Edit("replace", "b", after=CellState("raw", "raw now"))))
    assert nb.cells[1].attachments == {"i.png": PNG} and nb.cells[1].metadata["tags"] == ["t"]
    apply_changeset(nb, change(Edit("replace", "b", after=CellState("code", "print()"))))
    cell = nb.cells[1]
    assert "attachments" not in cell and cell.outputs == [] and cell.metadata["tags"] == ["t"]
    apply_changeset(nb, change(Edit("replace", "a", after=CellState("markdown", "md"))))
    assert "outputs" not in nb.cells[0] and "execution_count" not in nb.cells[0]
    nbformat.validate(nb)


def test_record_is_completed_and_the_changeset_updated_in_place() -> None:
    nb = make_nb()
    cs = change(
        Edit("replace", "a", after=CellState("code", "z")),
        Edit("delete", "b"),
        status="proposed",
        usage={"total_tokens": 9},
    )
    apply_changeset(nb, cs)
    assert cs.status == "applied"
    assert cs.edits[0].before == CellState("code", "x = 1\nx")
    assert cs.edits[1].before == CellState("markdown", "![img](attachment:i.png)", {"tags": ["t"]})
    assert (cs.edits[1].anchor, cs.edits[1].position) == ("a", 1)
    assert read_section(nb)["changes"] == [cs.to_dict()]


def test_stamps_origin_and_revisions() -> None:
    nb = make_nb()
    first = change(Edit("replace", "a", after=CellState("code", "1")))
    apply_changeset(nb, first)
    second = change(
        Edit("replace", "a", after=CellState("code", "2")),
        Edit("replace", "a", after=CellState("code", "3")),
        role="human",
    )
    apply_changeset(nb, second)
    assert nb.cells[0].metadata[NAMESPACE] == {
        "change": second.id,
        "revision": 2,
        "origin": "human",
    }
    assert NAMESPACE not in nb.cells[1].metadata


def failing_changesets() -> dict[str, tuple[ChangeSet, str]]:
    ok = Edit("insert", "n1", after=CellState("code", "fine"), anchor="a")
    return {
        "bad cell id": (
            change(Edit("insert", "has space", after=CellState("code", "x"))),
            "not a valid cell id",
        ),
        "bad cell type": (
            change(ok, Edit("insert", "n2", after=CellState("heading", "x"))),
            "needs a type in code, markdown, raw",
        ),
        "no after": (change(Edit("replace", "a")), "no 'after' cell"),
        "bad op": (change(Edit("move", "a")), "unknown operation"),  # type: ignore[arg-type]
        "malformed record": (change(ok, role=""), "malformed"),
        "bad change id": (change(ok, id="no spaces please"), "malformed"),
        "unknown reverts": (change(ok, reverts="feedbeef"), "not in this notebook's history"),
        "anchor deleted earlier": (
            change(
                Edit("delete", "a"), Edit("insert", "n1", after=CellState("code", "x"), anchor="a")
            ),
            "no cell a",
        ),
    }


@pytest.mark.parametrize("case", sorted(failing_changesets()))
def test_failures_leave_the_notebook_untouched(case: str) -> None:
    cs, message = failing_changesets()[case]
    nb = make_nb()
    cells = nb.cells
    before = copy.deepcopy(nb)
    with pytest.raises(ApplyError) as info:
        apply_changeset(nb, cs)
    assert message in str(info.value)
    assert len(str(info.value).splitlines()) <= 3
    assert nb == before and nb.cells is cells
    assert NAMESPACE not in nb.metadata


def test_a_change_id_is_applied_once() -> None:
    nb = make_nb()
    cs = change(Edit("delete", "b"))
    apply_changeset(nb, cs)
    again = ChangeSet.from_dict({**cs.to_dict(), "edits": []})
    with pytest.raises(ApplyError, match="already recorded"):
        apply_changeset(nb, again)


def test_cells_without_ids_are_refused() -> None:
    nb = make_nb()
    del nb.cells[1]["id"]
    with pytest.raises(ApplyError, match="has no id"):
        apply_changeset(nb, change(Edit("delete", "a")))


def test_plain_json_notebooks_work_too() -> None:
    nb = json.loads(nbformat.writes(make_nb()))
    nb["cells"][0]["source"] = "x = 1\nx"  # as list-free text, like nbformat.reads gives
    apply_changeset(
        nb,
        change(
            Edit("insert", "n1", after=CellState("code", "y"), anchor=None),
            Edit("replace", "a", after=CellState("code", "z")),
        ),
    )
    assert type(nb["cells"][0]) is dict and type(nb["metadata"][NAMESPACE]) is dict
    nbformat.validate(nbformat.from_dict(nb))
