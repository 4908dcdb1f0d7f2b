"""The side panel's workflow commands on a real Jupyter server: /plan -> /approve -> /build -> /review.

The panel's role is played here: each request carries the notebook's cells and its
``metadata.jupyter_llmdev`` section, and the records of each ``done`` are stored into that
section (as the panel does through the shared model) before the next request.
"""

from __future__ import annotations

import getpass
import json
from typing import Any

import pytest
import test_server as _server_tests
from openai_server import Reply
from pytest_jupyter.jupyter_server import *
from test_server import until_final
from workflow_replies import BUILD, PLAN, REVIEW_A

from jupyter_llmdev import PROTOCOL_VERSION
from jupyter_llmdev.notebook.metadata import empty_section, validate_section
from jupyter_llmdev.notebook.records import upsert

# the server fixtures of test_server.py: our extension only, models on the loopback server
jp_server_config = _server_tests.jp_server_config
llm_env = _server_tests.llm_env
run = _server_tests.run


class Panel:
    """The notebook as the panel holds it: cells and the metadata section."""

    def __init__(self) -> None:
        self.cells = [
            {"id": "c", "cell_type": "code", "source": "def load(path):\n    return open(path).read()", "outputs": ""},
            {"id": "d", "cell_type": "code", "source": "rows = load('trips.csv')", "outputs": ""},
        ]
        self.section = empty_section()
        self.count = 0
        self.model: str | None = None

    def request(self, line: str) -> str:
        self.count += 1
        return json.dumps({
            "type": "request", "id": f"r{self.count}", "protocol_version": PROTOCOL_VERSION, "line": line,
            "snapshot": {"path": "nb.ipynb", "active_cell_id": "d", "cells": self.cells, "section": self.section},
            "target_cell_id": "d", "model": self.model,
        })

    def store(self, done: dict[str, Any]) -> None:
        """What the panel does with a done: records into the section (a change is inserted first)."""
        if done["changeset"] is not None:
            change = dict(done["changeset"], status="applied")
            self.section["changes"].append(change)
            for edit in change["edits"]:
                cell = {"id": edit["cell_id"], "cell_type": edit["after"]["cell_type"],
                        "source": edit["after"]["source"], "outputs": ""}
                if edit["op"] == "replace":
                    self.cells = [cell if c["id"] == edit["cell_id"] else c for c in self.cells]
                else:
                    at = [c["id"] for c in self.cells].index(edit["anchor"]) + 1 if edit["anchor"] else 0
                    self.cells.insert(at, cell)
        upsert(self.section, [(r["kind"], r["record"]) for r in done["records"]])
        validate_section(self.section)


