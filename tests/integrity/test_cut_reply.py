"""Item 6 of the integrity issue: a reply cut by the output limit (``finish_reason: length``) is
never applied or stored as final without the user's explicit choice."""

from __future__ import annotations

from pathlib import Path

import nbformat
from notebooks import sources, write_notebook
from openai_server import OpenAIServer, Reply
from shells import run_cell, shell_with_extension

from jupyter_llmdev.cli.main import main

CUT = "```python\ndef per_day(rows):\n    out = {}\n    for"
REST = " row in rows:\n        out[row['day']] = out.get(row['day'], 0) + 1\n    return out\n```\n"


def test_cli_ask_with_a_cut_reply_exits_3_and_leaves_the_file(tmp_path: Path, openai_env: OpenAIServer,
                                                              capsys) -> None:
    openai_env.script(Reply(text=CUT, finish_reason="length"))
    notebook = write_notebook(tmp_path / "nb.ipynb")
    before = notebook.read_bytes()
    code = main(["ask", str(notebook), "count per day"])
    err = capsys.readouterr().err
    assert code == 3
    assert notebook.read_bytes() == before
    assert "cut at the output limit" in err and "--accept-cut" in err and "continue" not in err.lower().split("--accept-cut")[0].split("limit")[-1]


def test_cli_accept_cut_writes_the_reply_as_it_is(tmp_path: Path, openai_env: OpenAIServer, capsys) -> None:
    openai_env.script(Reply(text=CUT, finish_reason="length"))
    notebook = write_notebook(tmp_path / "nb.ipynb")
    code = main(["ask", str(notebook), "--accept-cut", "count per day"])
    assert code == 0, capsys.readouterr().err
    assert sources(notebook)[-1][2] == "def per_day(rows):\n    out = {}\n    for"


def test_cli_plan_cut_at_the_cap_is_not_stored(tmp_path: Path, openai_env: OpenAIServer, capsys) -> None:
    openai_env.script(Reply(text="1. Load the rows\n2. Count per", finish_reason="length"))
    notebook = write_notebook(tmp_path / "nb.ipynb")
    before = notebook.read_bytes()
    code = main(["plan", str(notebook), "count trips per day"])
    assert code == 3, capsys.readouterr().err
    assert notebook.read_bytes() == before


def test_magic_continue_joins_the_reply_and_as_is_keeps_it(tmp_path: Path, openai_env: OpenAIServer) -> None:
    notebook = write_notebook(tmp_path / "nb.ipynb")
    with shell_with_extension(notebook) as shell:
        openai_env.script(Reply(text=CUT, finish_reason="length"))
        result, captured = run_cell(shell, "%llm count per day")
        assert not result.success and "cut at the output limit" in str(result.error_in_exec)
        assert "`%llm continue`" in str(result.error_in_exec)
        assert shell.user_ns.get("per_day") is None

        openai_env.script(Reply(text=REST))
        result, captured = run_cell(shell, "%llm continue")
        assert result.success, captured.stderr
        # the model was sent its own cut reply and asked to go on
        last = openai_env.completion_requests[-1].body["messages"]
        assert last[-2] == {"role": "assistant", "content": CUT} and "Continue exactly" in last[-1]["content"]
        # the joined reply became the cell (no frontend: the first cell goes in by set_next_input)
        assert shell.rl_next_input == CUT.split("\n", 1)[1] + REST.split("\n```")[0]

        result, _ = run_cell(shell, "%llm continue")
        assert not result.success and "nothing to continue" in str(result.error_in_exec)

        openai_env.script(Reply(text=CUT, finish_reason="length"))
        run_cell(shell, "%llm count per day")
        requests = len(openai_env.completion_requests)
        result, captured = run_cell(shell, "%llm continue --as-is")
        assert result.success, captured.stderr
        assert len(openai_env.completion_requests) == requests  # as it is: no new request
        assert shell.rl_next_input == "def per_day(rows):\n    out = {}\n    for"


def test_a_cut_review_is_that_reviewers_failure(tmp_path: Path, openai_env: OpenAIServer, capsys) -> None:
    """Reviews are isolated: a cut one is recorded as an error, never as a clean review."""
    notebook = write_notebook(tmp_path / "nb.ipynb")
    openai_env.script(Reply(text="```python\nx = 1\n```\n"))
    assert main(["build", str(notebook), "--no-plan", "make x"]) == 0
    openai_env.script(Reply(text="verdict: approve\nsummary: fine so f", finish_reason="length"))
    code = main(["review", str(notebook)])
    err = capsys.readouterr().err
    # the only reviewer's reply was cut: no usable review, so the command fails and records nothing
    assert code == 3, err
    assert "cut at the output limit" in err
    nb = nbformat.read(notebook, as_version=4)
    assert nb.metadata["jupyter_llmdev"]["reviews"] == []
