"""Context assembly: order, budget cutting and its report, nearest-first cells, doc discovery."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from jupyter_llmdev.context import (
    ContextReport,
    build_context,
    estimate_tokens,
    find_architecture_doc,
    read_architecture_doc,
)
from jupyter_llmdev.context.budget import format_tokens, truncate_head
from jupyter_llmdev.errors import ConfigError
from jupyter_llmdev.notebook.snapshot import NotebookSnapshot
from jupyter_llmdev.prompts import ROLES, load_prompt

BIG = 1_000_000


def over_prompt(tokens: int, role: str = "ask") -> int:
    """A budget leaving about ``tokens`` beyond the role prompt (prompts get edited)."""
    return estimate_tokens(load_prompt(role)) + tokens


def snapshot_of(tmp_path: Path, cells: list, *, active: str | None = None) -> NotebookSnapshot:
    """Write a real .ipynb, read it back, and snapshot it."""
    nb = v4.new_notebook(cells=cells)
    path = tmp_path / "work.ipynb"
    nbformat.write(nb, path)
    loaded = nbformat.read(path, as_version=4)
    nbformat.validate(loaded)
    return NotebookSnapshot.from_notebook(loaded, path="work.ipynb", active_cell_id=active)


def uniform_cells(count: int) -> list:
    """Code cells whose rendered size is the same whatever their position (1 or 2 digits)."""
    cells = []
    for i in range(count):
        pad = "#" if i + 1 < 10 else ""
        cells.append(v4.new_code_cell(f"value_{i:02d} = {i}{pad}", id=f"c{i:02d}"))
    return cells


def context(snapshot: NotebookSnapshot | None, budget: int = BIG, **overrides):
    arguments = dict(
        role="ask",
        request="do it",
        snapshot=snapshot,
        target_cell_id=None,
        doc_text=None,
        doc_path=None,
        variables=None,
        budget_tokens=budget,
    )
    arguments.update(overrides)
    return build_context(**arguments)


def text_of(ctx) -> str:
    return "\n".join(message["content"] for message in ctx.messages)


# --- prompts ----------------------------------------------------------------------------------


def test_every_role_has_a_prompt_describing_the_context_it_gets():
    for role in ROLES:
        prompt = load_prompt(role)
        assert load_prompt(role) is prompt  # cached
        for tag in ("<architecture_doc", "<notebook", "<cell id=", 'target="true"', "<variables>"):
            assert tag in prompt, (role, tag)
    assert "```python replace=CELL_ID" in load_prompt("ask")
    assert "```python replace=CELL_ID" in load_prompt("developer")
    assert "never write the implementation" in load_prompt("architect")
    assert "VERDICT: approve" in load_prompt("reviewer")


def test_unknown_role():
    with pytest.raises(ValueError, match="known roles"):
        load_prompt("poet")


# --- order ------------------------------------------------------------------------------------


def test_parts_come_in_cache_friendly_order(tmp_path):
    snap = snapshot_of(tmp_path, uniform_cells(4), active="c01")
    ctx = context(
        snap,
        role="architect",
        request="now this",
        doc_text="# Architecture\n\nLayers.\n",
        doc_path="ARCHITECTURE.md",
        variables={"df": "pandas.DataFrame, shape (3, 2)"},
        history=[
            {"role": "user", "content": "earlier question"},
            {"role": "assistant", "content": "earlier answer"},
        ],
    )
    assert [m["role"] for m in ctx.messages] == ["system", "user", "assistant", "user"]
    system, user, assistant, last = (m["content"] for m in ctx.messages)
    assert system == (
        load_prompt("architect")
        + '\n\n<architecture_doc path="ARCHITECTURE.md">\n# Architecture\n\nLayers.\n'
        + "</architecture_doc>"
    )
    assert user.startswith('<notebook path="work.ipynb" cells="4" shown="4">\n<cell id="c00"')
    notebook_end = user.index("</notebook>")
    variables = user.index('<variables>\n<variable name="df">\npandas.DataFrame, shape (3, 2)\n')
    assert notebook_end < variables < user.index("earlier question")
    assert user.endswith("</variables>\n\nearlier question")
    assert assistant == "earlier answer"
    assert last == "now this"


def test_cells_show_ids_positions_types_target_and_text_outputs_only(tmp_path):
    cells = [
        v4.new_markdown_cell("# Title", id="m1"),
        v4.new_code_cell(
            "plot()",
            id="p1",
            outputs=[
                v4.new_output(
                    "display_data", data={"image/png": "iVBORw0KGgoAAAA", "text/plain": "<Figure>"}
                ),
                v4.new_output("stream", name="stdout", text="done\n"),
            ],
        ),
        v4.new_code_cell(
            "1/0",
            id="e1",
            outputs=[v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero")],
        ),
        v4.new_raw_cell("raw text", id="r1"),
    ]
    ctx = context(snapshot_of(tmp_path, cells), target_cell_id="e1")
    assert ctx.messages[1]["content"] == (
        '<notebook path="work.ipynb" cells="4" shown="4">\n'
        '<cell id="m1" n="1" type="markdown">\n# Title\n</cell>\n'
        '<cell id="p1" n="2" type="code">\nplot()\n</cell>\n'
        "<output>\n<Figure>\ndone\n</output>\n"
        '<cell id="e1" n="3" type="code" target="true">\n1/0\n</cell>\n'
        "<output>\nZeroDivisionError: division by zero\n</output>\n"
        '<cell id="r1" n="4" type="raw">\nraw text\n</cell>\n'
        "</notebook>\n\ndo it"
    )
    assert "iVBOR" not in text_of(ctx)


def test_llm_request_cells_are_sent_without_their_reply_output(tmp_path):
    cells = [
        v4.new_code_cell(
            "%%llm\nmake a plot",
            id="q1",
            outputs=[v4.new_output("stream", name="stdout", text="Here is the streamed reply")],
        )
    ]
    text = text_of(context(snapshot_of(tmp_path, cells)))
    assert "%%llm\nmake a plot" in text
    assert "streamed reply" not in text


def test_without_notebook_doc_or_variables_only_prompt_and_request_are_sent():
    ctx = context(None, role="developer", request="build")
    assert ctx.messages == [
        {"role": "system", "content": load_prompt("developer")},
        {"role": "user", "content": "build"},
    ]
    assert ctx.report.summary().startswith("context: no notebook, no architecture doc, ~")


def test_token_estimate_is_ceil_of_chars_over_four(tmp_path):
    ctx = context(snapshot_of(tmp_path, uniform_cells(7)), doc_text="doc", doc_path="A.md")
    chars = sum(len(m["content"]) for m in ctx.messages)
    assert ctx.report.tokens_estimate == math.ceil(chars / 4)
    assert estimate_tokens("") == 0 and estimate_tokens("abcde") == 2


# --- budget and cutting -----------------------------------------------------------------------


def test_cells_nearest_to_the_target_are_kept_and_shown_in_order(tmp_path):
    snap = snapshot_of(tmp_path, uniform_cells(50))
    target = "c30"
    budget = over_prompt(150)
    ctx = context(snap, budget=budget, target_cell_id=target)
    report = ctx.report
    assert 5 <= len(report.cells_included) <= 30
    positions = [int(cell_id[1:]) for cell_id in report.cells_included]
    assert positions == list(range(positions[0], positions[-1] + 1))  # contiguous window
    above, below = 30 - positions[0], positions[-1] - 30
    assert above - below in (0, 1)  # ties go to the cell above
    assert report.cells_cut == [f"c{i:02d}" for i in range(50) if i not in positions]
    assert report.tokens_estimate <= budget
    user = ctx.messages[1]["content"]
    assert [user.index(f'id="{cell_id}"') for cell_id in report.cells_included] == sorted(
        user.index(f'id="{cell_id}"') for cell_id in report.cells_included
    )
    assert f'<cell id="{target}" n="31" type="code" target="true">' in user
    assert f'shown="{len(positions)}"' in user
    summary = report.summary()
    assert summary.startswith(f"context: {len(positions)} of 50 cells, no architecture doc, ~")
    assert summary.endswith(f"({50 - len(positions)} cells cut: budget {format_tokens(budget)})")


def test_the_active_cell_is_the_default_target_and_ties_go_above(tmp_path):
    snap = snapshot_of(tmp_path, uniform_cells(3), active="c01")
    candidates = range(over_prompt(0), over_prompt(100))
    budgets = [b for b in candidates if len(context(snap, b).report.cells_included) == 2]
    ctx = context(snap, budgets[0])
    assert ctx.report.cells_included == ["c00", "c01"]
    assert 'id="c01" n="2" type="code" target="true"' in text_of(ctx)


def test_without_a_target_the_end_of_the_notebook_is_kept(tmp_path):
    snap = snapshot_of(tmp_path, uniform_cells(20))
    ctx = context(snap, budget=over_prompt(100))
    assert ctx.report.cells_included[-1] == "c19"
    assert ctx.report.cells_cut[0] == "c00"
    assert 'target="true"' not in ctx.messages[1]["content"]


def test_a_huge_cell_is_cut_but_farther_small_ones_still_fit(tmp_path):
    cells = uniform_cells(6)
    cells[4] = v4.new_code_cell("x = 1\n" * 2000, id="huge")
    snap = snapshot_of(tmp_path, cells)
    ctx = context(snap, budget=over_prompt(200), target_cell_id="c05")
    assert ctx.report.cells_cut == ["huge"]
    assert ctx.report.cells_included == ["c00", "c01", "c02", "c03", "c05"]


def test_the_target_cell_is_sent_even_over_budget(tmp_path):
    cells = uniform_cells(3)
    cells[1] = v4.new_code_cell("y = 2\n" * 1000, id="big")
    budget = over_prompt(100)
    ctx = context(snapshot_of(tmp_path, cells), budget=budget, target_cell_id="big")
    assert ctx.report.cells_included == ["big"]
    assert ctx.report.over_budget
    cut = f"(2 cells cut: budget {format_tokens(budget)}, still over it)"
    assert ctx.report.summary().endswith(cut)


def test_an_excluded_target_still_marks_where_nearest_is_measured_from(tmp_path):
    # the %%llm cell is the target and is excluded: its neighbours go first, the one above first
    snap = snapshot_of(tmp_path, uniform_cells(30))
    arguments = dict(target_cell_id="c15", exclude_cell_ids=["c15"])
    candidates = range(over_prompt(0), over_prompt(100))
    one = next(b for b in candidates if context(snap, b, **arguments).report.cells_included)
    assert context(snap, one, **arguments).report.cells_included == ["c14"]
    ctx = context(snap, over_prompt(100), **arguments)
    positions = [int(cell_id[1:]) for cell_id in ctx.report.cells_included]
    assert 15 not in positions and 3 < len(positions) < 29
    assert positions == [p for p in range(positions[0], positions[-1] + 1) if p != 15]
    assert (15 - positions[0]) - (positions[-1] - 15) in (0, 1)
    assert 'target="true"' not in ctx.messages[1]["content"]


def test_an_unknown_target_counts_from_the_end(tmp_path):
    snap = snapshot_of(tmp_path, uniform_cells(20))
    report = context(snap, budget=over_prompt(100), target_cell_id="gone").report
    assert report.cells_included[-1] == "c19" and report.cells_cut[0] == "c00"


def test_excluded_cells_are_neither_sent_nor_reported_cut(tmp_path):
    snap = snapshot_of(tmp_path, uniform_cells(5))
    ctx = context(snap, exclude_cell_ids=["c04", "c02"])
    assert ctx.report.cells_included == ["c00", "c01", "c03"]
    assert ctx.report.cells_cut == [] and ctx.report.cells_total == 3
    assert 'id="c02"' not in text_of(ctx) and 'cells="5" shown="3"' in text_of(ctx)


def test_a_doc_larger_than_the_budget_is_truncated_and_reported(tmp_path):
    doc = "".join(f"## Section {i}\nRule number {i}.\n" for i in range(5000))
    snap = snapshot_of(tmp_path, uniform_cells(10), active="c09")
    budget = over_prompt(2000)
    ctx = context(snap, budget=budget, doc_text=doc, doc_path="/proj/ARCHITECTURE.md")
    report = ctx.report
    system = ctx.messages[0]["content"]
    assert report.doc_included and report.doc_truncated
    assert "## Section 0\nRule number 0.\n" in system
    marker = f"[... document truncated: {len(doc.rstrip()):,} characters, only the first part"
    assert marker in system
    assert system.endswith("...]\n</architecture_doc>")
    assert "c09" in report.cells_included  # the target keeps its place
    assert report.tokens_estimate <= budget
    assert report.summary().startswith("context: 1 of 10 cells, ARCHITECTURE.md, ~")
    cuts = f"(9 cells cut, doc truncated: budget {format_tokens(budget)})"
    assert report.summary().endswith(cuts)


def test_a_doc_that_fits_is_sent_whole_before_cells(tmp_path):
    snap = snapshot_of(tmp_path, uniform_cells(40), active="c39")
    doc = "Keep functions pure.\n" * 100
    ctx = context(snap, budget=over_prompt(800), doc_text=doc, doc_path="ARCHITECTURE.md")
    assert not ctx.report.doc_truncated and ctx.report.cells_cut
    assert doc.rstrip() + "\n</architecture_doc>" in ctx.messages[0]["content"]


def test_when_nothing_but_the_fixed_parts_fit_the_doc_is_left_out(tmp_path):
    snap = snapshot_of(tmp_path, uniform_cells(2), active="c00")
    ctx = context(snap, budget=50, doc_text="# Doc\n" * 100, doc_path="ARCHITECTURE.md")
    assert not ctx.report.doc_included and ctx.report.doc_truncated
    assert '<architecture_doc path="ARCHITECTURE.md">' not in text_of(ctx)
    assert ctx.report.cells_included == ["c00"]
    assert "doc left out" in ctx.report.summary()


def test_oldest_history_is_cut_first_and_the_latest_always_kept():
    history = [
        {"role": "user", "content": "one " * 500},
        {"role": "assistant", "content": "two " * 500},
        {"role": "user", "content": "three " * 500},
    ]
    fixed = len(load_prompt("architect")) + 2 + len("next") + 2
    budget = (fixed + len(history[1]["content"]) + len(history[2]["content"]) + 4 + 40) // 4
    ctx = context(None, budget=budget, role="architect", request="next", history=history)
    assert ctx.report.history_cut == 1 and ctx.report.history_messages == 2
    assert "one one" not in text_of(ctx) and "two two" in text_of(ctx)
    assert [m["role"] for m in ctx.messages] == ["system", "assistant", "user"]
    assert ctx.messages[-1]["content"].endswith("\n\nnext")
    tiny = context(None, budget=1, role="architect", request="next", history=history)
    assert tiny.report.history_cut == 2 and "three three" in text_of(tiny)


# --- report -----------------------------------------------------------------------------------


def test_summary_line():
    report = ContextReport(
        budget=8000,
        tokens_estimate=6100,
        has_notebook=True,
        cells_total=52,
        cells_included=[f"i{n}" for n in range(38)],
        cells_cut=[f"x{n}" for n in range(14)],
        doc_path="/home/me/proj/ARCHITECTURE.md",
        doc_included=True,
    )
    assert report.summary() == (
        "context: 38 of 52 cells, ARCHITECTURE.md, ~6.1k tokens (14 cells cut: budget 8k)"
    )
    assert report.cut and not report.over_budget
    whole = ContextReport(
        budget=8000,
        tokens_estimate=950,
        has_notebook=True,
        cells_total=1,
        cells_included=["a"],
        variables=["df", "x"],
        history_messages=1,
    )
    assert whole.summary() == (
        "context: 1 cell, no architecture doc, 2 variables, 1 earlier message, ~950 tokens"
    )
    assert not whole.cut
    data = json.loads(json.dumps(report.to_dict()))
    assert data["cells_cut"][0] == "x0" and data["summary"] == report.summary()


def test_token_formatting_and_truncation_helpers():
    assert [format_tokens(n) for n in (0, 999, 1000, 1049, 6100, 8000, 99_950, 128_000)] == [
        "0", "999", "1k", "1k", "6.1k", "8k", "100k", "128k"
    ]
    assert truncate_head("short", 10, label="x") == "short"
    assert truncate_head("a" * 100, 10, label="x") == ""
    cut = truncate_head("line one\nline two\nline three\n" * 10, 120, label="doc")
    assert len(cut) <= 120 and cut.startswith("line one\nline two") and "doc truncated" in cut


# --- architecture doc discovery ---------------------------------------------------------------


def make(path: Path, text: str = "# Architecture\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_nearest_doc_up_to_the_repository_root_is_found(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    root_doc = make(repo / "ARCHITECTURE.md")
    deeper = repo / "pkg" / "notebooks"
    deeper.mkdir(parents=True)
    assert find_architecture_doc(deeper) == root_doc
    nearer = make(repo / "pkg" / "ARCHITECTURE.md")
    assert find_architecture_doc(deeper) == nearer
    notebook = make(deeper / "analysis.ipynb", "{}")
    assert find_architecture_doc(notebook) == nearer


def test_the_walk_stops_at_the_repository_root(tmp_path):
    make(tmp_path / "ARCHITECTURE.md")
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "sub").mkdir()
    assert find_architecture_doc(repo / "sub") is None


def test_the_walk_stops_at_the_home_directory(tmp_path, monkeypatch):
    home = tmp_path / "home"
    project = home / "project"
    project.mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    make(tmp_path / "ARCHITECTURE.md")
    assert find_architecture_doc(project) is None
    home_doc = make(home / "ARCHITECTURE.md")
    assert find_architecture_doc(project) == home_doc


def test_the_current_directory_is_the_default_start(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    doc = make(tmp_path / "ARCHITECTURE.md")
    monkeypatch.chdir(tmp_path)
    assert find_architecture_doc() == doc


def test_a_configured_doc_wins_and_relative_paths_start_at_start_dir(tmp_path):
    make(tmp_path / "ARCHITECTURE.md")
    design = make(tmp_path / "docs" / "design.md")
    assert find_architecture_doc(tmp_path, "docs/design.md") == design
    assert find_architecture_doc(tmp_path / "elsewhere", design) == design
    in_dir = make(tmp_path / "spec" / "ARCHITECTURE.md")
    assert find_architecture_doc(tmp_path, "spec") == in_dir
    assert find_architecture_doc(tmp_path, "") == tmp_path / "ARCHITECTURE.md"


def test_a_missing_configured_doc_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as raised:
        find_architecture_doc(tmp_path, "docs/missing.md")
    message = str(raised.value)
    assert str(tmp_path / "docs" / "missing.md") in message
    assert 1 <= len(message.splitlines()) <= 3


def test_reading_the_doc(tmp_path):
    doc = tmp_path / "ARCHITECTURE.md"
    doc.write_bytes(b"caf\xc3\xa9 \xff")
    assert read_architecture_doc(doc) == "caf\u00e9 \ufffd"
    with pytest.raises(ConfigError, match="Cannot read the architecture doc"):
        read_architecture_doc(tmp_path)
