"""Item 10 of the integrity issue: a review reply with neither findings nor a verdict is unparsed,
not clean; ``review`` fails when no reviewer produced a usable review."""

from __future__ import annotations

from pathlib import Path

import nbformat
from notebooks import write_notebook
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.cli.main import main


def built(tmp_path: Path, server: OpenAIServer) -> Path:
    notebook = write_notebook(tmp_path / "nb.ipynb")
    server.script(Reply(text="```python\nx = 1\n```\n"))
    assert main(["build", str(notebook), "--no-plan", "make x"]) == 0
    return notebook


def test_junk_only_review_fails_and_records_nothing(tmp_path: Path, openai_env: OpenAIServer, capsys) -> None:
    notebook = built(tmp_path, openai_env)
    openai_env.script(Reply(text="Sure! Happy to help with anything else you need today."))
    before = notebook.read_bytes()
    code = main(["review", str(notebook)])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "No reviewer produced a usable review" in err and "neither a VERDICT" in err
    assert notebook.read_bytes() == before


def test_junk_reviewer_is_recorded_as_unparsed_beside_a_real_one(tmp_path: Path, openai_env: OpenAIServer,
                                                                 second: OpenAIServer, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.llmdev.models]\nreviewers = ["r1", "second:r2"]\n'
        f'[tool.llmdev.providers.second]\nbase_url = "{second.base_url}"\napi_key_env = ""\n')
    from projects import trust_project

    trust_project(tmp_path)
    notebook = built(tmp_path, openai_env)
    openai_env.script(Reply(text="I cannot review this."))
    second.responder = lambda request: Reply(text="- [minor] cell=x: name it better\nVERDICT: approve\n")
    code = main(["review", str(notebook)])
    assert code == 0, capsys.readouterr().err
    reviewers = nbformat.read(notebook, as_version=4).metadata["jupyter_llmdev"]["reviews"][-1]["reviewers"]
    junk = [entry for entry in reviewers if entry["model"] == "r1"][0]
    assert junk["error"] and "unparsed" in junk["error"] and junk["verdict"] is None
    real = [entry for entry in reviewers if entry["model"] == "r2"][0]
    assert real["verdict"] == "approve" and len(real["findings"]) == 1
