"""Reverting recorded changes: exactness, conflicts, force, errors and redo."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from jupyter_llmdev.errors import ApplyError, ChangeNotFound, RevertConflict
from jupyter_llmdev.notebook.apply import apply_changeset
from jupyter_llmdev.notebook.changeset import CellState, ChangeSet, Edit
from jupyter_llmdev.notebook.io import read_notebook, write_notebook
from jupyter_llmdev.notebook.metadata import NAMESPACE, read_section
from jupyter_llmdev.notebook.revert import revert_change


def make_nb() -> Any:
    return new_notebook(
        cells=[
            new_code_cell(
                "import math\n",
                id="a",
                execution_count=1,
                outputs=[new_output("stream", name="stdout", text="ok\n")],
            ),
            new_markdown_cell(
                "# Título 🙂\n\n  trailing spaces  ",
                id="b",
                metadata={"tags": ["intro"], "editable": False},
            ),
            new_raw_cell("", id="c", metadata={"format": "text/plain"}),
            new_code_cell("def f(x):\n\treturn x  \n\n", id="d"),
        ]
    )


def content(nb: Any) -> list[tuple[str, str, str, dict[str, Any]]]:
    """What a revert must restore: ids, types, sources and user metadata, in order."""
    return [
        (
            cell.id,
            cell.cell_type,
            cell.source,
            {k: v for k, v in cell.metadata.items() if k != NAMESPACE},
        )
        for cell in nb.cells
    ]


def apply(nb: Any, *edits: Edit, prompt: str = "do it", change_id: str | None = None) -> ChangeSet:
    cs = ChangeSet(list(edits), role="developer", model="m", prompt=prompt)
    if change_id:
        cs.id = change_id
    apply_changeset(nb, cs)
    return cs


def status(nb: Any, change_id: str) -> str:
    return next(r["status"] for r in read_section(nb)["changes"] if r["id"] == change_id)


@pytest.mark.parametrize(
    "edits",
    [
        [Edit("insert", "n1", after=CellState("code", "y = 2"), anchor="a")],
        [
            Edit("insert", "n1", after=CellState("markdown", "top"), anchor=None),
            Edit("insert", "n2", after=CellState("raw", "next"), anchor="n1"),
        ],
        [Edit("replace", "d", after=CellState("markdown", "now *markdown*"))],
        [Edit("replace", "c", after=CellState("code", "print('was raw')"))],
        [Edit("delete", "b")],
        [Edit("delete", "a"), Edit("delete", "b")],
        [
            Edit("insert", "n1", after=CellState("code", "z"), anchor="b"),
            Edit("delete", "b"),
            Edit("replace", "n1", after=CellState("code", "z2")),
            Edit("replace", "a", after=CellState("raw", "")),
        ],
    ],
    ids=[
        "insert",
        "chain-top",
        "code-to-markdown",
        "raw-to-code",
        "delete-tagged",
        "delete-two",
        "mixed",
    ],
)
def test_revert_restores_sources_types_and_metadata_exactly(edits: list[Edit]) -> None:
    nb = make_nb()
    original = content(nb)
    cs = apply(nb, *edits)
    assert content(nb) != original
    inverse = revert_change(nb, cs.id)
    assert content(nb) == original
    nbformat.validate(nb)
    assert inverse.reverts == cs.id and inverse.command == "revert" and inverse.role == "human"
    assert status(nb, cs.id) == "reverted"
    assert read_section(nb)["changes"][-1]["id"] == inverse.id


def test_revert_through_files(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(make_nb(), path)
    original = content(read_notebook(path))
    nb = read_notebook(path)
    cs = apply(nb, Edit("delete", "b"), Edit("replace", "d", after=CellState("code", "pass")))
    write_notebook(path, nb)
    nb = read_notebook(path)
    revert_change(nb, cs.id[:4])
    write_notebook(path, nb)
    assert content(read_notebook(path)) == original


def test_conflict_lists_edited_cells_and_changes_nothing() -> None:
    nb = make_nb()
    cs = apply(
        nb,
        Edit("replace", "a", after=CellState("code", "import cmath")),
        Edit("insert", "n1", after=CellState("code", "x = 1"), anchor="a"),
        Edit("replace", "d", after=CellState("code", "kept")),
    )
    nb.cells[0].source = "import cmath  # mine\nmore"
    del nb.cells[1]  # n1
    before = copy.deepcopy(nb)
    with pytest.raises(RevertConflict) as info:
        revert_change(nb, cs.id)
    message = str(info.value)
    assert f"Cannot revert change {cs.id}: 2 cell(s) changed since it" in message
    assert "a ('import cmath  # mine')" in message and "n1 (deleted)" in message
    assert "d (" not in message
    assert (
        "use --force to revert anyway (your edits to those cells will be lost)" in message.lower()
    )
    assert len(message.splitlines()) <= 3
    assert info.value.cells == ["a", "n1"]  # type: ignore[attr-defined]
    assert nb == before


def test_force_overwrites_edits_and_skips_cells_that_are_gone() -> None:
    nb = make_nb()
    original = content(nb)
    cs = apply(
        nb,
        Edit("replace", "a", after=CellState("code", "import cmath")),
        Edit("insert", "n1", after=CellState("code", "x = 1"), anchor="a"),
    )
    nb.cells[0].source = "hand edit"
    del nb.cells[1]
    inverse = revert_change(nb, cs.id, force=True)
    assert [edit.op for edit in inverse.edits] == ["replace"]
    assert inverse.edits[0].before == CellState("code", "hand edit")
    assert content(nb) == original
    assert status(nb, cs.id) == "reverted"


def test_force_restores_a_deleted_cell_whose_id_came_back() -> None:
    nb = make_nb()
    cs = apply(nb, Edit("delete", "b"))
    nb.cells.insert(0, new_code_cell("someone reused the id", id="b"))
    with pytest.raises(RevertConflict, match="created again"):
        revert_change(nb, cs.id)
    revert_change(nb, cs.id, force=True)
    assert (nb.cells[0].id, nb.cells[0].cell_type, nb.cells[0].source) == (
        "b",
        "markdown",
        "# Título 🙂\n\n  trailing spaces  ",
    )
    nbformat.validate(nb)


def test_deleted_cell_returns_at_its_position_when_the_anchor_is_gone() -> None:
    nb = make_nb()
    cs = apply(nb, Edit("delete", "c"))  # anchor b, position 2
    other = apply(nb, Edit("delete", "b"))
    del other
    revert_change(nb, cs.id)
    assert [cell.id for cell in nb.cells] == ["a", "d", "c"]


def test_already_reverted_is_refused_and_names_the_revert() -> None:
    nb = make_nb()
    cs = apply(nb, Edit("delete", "b"))
    inverse = revert_change(nb, cs.id)
    before = copy.deepcopy(nb)
    with pytest.raises(ApplyError) as info:
        revert_change(nb, cs.id)
    assert f"already reverted by change {inverse.id}" in str(info.value)
    assert f"revert {inverse.id}" in str(info.value)
    assert nb == before


def test_reverting_the_revert_redoes_the_change() -> None:
    nb = make_nb()
    cs = apply(nb, Edit("replace", "d", after=CellState("markdown", "doc")))
    changed = content(nb)
    inverse = revert_change(nb, cs.id)
    redo = revert_change(nb, inverse.id)
    assert content(nb) == changed
    assert status(nb, cs.id) == "applied"
    assert status(nb, inverse.id) == "reverted"
    assert status(nb, redo.id) == "applied"
    assert nb.cells[3].metadata[NAMESPACE] == {"change": redo.id, "revision": 3, "origin": "human"}
    revert_change(nb, cs.id)  # the original can be reverted again
    assert nb.cells[3].cell_type == "code"


def test_unknown_and_ambiguous_ids() -> None:
    nb = make_nb()
    apply(nb, Edit("delete", "a"), change_id="ab12cd34")
    apply(nb, Edit("delete", "b"), change_id="ab99cd34")
    with pytest.raises(ChangeNotFound) as info:
        revert_change(nb, "ffff")
    assert "no change 'ffff'" in str(info.value)
    assert "ab99cd34, ab12cd34" in str(info.value)
    with pytest.raises(ChangeNotFound, match="ambiguous"):
        revert_change(nb, "ab")
    revert_change(nb, "ab9")
    assert [cell.id for cell in nb.cells] == ["b", "c", "d"]


# -- property: any sequence of changes, reverted newest first, gives the notebook back --------

_SOURCES = st.text(alphabet=st.sampled_from("ab \n\t#é🙂"), max_size=12)
_TYPES = st.sampled_from(["code", "markdown", "raw"])


@st.composite
def _edits(draw: st.DrawFn, ids: list[str], fresh: list[int]) -> list[Edit]:
    edits: list[Edit] = []
    current = list(ids)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["insert", "replace", "delete"] if current else ["insert"]))
        after = CellState(draw(_TYPES), draw(_SOURCES))
        if op == "insert":
            fresh[0] += 1
            cell_id = f"n{fresh[0]}"
            anchor = draw(st.sampled_from([None, *current]))
            edits.append(Edit("insert", cell_id, after=after, anchor=anchor))
            current.insert(current.index(anchor) + 1 if anchor else 0, cell_id)
        elif op == "replace":
            edits.append(Edit("replace", draw(st.sampled_from(current)), after=after))
        else:
            cell_id = draw(st.sampled_from(current))
            edits.append(Edit("delete", cell_id))
            current.remove(cell_id)
    return edits


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_history_reverts_back_to_the_original(data: st.DataObject) -> None:
    nb = make_nb()
    original = content(nb)
    fresh = [0]
    applied = []
    for _ in range(data.draw(st.integers(1, 4))):
        edits = data.draw(_edits([cell.id for cell in nb.cells], fresh))
        applied.append(apply(nb, *edits))
        nbformat.validate(nb)
    for cs in reversed(applied):
        revert_change(nb, cs.id)
    assert content(nb) == original
    nbformat.validate(nb)
