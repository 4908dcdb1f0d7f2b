"""Finding 11: the provider never learns where the notebook lives on disk.

The notebook's path goes into the context (``<notebook path="...">``); it used to be the absolute
path (``/home/alice/clients/acme/...``). Now it is relative to the project root (CLI, kernel) or
to the Jupyter server's root folder (server). Each test looks at every byte the loopback
provider received.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest
from notebooks import write_notebook
from openai_server import OpenAIServer, Reply
import test_server as _server_tests
from pytest_jupyter.jupyter_server import *  # noqa: F403 - the jp_* fixtures of the server test
from shells import run_cell, shell_with_extension

from jupyter_llmdev import PROTOCOL_VERSION
from jupyter_llmdev.cli.main import main

REPLY = "```python\nx = 1\n```\n"


def sent_bodies(server: OpenAIServer) -> str:
    """Every request body the provider received, as one JSON text."""
    return "\n".join(json.dumps(request.body) for request in server.completion_requests)


def assert_no_absolute_path(server: OpenAIServer, folder: Path) -> None:
    text = sent_bodies(server)
    assert server.completion_requests, "the model was asked"
    for form in {str(folder), os.path.realpath(folder)}:
        assert form not in text, f"{form} was sent to the provider"


@pytest.fixture
def project(tmp_path: Path, openai_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git project with its doc at the root and the notebook in nbs/."""
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    monkeypatch.setenv("LLMDEV_RETRIES", "0")
    (tmp_path / ".git").mkdir()
    (tmp_path / "ARCHITECTURE.md").write_text("# Trips\nRule-42.\n")
    (tmp_path / "nbs").mkdir()
    write_notebook(tmp_path / "nbs" / "trips.ipynb")
    return tmp_path


def test_cli_ask_sends_the_path_inside_the_project(project: Path, openai_env: OpenAIServer) -> None:
    openai_env.script(Reply(text=REPLY))
    assert main(["ask", str(project / "nbs" / "trips.ipynb"), "add", "x"]) == 0
    assert 'path=\\"nbs/trips.ipynb\\"' in sent_bodies(openai_env)
    assert "Rule-42" in sent_bodies(openai_env)
    assert_no_absolute_path(openai_env, project)


def test_cli_plan_sends_the_path_inside_the_project(project: Path, openai_env: OpenAIServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / "nbs")  # a relative notebook argument
    openai_env.script(Reply(text="## Goal\nx\n"))
    assert main(["plan", "trips.ipynb", "add", "x"]) == 0
    assert 'path=\\"nbs/trips.ipynb\\"' in sent_bodies(openai_env)
    assert_no_absolute_path(openai_env, project)


def test_kernel_magic_sends_the_path_inside_the_project(project: Path, openai_env: OpenAIServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / "nbs")
    openai_env.script(Reply(text=REPLY))
    with shell_with_extension(project / "nbs" / "trips.ipynb") as shell:
        result, captured = run_cell(shell, "%llm add x")
    assert result.success, captured.stdout
    assert 'path=\\"nbs/trips.ipynb\\"' in sent_bodies(openai_env)
    assert_no_absolute_path(openai_env, project)


# -- the server: paths relative to its root folder ------------------------------------------


# the server tests' fixtures: our extension only, no unauthenticated access; run on the server's loop
jp_server_config = _server_tests.jp_server_config
run = _server_tests.run


def test_server_ask_sends_the_path_inside_the_root(jp_ws_fetch, jp_root_dir: Path, run, openai_env: OpenAIServer,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    (jp_root_dir / "work").mkdir()
    write_notebook(jp_root_dir / "work" / "nb.ipynb")
    openai_env.script(Reply(text=REPLY))
    snapshot = {"path": "work/nb.ipynb", "active_cell_id": "a", "cells": [
        {"id": "a", "cell_type": "code", "source": "import math", "outputs": ""}]}
    message = {"type": "request", "id": "r1", "protocol_version": PROTOCOL_VERSION, "line": "add x",
               "snapshot": snapshot, "target_cell_id": "a", "model": None}

    async def go() -> dict[str, Any]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(json.dumps(message))
        while True:
            answer = json.loads(await asyncio.wait_for(ws.read_message(), timeout=20))
            if answer["type"] in ("done", "error"):
                ws.close()
                return answer

    answer = run(go())
    assert answer["type"] == "done", answer
    assert 'nb.ipynb\\"' in sent_bodies(openai_env)
    assert_no_absolute_path(openai_env, jp_root_dir)
