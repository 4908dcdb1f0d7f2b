"""plan_edits: where the model's proposed cells go, and which ids they get."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_llmdev.errors import ApplyError
from jupyter_llmdev.notebook import changeset
from jupyter_llmdev.notebook.apply import apply_changeset
from jupyter_llmdev.notebook.changeset import CellState, ChangeSet, ProposedCell
from jupyter_llmdev.notebook.placement import plan_edits
from jupyter_llmdev.notebook.snapshot import NotebookSnapshot


def make_nb() -> Any:
    return new_notebook(
        cells=[
            new_code_cell("import os", id="a"),
            new_markdown_cell("# Title", id="b"),
            new_code_cell("print(1)", id="c"),
        ]
    )


def snap(nb: Any) -> NotebookSnapshot:
    return NotebookSnapshot.from_notebook(nb)


P1 = ProposedCell("code", "x = 1")
P2 = ProposedCell("markdown", "Some notes")
P3 = ProposedCell("code", "y = x + 1")


def shape(edits: list[Any]) -> list[tuple[str, str | None, str]]:
    return [(edit.op, edit.anchor, edit.after.source) for edit in edits]


def test_default_chains_inserts_after_the_given_cell() -> None:
    edits = plan_edits(snap(make_nb()), [P1, P2, P3], after_id="a")
    ids = [edit.cell_id for edit in edits]
    assert shape(edits) == [
        ("insert", "a", "x = 1"),
        ("insert", ids[0], "Some notes"),
        ("insert", ids[1], "y = x + 1"),
    ]
    assert len(set(ids)) == 3 and not set(ids) & {"a", "b", "c"}
    nb = make_nb()
    apply_changeset(nb, ChangeSet(edits, role="ask"))
    assert [cell.source for cell in nb.cells] == [
        "import os",
        "x = 1",
        "Some notes",
        "y = x + 1",
        "# Title",
        "print(1)",
    ]
    assert [cell.cell_type for cell in nb.cells][1:4] == ["code", "markdown", "code"]
    nbformat.validate(nb)


def test_no_after_id_appends_at_the_end() -> None:
    edits = plan_edits(snap(make_nb()), [P1, P2], after_id=None)
    assert edits[0].anchor == "c" and edits[1].anchor == edits[0].cell_id
    empty = plan_edits(NotebookSnapshot(cells=[]), [P1], after_id=None)
    assert empty[0].anchor is None
    nb = new_notebook()
    apply_changeset(nb, ChangeSet(empty, role="ask"))
    assert [cell.source for cell in nb.cells] == ["x = 1"]


def test_replace_id_replaces_with_the_first_cell_of_its_type_and_inserts_the_rest_after_it() -> None:
    nb = make_nb()
    edits = plan_edits(snap(nb), [P1, P2, P3], after_id="a", replace_id="c")
    assert shape(edits) == [
        ("replace", None, "x = 1"),
        ("insert", "c", "Some notes"),
        ("insert", edits[1].cell_id, "y = x + 1"),
    ]
    assert edits[0].cell_id == "c" and edits[0].before == CellState("code", "print(1)")
    apply_changeset(nb, ChangeSet(edits, role="ask"))
    assert [(cell.id, cell.cell_type) for cell in nb.cells][2:] == [
        ("c", "code"), (edits[1].cell_id, "markdown"), (edits[2].cell_id, "code")]


def test_prose_never_replaces_code_and_a_markdown_cell_stays_markdown() -> None:
    """The reply's first cell is prose: the code cell is replaced by the first *code* cell."""
    edits = plan_edits(snap(make_nb()), [P2, P1], after_id=None, replace_id="c")
    assert [(e.op, e.after.cell_type) for e in edits] == [("insert", "markdown"), ("replace", "code")]
    assert edits[1].cell_id == "c"
    edits = plan_edits(snap(make_nb()), [P1, P2], after_id=None, replace_id="b")
    assert [(e.op, e.cell_id == "b", e.after.cell_type) for e in edits] == [
        ("insert", False, "code"), ("replace", True, "markdown")]


def test_replace_with_no_cell_of_the_type_changes_nothing() -> None:
    with pytest.raises(ApplyError, match="no code cell to put in place of cell c"):
        plan_edits(snap(make_nb()), [P2], after_id=None, replace_id="c")


def test_proposed_replaces_of_a_known_cell_replaces_it_without_moving_the_chain() -> None:
    edits = plan_edits(
        snap(make_nb()), [P1, ProposedCell("code", "import sys", replaces="a"), P3], after_id="c"
    )
    assert edits[1].op == "replace" and edits[1].cell_id == "a"
    assert edits[1].before == CellState("code", "import os")
    assert edits[2].anchor == edits[0].cell_id


def test_proposed_replaces_of_an_unknown_or_already_replaced_cell_is_inserted() -> None:
    proposed = [
        ProposedCell("code", "one", replaces="ghost"),
        ProposedCell("code", "two", replaces="a"),
        ProposedCell("code", "three", replaces="a"),
    ]
    edits = plan_edits(snap(make_nb()), proposed, after_id="b")
    assert [edit.op for edit in edits] == ["insert", "replace", "insert"]
    assert edits[0].anchor == "b" and edits[0].cell_id != "ghost"
    assert edits[2].anchor == edits[0].cell_id
    nb = make_nb()
    apply_changeset(nb, ChangeSet(edits, role="ask"))
    assert [cell.source for cell in nb.cells] == ["two", "# Title", "one", "three", "print(1)"]


def test_new_ids_never_collide(monkeypatch: pytest.MonkeyPatch) -> None:
    candidates: Iterator[str] = iter(["a", "b", "n1", "n1", "c", "n2"])
    monkeypatch.setattr(changeset, "new_cell_id", lambda: next(candidates))  # fresh_cell_id's source
    edits = plan_edits(snap(make_nb()), [P1, P2], after_id="a")
    assert [edit.cell_id for edit in edits] == ["n1", "n2"]


@pytest.mark.parametrize("kwargs", [{"after_id": "zz"}, {"after_id": None, "replace_id": "zz"}])
def test_unknown_target_cell_is_an_apply_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ApplyError, match="no cell with that id"):
        plan_edits(snap(make_nb()), [P1], **kwargs)


def test_no_proposed_cells_gives_no_edits() -> None:
    assert plan_edits(snap(make_nb()), [], after_id="a") == []


def test_a_snapshot_older_than_the_notebook_fails_cleanly_on_apply() -> None:
    nb = make_nb()
    edits = plan_edits(snap(nb), [ProposedCell("code", "new")], after_id=None, replace_id="c")
    nb.cells[2].source = "print(2)  # typed while the model was answering"
    with pytest.raises(ApplyError, match="edited since"):
        apply_changeset(nb, ChangeSet(edits, role="ask"))
    assert nb.cells[2].source.startswith("print(2)")
