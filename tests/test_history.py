"""History views: find_change, log_lines, show_change, diff_change, latest_change."""

from __future__ import annotations

import re
from typing import Any

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_llmdev.errors import ChangeNotFound
from jupyter_llmdev.notebook.apply import apply_changeset
from jupyter_llmdev.notebook.changeset import CellState, ChangeSet, Edit
from jupyter_llmdev.notebook.history import (
    diff_change,
    find_change,
    latest_change,
    log_lines,
    show_change,
)
from jupyter_llmdev.notebook.metadata import read_section
from jupyter_llmdev.notebook.revert import revert_change

LONG_PROMPT = (
    "Rewrite the loader so that it streams rows instead of reading the whole file at once\n"
    "and keep the old API"
)


@pytest.fixture()
def nb() -> Any:
    nb = new_notebook(
        cells=[
            new_code_cell(
                "import csv\nrows = list(csv.reader(open('f')))\nprint(len(rows))", id="load"
            ),
            new_markdown_cell("# Notes", id="notes"),
        ]
    )
    first = ChangeSet(
        [
            Edit("replace", "load", after=CellState("markdown", "Loading is now lazy.")),
            Edit(
                "insert",
                "n1",
                after=CellState("code", "def rows(path):\n    yield from csv.reader(open(path))"),
                anchor="load",
            ),
            Edit("delete", "notes"),
        ],
        role="developer",
        model="gpt-test",
        provider="local",
        prompt=LONG_PROMPT,
        plan_id="p1",
        usage={"prompt_tokens": 1200, "completion_tokens": 300, "cached_tokens": 1024},
        id="1a2b3c4d",
        time="2026-11-25T10:00:00Z",
    )
    second = ChangeSet(
        [Edit("insert", "n2", after=CellState("code", "x = 1"), anchor=None)],
        role="ask",
        id="9f8e7d6c",
        time="2026-11-25T10:05:00Z",
        prompt="one more",
        parent="1a2b3c4d",
    )
    apply_changeset(nb, first)
    apply_changeset(nb, second)
    return nb


def test_log_lines_one_line_per_change_oldest_first(nb: Any) -> None:
    lines = log_lines(nb)
    assert lines == [
        "1a2b3c4d  2026-11-25T10:00:00Z  developer/gpt-test  applied  3 edits  "
        "Rewrite the loader so that it streams rows instead of rea...",
        "9f8e7d6c  2026-11-25T10:05:00Z  ask/-               applied  1 edit   one more",
    ]
    revert_change(nb, "1a2b")
    lines = log_lines(nb)
    assert len(lines) == 3
    assert re.match(r"^1a2b3c4d  \S+  developer/gpt-test  reverted  3 edits  Rewrite", lines[0])
    assert re.match(
        r"^[0-9a-f]{8}  \S+  human/-             applied   3 edits  revert 1a2b3c4d: Rewrite", lines[2]
    )


def test_log_and_show_check_an_applied_change_against_the_cells(nb: Any) -> None:
    # JupyterLab's undo of the second change: its cell is gone, its record still says applied
    nb.cells = [cell for cell in nb.cells if cell["id"] != "n2"]
    assert read_section(nb)["changes"][1]["status"] == "applied"
    assert log_lines(nb)[1].split()[3] == "undone"
    assert show_change(nb, "9f8e").splitlines()[0].startswith("change:      9f8e7d6c  (undone: its cells are as")
    # a kernel passes the section and the cells on display; a section alone has no cells to check
    section = read_section(nb)
    assert log_lines(section, cells=nb.cells)[1].split()[3] == "undone"
    assert log_lines(section)[1].split()[3] == "applied"
    assert log_lines(section, cells=nb.cells, status_of={"9f8e7d6c": "session"})[1].split()[3] == "session"
    # the first change, its inserted cell edited by hand: still applied in log, "edited since" in show
    next(cell for cell in nb.cells if cell["id"] == "n1")["source"] = "def rows(path): ..."
    assert log_lines(nb)[0].split()[3] == "applied"
    assert show_change(nb, "1a2b").splitlines()[0] == "change:      1a2b3c4d  (applied, edited since)"


def test_log_of_a_notebook_without_history_is_empty() -> None:
    assert log_lines(new_notebook()) == []


