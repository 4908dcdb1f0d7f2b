"""Issue 9, item 2, the Python side: after JupyterLab's undo, ``llmdev`` tells the truth too.

JupyterLab's undo (``z``) covers the cells, not the notebook metadata: undoing an Insert takes
its cells out and saves a file whose record still says ``applied``. Before, ``llmdev log`` said
``applied``, ``revert`` claimed the cells were edited (a conflict), and ``revert --force``
recorded a revert of 0 edits. Now ``log``/``show``/``%llm log`` say ``undone`` (the panel's
presence rule, ``notebook/presence.py``), a revert of an undone change is refused as nothing to
revert, forced or not, and no revert ever records that it wrote nothing; the file stays
byte-identical.

Real parts: the CLI (``llmdev ask`` against the loopback OpenAI-compatible server, then
``log``/``show``/``revert``), real notebook files written as Jupyter writes them, and an IPython
shell with the extension for ``%llm log``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from notebooks import write_notebook
from openai_server import OpenAIServer, Reply
from shells import run_cell, shell_with_extension

from jupyter_llmdev.cli.main import main
from jupyter_llmdev.notebook.io import notebook_text

TWO_CELLS = "Two cells.\n\n```python\nper_day = {}\n```\n\n```python\nfor row in rows:\n    pass\n```\n"
ONE_CELL = "```python\nrows = load('trips.csv')\nprint(len(rows))\n```\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def changes(path: Path) -> list[dict[str, Any]]:
    return json.loads(json.dumps(nbformat.read(path, as_version=4).metadata["jupyter_llmdev"]["changes"]))


def undo(path: Path, change: dict[str, Any]) -> None:
    """What JupyterLab's undo of ``change`` saves: every touched cell back as before it (inserted
    cells gone, replaced ones back with their old source and metadata), the record untouched."""
    nb = nbformat.read(path, as_version=4)
    for edit in reversed(change["edits"]):
        index = next((i for i, cell in enumerate(nb.cells) if cell["id"] == edit["cell_id"]), None)
        if edit["op"] == "insert" and index is not None:
            del nb.cells[index]
        elif edit["op"] == "replace" and index is not None:
            nb.cells[index]["cell_type"] = edit["before"]["cell_type"]
            nb.cells[index]["source"] = edit["before"]["source"]
            nb.cells[index]["metadata"].pop("jupyter_llmdev", None)
    path.write_text(notebook_text(nb), encoding="utf-8")


@pytest.fixture
def asked(tmp_path: Path, openai_env: OpenAIServer, capsys: pytest.CaptureFixture[str]) -> tuple[Path, dict[str, Any]]:
    """A notebook after ``llmdev ask`` inserted its cells (the prose and two code cells): its
    path and the recorded change."""
    openai_env.script(Reply(text=TWO_CELLS))
    path = write_notebook(tmp_path / "trips.ipynb")
    code, _, err = run(capsys, "ask", str(path), "count the trips per day")
    assert code == 0, err
    [change] = changes(path)
    assert [edit["op"] for edit in change["edits"]] == ["insert", "insert", "insert"]
    return path, change


def log_status(out: str, change_id: str) -> str:
    [line] = [line for line in out.splitlines() if line.startswith(change_id)]
    return line.split()[3]


def test_log_and_show_say_undone_after_undo_and_applied_after_redo(asked: tuple[Path, dict[str, Any]],
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path, change = asked
    applied = path.read_bytes()
    assert log_status(run(capsys, "log", str(path))[1], change["id"]) == "applied"
    undo(path, change)
    assert changes(path)[0]["status"] == "applied", "undo leaves the record as it was"
    code, out, _ = run(capsys, "log", str(path))
    assert code == 0 and log_status(out, change["id"]) == "undone"
    code, out, _ = run(capsys, "show", str(path), change["id"])
    assert code == 0
    assert out.splitlines()[0].startswith(f"change:      {change['id']}  (undone: its cells are as before it")
    path.write_bytes(applied)  # redo
    assert log_status(run(capsys, "log", str(path))[1], change["id"]) == "applied"


@pytest.mark.parametrize("extra", [[], ["--yes"], ["--force", "--yes"]], ids=["plain", "yes", "force"])
def test_revert_of_an_undone_change_is_refused_and_writes_nothing(
        asked: tuple[Path, dict[str, Any]], capsys: pytest.CaptureFixture[str], extra: list[str]) -> None:
    path, change = asked
    undo(path, change)
    before = path.read_bytes()
    code, out, err = run(capsys, "revert", str(path), change["id"], *extra)
    assert code == 4, err
    assert path.read_bytes() == before
    assert "nothing to revert" in err and "already as before it" in err
    assert "--force" not in err, "an undone change is not a conflict to force"
    assert "revert" not in out  # no diff of a revert that would be written
    assert 1 <= len(err.strip().splitlines()) <= 3


def test_a_forced_revert_that_would_write_nothing_is_refused(tmp_path: Path, openai_env: OpenAIServer,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    # a replace whose cell was then deleted by hand: neither applied nor undone (edited); forced,
    # the revert skips the gone cell, and used to record a revert of 0 edits
    openai_env.script(Reply(text=ONE_CELL))
    path = write_notebook(tmp_path / "trips.ipynb")
    code, _, err = run(capsys, "ask", str(path), "print the count", "--replace", "d")
    assert code == 0, err
    [change] = changes(path)
    assert [(edit["op"], edit["cell_id"]) for edit in change["edits"]] == [("replace", "d")]
    nb = nbformat.read(path, as_version=4)
    nb.cells = [cell for cell in nb.cells if cell["id"] != "d"]
    path.write_text(notebook_text(nb), encoding="utf-8")
    before = path.read_bytes()
    assert log_status(run(capsys, "log", str(path))[1], change["id"]) == "applied"
    code, _, err = run(capsys, "revert", str(path), change["id"], "--yes")
    assert code == 4 and "changed since it: d (deleted)" in err  # a conflict, which --force overrides
    code, out, err = run(capsys, "revert", str(path), change["id"], "--force", "--yes")
    assert code == 4, err
    assert "would write nothing" in err
    assert path.read_bytes() == before
    assert [record["id"] for record in changes(path)] == [change["id"]], "no revert recorded"


def test_magic_log_says_undone(asked: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> None:
    path, change = asked
    undo(path, change)
    monkeypatch.chdir(path.parent)
    with shell_with_extension(path) as shell:
        result, captured = run_cell(shell, "%llm log")
        assert result.success, result.error_in_exec
        assert log_status(captured.stdout, change["id"]) == "undone"
        result, captured = run_cell(shell, f"%llm show {change['id']}")
        assert result.success, result.error_in_exec
        assert "(undone: its cells are as before it" in captured.stdout
