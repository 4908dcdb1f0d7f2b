"""Item 1 of the integrity issue, kernel side: with the notebook open in two pages (collaboration)
both receive the kernel's comm messages, so each ``apply`` and ``record`` names the one client that
ran the cell (its execute request's ``header.session``, a JupyterLab page's kernel ``clientId``)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from kernels import execute, kernel_with_extension
from openai_server import Reply

from jupyter_llmdev import PROTOCOL_VERSION

REPLY = "```python\ny = 21\n```\n\n```python\nprint(y * 2)\n```\n"


@pytest.fixture
def kernel(openai_env, tmp_path):
    with kernel_with_extension(tmp_path, {"LLMDEV_MODEL": "test-model", "LLMDEV_FIRST_TOKEN_TIMEOUT": "5"}) as client:
        yield client


def _page(kernel: Any, session: str, cell_id: str) -> None:
    """What a page with the given kernel ``clientId`` sends: comm open and the snapshot of its cell."""
    comm_id = uuid.uuid4().hex
    for msg_type, content in (
        ("comm_open", {"comm_id": comm_id, "target_name": "jupyter_llmdev",
                       "data": {"protocol_version": PROTOCOL_VERSION}}),
        ("comm_msg", {"comm_id": comm_id, "data": {
            "method": "snapshot", "protocol_version": PROTOCOL_VERSION, "executing_cell_id": cell_id,
            "snapshot": {"path": "nb.ipynb", "active_cell_id": cell_id, "cells": [
                {"id": cell_id, "cell_type": "code", "source": "%llm define y", "outputs": ""}]}}}),
    ):
        message = kernel.session.msg(msg_type, content)
        message["header"]["session"] = session
        kernel.shell_channel.send(message)


def test_apply_names_the_client_whose_cell_ran(kernel, openai_env) -> None:
    # page B opened its comm and pushed a snapshot too, but the cell runs from this client's session
    _page(kernel, "page-b-client", "other-cell")
    _page(kernel, kernel.session.session, "run-me")
    openai_env.script(Reply(text=REPLY))
    result = execute(kernel, "%llm define y and print twice y", cell_id="run-me")
    assert result["reply"]["status"] == "ok", result
    [apply] = [m["content"]["data"] for m in result["iopub"] if m["msg_type"] == "comm_msg"]
    assert apply["method"] == "apply" and len(apply["changeset"]["edits"]) == 2
    assert apply["client"] == kernel.session.session != "page-b-client"