def test_show_change_describes_who_why_cost_and_edits(nb: Any) -> None:
    text = show_change(nb, "1a2")
    assert text.splitlines()[0] == "change:      1a2b3c4d  (applied)"
    for expected in (
        "by:          developer / gpt-test via local",
        "plan:        p1",
        "usage:       prompt_tokens 1200, completion_tokens 300, cached_tokens 1024",
        "    Rewrite the loader so that it streams rows instead of reading the whole file at once",
        "    and keep the old API",
        "edits (3):",
        "    replace  load  code -> markdown, 3 lines -> 1 line",
        "    insert   n1  code, 2 lines, after load",
        "    delete   notes  markdown, 1 line, was after n1",
    ):
        assert expected in text.splitlines(), expected
    inverse = revert_change(nb, "1a2b3c4d")
    assert f"reverted by: {inverse.id}" in show_change(nb, "1a2b3c4d")
    shown = show_change(nb, inverse.id)
    assert "reverts:     1a2b3c4d" in shown and "usage:       none (no model call)" in shown


def test_diff_change_plain(nb: Any) -> None:
    text = diff_change(nb, "1a2b3c4d")
    assert "\x1b[" not in text
    lines = text.splitlines()
    assert lines[0].startswith("change 1a2b3c4d  developer/gpt-test  Rewrite the loader")
    replace = lines.index("replace  load  code -> markdown, 3 lines -> 1 line")
    assert lines[replace + 1 : replace + 8] == [
        "--- a/load (code)",
        "+++ b/load (markdown)",
        "@@ -1,3 +1 @@",
        "-import csv",
        "-rows = list(csv.reader(open('f')))",
        "-print(len(rows))",
        "+Loading is now lazy.",
    ]
    assert "--- a/(no cell)" in lines and "+++ b/n1 (code)" in lines
    assert "+    yield from csv.reader(open(path))" in lines
    assert "+++ b/(no cell)" in lines and "-# Notes" in lines


def test_diff_change_colored(nb: Any) -> None:
    text = diff_change(nb, "1a2b3c4d", color=True)
    assert "\x1b[31m-import csv\x1b[0m" in text
    assert "\x1b[32m+Loading is now lazy.\x1b[0m" in text
    assert "\x1b[36m@@ -1,3 +1 @@\x1b[0m" in text
    assert "\x1b[1;33mreplace  load  code -> markdown, 3 lines -> 1 line\x1b[0m" in text
    assert re.sub(r"\x1b\[[0-9;]*m", "", text) == diff_change(nb, "1a2b3c4d", color=False)


def test_diff_of_a_type_only_change_says_source_unchanged() -> None:
    nb = new_notebook(cells=[new_code_cell("# title", id="a")])
    cs = ChangeSet([Edit("replace", "a", after=CellState("markdown", "# title"))], role="ask")
    apply_changeset(nb, cs)
    assert "(source unchanged)" in diff_change(nb, cs.id)


def test_find_change_exact_prefix_and_errors(nb: Any) -> None:
    assert find_change(nb, "9f").id == "9f8e7d6c"
    section = read_section(nb)
    assert find_change(section, "1a2b3c4d").usage["prompt_tokens"] == 1200
    extra = ChangeSet([], role="ask", id="9f8e", time="2026-11-25T11:00:00Z")
    apply_changeset(nb, extra)
    assert find_change(nb, "9f8e").id == "9f8e"  # an exact id wins over longer ids it prefixes
    with pytest.raises(ChangeNotFound, match="ambiguous.*9f8e7d6c, 9f8e"):
        find_change(nb, "9f")
    with pytest.raises(ChangeNotFound) as info:
        find_change(nb, "zz")
    assert "Recent changes, newest first: 9f8e, 9f8e7d6c, 1a2b3c4d" in str(info.value)
    with pytest.raises(ChangeNotFound, match="Give a change id"):
        find_change(nb, "  ")
    with pytest.raises(ChangeNotFound, match="no recorded changes yet"):
        find_change(new_notebook(), "1a")


def test_latest_change(nb: Any) -> None:
    assert latest_change(nb).id == "9f8e7d6c"  # type: ignore[union-attr]
    revert_change(nb, "9f8e7d6c")
    latest = latest_change(nb)
    assert latest is not None and latest.reverts == "9f8e7d6c"
    assert latest_change(nb, status="reverted").id == "9f8e7d6c"  # type: ignore[union-attr]
    assert latest_change(new_notebook()) is None
