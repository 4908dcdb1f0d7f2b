"""The workflow through a real ipykernel, driven the way the JupyterLab frontend drives it.

Cells run inside ipykernel's event loop, so this is also where concurrent reviews must work
with a loop already running. The kernel sends records (plans, reviews) and ChangeSets on its
``jupyter_llmdev_front`` comm; nothing touches the notebook file.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kernels import execute, kernel_with_extension
from notebooks import CELLS
from openai_server import OpenAIServer
from workflow_replies import REV_A, REV_B, REVIEW_A, Rendezvous, respond_by_role, write_project

from jupyter_llmdev import PROTOCOL_VERSION


@pytest.fixture
def kernel(openai_env: OpenAIServer, second: OpenAIServer, tmp_path: Path) -> Iterator[Any]:
    openai_env.responder = respond_by_role()
    write_project(tmp_path, second.base_url)
    with kernel_with_extension(tmp_path, {"LLMDEV_FIRST_TOKEN_TIMEOUT": "5", "LLMDEV_RETRIES": "0"}) as client:
        yield client


class Frontend:
    """The frontend side of the comms: pushes snapshots, reads what the kernel sends back."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.comm_id = uuid.uuid4().hex
        self.cells = [{"id": cell_id, "cell_type": kind, "source": source, "outputs": ""}
                      for cell_id, kind, source in CELLS]
        client.shell_channel.send(client.session.msg("comm_open", {
            "comm_id": self.comm_id, "target_name": "jupyter_llmdev",
            "data": {"protocol_version": PROTOCOL_VERSION}}))

    def run(self, code: str) -> dict[str, Any]:
        """Push the snapshot for a new cell holding ``code``, then execute it as that cell."""
        cell_id = f"run-{uuid.uuid4().hex[:6]}"
        cells = [*self.cells, {"id": cell_id, "cell_type": "code", "source": code, "outputs": ""}]
        snapshot = {"path": "trips.ipynb", "active_cell_id": cell_id, "cells": cells}
        self.client.shell_channel.send(self.client.session.msg("comm_msg", {
            "comm_id": self.comm_id, "data": {"method": "snapshot", "protocol_version": PROTOCOL_VERSION,
                                              "executing_cell_id": cell_id, "snapshot": snapshot}}))
        result = execute(self.client, code, cell_id=cell_id, timeout=60)
        assert result["reply"]["status"] == "ok", result
        return result


def sent(result: dict[str, Any], method: str) -> list[dict[str, Any]]:
    return [m["content"]["data"] for m in result["iopub"]
            if m["msg_type"] == "comm_msg" and m["content"]["data"].get("method") == method]


def shown(result: dict[str, Any], mime: str) -> str:
    return "\n".join(m["content"]["data"].get(mime, "") for m in result["iopub"]
                     if m["msg_type"] in ("display_data", "update_display_data"))


def test_plan_approve_build_review_on_the_live_channel(kernel, openai_env, second) -> None:
    front = Frontend(kernel)
    result = front.run("%llm plan count trips per day")
    assert "## Steps" in shown(result, "text/markdown")
    [record] = sent(result, "record")
    assert record["kind"] == "plans" and record["record"]["status"] == "draft"
    assert record["protocol_version"] == PROTOCOL_VERSION and record["notebook_path"] == "trips.ipynb"
    plan_id = record["record"]["id"]

    result = front.run("%llm approve")
    [record] = sent(result, "record")
    assert record["record"]["status"] == "approved" and record["record"]["approved_by"]

    result = front.run("%llm build")
    [apply] = sent(result, "apply")
    changeset = apply["changeset"]
    assert changeset["plan_id"] == plan_id and changeset["command"] == "build"
    assert [e["op"] for e in changeset["edits"]] == ["replace", "insert"]
    assert changeset["edits"][1]["anchor"].startswith("run-")  # below the %llm build cell
    [record] = sent(result, "record")
    assert record["record"]["status"] == "built"

    meeting = Rendezvous(REV_A, REV_B, REVIEW_A)
    openai_env.responder = meeting.wrap(respond_by_role())
    second.responder = meeting.wrap(respond_by_role())
    result = front.run("%llm review")
    assert meeting.met is True  # both reviewers were asked at once, from inside the kernel's loop
    html = shown(result, "text/html")
    assert "<table>" in html and "open the CSV with newline=&#x27;&#x27;" in html
    kinds = [(r["kind"], r["record"].get("status")) for r in sent(result, "record")]
    assert kinds == [("reviews", None), ("plans", "reviewed")]
    review = sent(result, "record")[0]["record"]
    assert review["change"] == changeset["id"] and len(review["reviewers"]) == 2