def exchange(jp_ws_fetch: Any, run: Any, panel: Panel, *lines: str) -> list[list[dict[str, Any]]]:
    """Send each line in turn on one websocket, storing each done's records; all messages per line."""

    async def go() -> list[list[dict[str, Any]]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        answers = []
        for line in lines:
            await ws.write_message(panel.request(line))
            messages = await until_final(ws, f"r{panel.count}")
            if messages[-1]["type"] == "done":
                panel.store(messages[-1])
            answers.append(messages)
        ws.close()
        return answers

    return run(go())


def test_plan_approve_build_review_through_the_panel(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text=PLAN, chunk_size=20), Reply(text=BUILD, chunk_size=20), Reply(text=REVIEW_A))
    panel = Panel()
    plan, approve, build, review = exchange(jp_ws_fetch, run, panel, "/plan count trips per day", "/approve",
                                            "/build", "/review")

    # /plan streams the architect's reply and returns a draft, whatever the reply says about approval
    assert "".join(m["text"] for m in plan if m["type"] == "delta") == PLAN
    done = plan[-1]
    assert done["type"] == "done" and done["command"] == "plan" and done["changeset"] is None
    assert done["model"] == "openai:test-model"
    [record] = done["records"]
    assert record["kind"] == "plans" and record["record"]["status"] == "draft"
    assert record["record"]["approved_by"] is None
    plan_id = record["record"]["id"]
    assert "trips.csv" in json.dumps(llm_env.completion_requests[0].body)  # the panel's cells were sent

    # /approve is the human's: no model request, the plan is approved by this user
    done = approve[-1]
    assert done["type"] == "done" and done["command"] == "approve" and done["model"] is None
    [record] = done["records"]
    assert record["record"]["id"] == plan_id and record["record"]["status"] == "approved"
    assert record["record"]["approved_by"] == getpass.getuser()
    assert len(approve) == 1  # no status, no stream: nothing was asked

    # /build: the developer gets the approved plan; a proposed change plus the plan marked built
    done = build[-1]
    assert done["type"] == "done" and done["command"] == "build"
    assert "Count trips per day" in json.dumps(llm_env.completion_requests[1].body)
    change = done["changeset"]
    assert change["status"] == "proposed" and change["plan_id"] == plan_id and change["command"] == "build"
    assert (change["edits"][0]["op"], change["edits"][0]["cell_id"]) == ("replace", "c")
    assert any("per_day" in e["after"]["source"] for e in change["edits"] if e["op"] == "insert")
    [record] = done["records"]
    assert record["record"]["id"] == plan_id and record["record"]["status"] == "built"

    # /review: the applied change is reviewed against the plan; a review record, plan reviewed
    done = review[-1]
    assert done["type"] == "done" and done["command"] == "review", done
    kinds = {r["kind"]: r["record"] for r in done["records"]}
    assert kinds["reviews"]["change"] == change["id"] and kinds["plans"]["status"] == "reviewed"
    assert "newline=''" in done["text"]
    assert panel.section["plans"][0]["status"] == "reviewed" and len(panel.section["reviews"]) == 1
    assert len(llm_env.completion_requests) == 3  # architect, developer, one reviewer: approve asked none


def test_build_before_approve_is_refused_and_asks_for_the_panel_command(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text=PLAN))
    panel = Panel()
    _, build = exchange(jp_ws_fetch, run, panel, "/plan count trips per day", "/build")
    error = build[-1]
    assert error["type"] == "error" and "/approve" in error["message"], error
    assert 1 <= len(error["message"].splitlines()) <= 3
    assert len(llm_env.completion_requests) == 1  # no developer request
    assert panel.section["plans"][0]["status"] == "draft"


def test_plan_without_text_shows_the_current_plan(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text=PLAN))
    panel = Panel()
    [[empty]] = exchange(jp_ws_fetch, run, panel, "/plan")
    assert empty["type"] == "done" and "No plan yet" in empty["text"] and "/plan" in empty["text"]
    exchange(jp_ws_fetch, run, panel, "/plan count trips per day", "/approve")
    [shown] = exchange(jp_ws_fetch, run, panel, "/plan")
    assert shown[-1]["text"].startswith(f"Plan {panel.section['plans'][0]['id']} (approved)")
    assert shown[-1]["records"] == []


@pytest.mark.parametrize("line", ["/approve two words", "/doc sideways"])
def test_workflow_usage_errors_name_the_panel_command(jp_ws_fetch, run, llm_env, line) -> None:
    [messages] = exchange(jp_ws_fetch, run, Panel(), line)
    error = messages[-1]
    assert error["type"] == "error" and error["code"] not in ("internal", "bad_message")
    assert "/" in error["message"] and "%llm" not in error["message"]
    assert not llm_env.completion_requests


def test_a_corrupt_section_is_reported_and_no_model_is_asked(jp_ws_fetch, run, llm_env) -> None:
    panel = Panel()
    panel.section = {"schema_version": 1, "changes": "nope", "plans": [], "reviews": []}
    [messages] = exchange(jp_ws_fetch, run, panel, "/plan anything")
    error = messages[-1]
    assert error["type"] == "error" and "corrupt" in error["message"]
    assert not llm_env.completion_requests


def test_the_panel_model_choice_answers_and_a_model_flag_wins(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text=PLAN), Reply(text=PLAN))
    panel = Panel()
    panel.model = "picked-architect"
    first, second = exchange(jp_ws_fetch, run, panel, "/plan count trips", "/plan --model flagged more detail")
    assert [r.body["model"] for r in llm_env.completion_requests] == ["picked-architect", "flagged"]
    assert first[-1]["model"] == "openai:picked-architect" and second[-1]["model"] == "openai:flagged"
