"""`%llm` through a real ipykernel (jupyter_client), on both insertion paths.

The live path is driven the way the JupyterLab frontend drives it: a comm ``jupyter_llmdev``
opened by the client, a snapshot pushed on it, then an execute_request whose metadata carries
``cellId``; the kernel must answer with an ``apply`` ChangeSet on its own comm.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from kernels import execute, kernel_with_extension
from openai_server import Reply

from jupyter_llmdev import PROTOCOL_VERSION

REPLY = "```python\ndef per_day(rows):\n    return {}\n```\n\n```python\nper_day(rows)\n```\n"


@pytest.fixture
def kernel(openai_env, tmp_path):
    with kernel_with_extension(tmp_path, {"LLMDEV_MODEL": "test-model", "LLMDEV_FIRST_TOKEN_TIMEOUT": "5"}) as client:
        yield client


def stdout_of(result: dict[str, Any]) -> str:
    return "".join(m["content"]["text"] for m in result["iopub"]
                   if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")


def test_without_frontend_first_cell_comes_through_set_next_input(kernel, openai_env) -> None:
    openai_env.script(Reply(text=REPLY))
    result = execute(kernel, "%llm count per day")
    assert result["reply"]["status"] == "ok", result
    [payload] = [p for p in result["reply"]["payload"] if p["source"] == "set_next_input"]
    assert payload["text"] == "def per_day(rows):\n    return {}"
    out = stdout_of(result)
    assert "code cell 1 of 1 more" in out and "per_day(rows)" in out


def test_live_path_uses_the_pushed_snapshot_and_sends_the_whole_changeset(kernel, openai_env) -> None:
    comm_id = uuid.uuid4().hex
    kernel.shell_channel.send(kernel.session.msg(
        "comm_open", {"comm_id": comm_id, "target_name": "jupyter_llmdev",
                      "data": {"protocol_version": PROTOCOL_VERSION}}))
    snapshot = {
        "path": "trips.ipynb",
        "active_cell_id": "run-me",
        "cells": [
            {"id": "first", "cell_type": "code", "source": "rows = load_unsaved_edit()", "outputs": ""},
            {"id": "run-me", "cell_type": "code", "source": "%llm count per day", "outputs": ""},
            {"id": "last", "cell_type": "markdown", "source": "The end.", "outputs": ""},
        ],
    }
    kernel.shell_channel.send(kernel.session.msg(
        "comm_msg", {"comm_id": comm_id, "data": {"method": "snapshot", "protocol_version": PROTOCOL_VERSION,
                                                  "executing_cell_id": "run-me", "snapshot": snapshot}}))
    openai_env.script(Reply(text=REPLY))
    result = execute(kernel, "%llm count per day", cell_id="run-me")
    assert result["reply"]["status"] == "ok", result
    assert not [p for p in result["reply"]["payload"] if p["source"] == "set_next_input"]
    opened = [m for m in result["iopub"] if m["msg_type"] == "comm_open"]
    assert [m["content"]["target_name"] for m in opened] == ["jupyter_llmdev_front"]
    [apply] = [m["content"]["data"] for m in result["iopub"] if m["msg_type"] == "comm_msg"]
    assert apply["method"] == "apply" and apply["protocol_version"] == PROTOCOL_VERSION
    edits = apply["changeset"]["edits"]
    assert [(e["op"], e["after"]["source"]) for e in edits] == [
        ("insert", "def per_day(rows):\n    return {}"), ("insert", "per_day(rows)")]
    assert edits[0]["anchor"] == "run-me" and edits[1]["anchor"] == edits[0]["cell_id"]
    assert "2 cells inserted below" in stdout_of(result)
    # the unsaved snapshot, not a file, was the context
    sent = "\n".join(m["content"] for m in openai_env.completion_requests[-1].body["messages"])
    assert "load_unsaved_edit()" in sent
