"""Issue 14, items 6 and 11: what a newcomer reads from the CLI is worded for where they are.

* ``llmdev ask core.py`` names the real problem (a module, not a notebook) instead of calling the
  file damaged JSON to restore from version control; ``log``/``show``/``diff``/``revert`` too.
* ``llmdev config /nonexistent/x.ipynb`` says the path does not exist (exit 2) instead of
  printing the settings of some other folder.
* ``llmdev log`` lines up its columns whatever the role/model names' lengths.
* The review table says ``approve, 0 findings`` (never ``no verdict 0 findings``), shows a failed
  reviewer's error, and says "no verdict" only of a reply that could not be read as a review.

Every test runs the real CLI on real files against the loopback OpenAI-compatible server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from notebooks import write_notebook
from openai_server import OpenAIServer, Reply
from workflow_replies import REV_A, REV_B, respond_by_role, write_project

from jupyter_llmdev.cli.main import main
from jupyter_llmdev.engine.review_report import review_html, review_text


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# --- item 6: a module is not a damaged notebook ------------------------------------------------


@pytest.mark.parametrize("command", [["ask", "{path}", "add", "a", "test"], ["plan", "{path}", "x"],
                                     ["log", "{path}"], ["show", "{path}", "abc"], ["diff", "{path}", "abc"],
                                     ["revert", "{path}", "abc", "--yes"]])
def test_a_python_module_is_called_a_module_not_a_damaged_notebook(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], openai_env: OpenAIServer, command: list[str]) -> None:
    module = tmp_path / "core.py"
    module.write_text("def f():\n    return 1\n")
    code, out, err = run(capsys, *[part.format(path=module) for part in command])
    assert code == 2, err
    assert f"{module} is not a notebook (.ipynb)" in err
    assert "JSON" not in err and "version control" not in err
    assert "llmdev sync" in err  # the way back from a module to its notebook
    assert module.read_text() == "def f():\n    return 1\n"
    assert openai_env.completion_requests == []  # refused before any token was spent


def test_a_csv_file_is_not_a_notebook_either(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "trips.csv"
    data.write_text("start,end\n")
    code, _, err = run(capsys, "ask", str(data), "hello")
    assert code == 2
    assert "is not a notebook (.ipynb)" in err and "JSON" not in err


@pytest.mark.parametrize("name", ["nonexistent/x.ipynb", "typo-folder"])
def test_config_of_a_missing_path_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    missing = tmp_path / name
    code, out, err = run(capsys, "config", str(missing))
    assert code == 2, out + err
    assert f"{missing}: no such notebook or folder." in err
    assert out == ""  # no settings table for some other folder


def test_config_of_an_existing_notebook_still_works(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notebook = write_notebook(tmp_path / "a.ipynb")
    code, out, err = run(capsys, "config", str(notebook))
    assert code == 0, err
    assert "model" in out


# --- item 11: log columns line up ---------------------------------------------------------------


def test_log_columns_line_up(tmp_path: Path, capsys: pytest.CaptureFixture[str], openai_env: OpenAIServer) -> None:
    openai_env.responder = lambda body: Reply(text="```python\nx = 1\n```\n")
    notebook = write_notebook(tmp_path / "a.ipynb")
    for model, prompt in (("m", "short"), ("a-much-longer-model-name", "longer one"), ("mid-model", "third")):
        assert run(capsys, "ask", str(notebook), "--model", model, prompt)[0] == 0
    code, out, err = run(capsys, "log", str(notebook))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 3
    # every column starts at the same offset on every line: the prompt column is where they end
    starts = {line.index(prompt) for line, prompt in zip(lines, ("short", "longer one", "third"))}
    assert len(starts) == 1, out
    status = {line.index("applied") for line in lines}
    assert len(status) == 1, out
    assert "ask/a-much-longer-model-name  applied  1 edit  longer one" in out


# --- item 11: the review table -------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, openai_env: OpenAIServer, second: OpenAIServer,
            monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in (("FIRST_TOKEN_TIMEOUT", "3"), ("TOTAL_TIMEOUT", "8"), ("RETRIES", "0")):
        monkeypatch.setenv(f"LLMDEV_{name}", value)
    return write_project(tmp_path, second.base_url)


def test_review_table_says_approve_with_no_findings_and_shows_a_failure(
        project: Path, openai_env: OpenAIServer, second: OpenAIServer, capsys: pytest.CaptureFixture[str]) -> None:
    overrides = {REV_A: lambda body: Reply(text="All good.\n\nVERDICT: approve\n"),
                 REV_B: lambda body: Reply(text="I would rather talk about the weather.")}
    openai_env.responder = second.responder = respond_by_role(overrides)
    for command in (["plan", "count trips"], ["approve"], ["build"]):
        assert run(capsys, command[0], str(project), *command[1:])[0] == 0
    code, out, err = run(capsys, "review", str(project))
    assert code == 0, err
    assert f"{REV_A}  approve, 0 findings" in out, out
    assert f"second:{REV_B}  FAILED  its reply holds neither a VERDICT line nor a finding" in out, out
    assert "no verdict" not in out


def _review(*entries: dict) -> dict:
    base = {"provider": None, "verdict": None, "summary": "", "findings": [], "error": None, "usage": {}}
    return {"id": "r1", "change": "c1", "plan_id": None, "reviewers": [{**base, **entry} for entry in entries]}


def test_review_table_wording_for_each_kind_of_reviewer_entry() -> None:
    finding = {"severity": "low", "text": "a nit", "cell_id": None}
    review = _review({"model": "ok", "verdict": "approve"},
                     {"model": "asks", "verdict": "changes", "findings": [finding, finding]},
                     {"model": "bare", "findings": [finding]},
                     {"model": "down", "error": "timed out after 8 s"},
                     {"model": "old"})  # recorded before unparsed replies became errors
    text = review_text(review)
    assert "ok    approve, 0 findings" in text
    assert "asks  changes, 2 findings" in text
    assert "bare  1 finding, without a VERDICT line" in text
    assert "down  FAILED  timed out after 8 s" in text
    assert "old   no verdict: the reply could not be read as a review" in text
    assert text.count("no verdict") == 1
    html = review_html(review)
    assert "approve, 0 findings" in html and "<b>failed</b>: timed out after 8 s" in html
