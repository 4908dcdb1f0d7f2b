"""`modularize`: an architect plan for modules, approved by the human, built by the developer, exported."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from openai_server import OpenAIServer, Reply
from shells import run_cell, shell_with_extension
from workflow_replies import ARCH, DEV, request_text, respond_by_role, write_project

from jupyter_llmdev.cli.main import main

PROPOSAL = "## Modules\n`trips.core`: cells b, c get `#| export`; cell d stays as an example.\n"
DIRECTIVES = (
    "Added the directives.\n\n"
    "```python replace=b\n#| default_exp core\n#| export\nimport csv\n```\n\n"
    "```python replace=c\n#| export\ndef load(path):\n    with open(path, newline='') as f:\n"
    "        return list(csv.DictReader(f))\n```\n"
)


@pytest.fixture
def nb_path(tmp_path: Path, openai_env: OpenAIServer, second: OpenAIServer, monkeypatch) -> Path:
    monkeypatch.setenv("LLMDEV_RETRIES", "0")
    openai_env.responder = respond_by_role({ARCH: lambda body: Reply(text=PROPOSAL),
                                            DEV: lambda body: Reply(text=DIRECTIVES)})
    return write_project(tmp_path, second.base_url)


def test_modularize_plans_then_build_adds_directives_and_export_writes_the_module(
        nb_path: Path, openai_env: OpenAIServer, capsys) -> None:
    assert main(["modularize", str(nb_path), "keep", "the", "examples", "out"]) == 0
    [body] = [r.body for r in openai_env.completion_requests if r.body["model"] == ARCH]
    sent = request_text(body)
    assert "#| default_exp" in sent and "#| export" in sent and "The user adds: keep the examples out" in sent
    section = json.loads(json.dumps(nbformat.read(nb_path, as_version=4).metadata["jupyter_llmdev"]))
    [plan] = section["plans"]
    assert plan["status"] == "draft" and plan["text"] == PROPOSAL
    # nothing is built before the human approves
    assert main(["build", str(nb_path)]) == 2
    assert "approve" in capsys.readouterr().err
    assert main(["approve", str(nb_path)]) == 0
    assert main(["build", str(nb_path)]) == 0
    assert main(["export", str(nb_path)]) == 0
    module = (nb_path.parent / "core.py").read_text()
    assert "def load(path):" in module and "import csv" in module
    assert "rows = load('trips.csv')" not in module


def test_modularize_magic_starts_a_new_plan(nb_path: Path, openai_env: OpenAIServer, monkeypatch) -> None:
    monkeypatch.chdir(nb_path.parent)
    with shell_with_extension(nb_path) as shell:
        result, captured = run_cell(shell, "%llm modularize")
    assert result.success, captured.stdout
    assert "trips.core" in captured.stdout
    [body] = [r.body for r in openai_env.completion_requests if r.body["model"] == ARCH]
    assert "#| default_exp" in request_text(body)
