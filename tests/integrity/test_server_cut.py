"""Item 6 in the panel's server: a cut reply is an ``error`` frame (code ``cut``) with nothing to
insert or store; ``/continue`` asks the model to go on, ``/continue --as-is`` keeps it as it is."""

from __future__ import annotations

import json
from typing import Any

import test_server as _server_tests
from openai_server import OpenAIServer, Reply
from pytest_jupyter.jupyter_server import *  # noqa: F403
from test_server import until_final

from jupyter_llmdev import PROTOCOL_VERSION

jp_server_config = _server_tests.jp_server_config
llm_env = _server_tests.llm_env
run = _server_tests.run

CUT = "```python\ndef per_day(rows):\n    out = {}\n    for"
REST = " row in rows:\n        out[row] = 1\n    return out\n```\n"
CELLS = [{"id": "a", "cell_type": "code", "source": "rows = []", "outputs": ""}]


def message(line: str, request_id: str, section: Any = None) -> str:
    return json.dumps({"type": "request", "id": request_id, "protocol_version": PROTOCOL_VERSION, "line": line,
                       "snapshot": {"path": "nb.ipynb", "active_cell_id": "a", "cells": CELLS, "section": section},
                       "target_cell_id": "a", "model": None})


def talk(jp_ws_fetch: Any, run: Any, *lines: str) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        finals = []
        for number, line in enumerate(lines):
            await ws.write_message(message(line, f"r{number}"))
            finals.append((await until_final(ws, f"r{number}"))[-1])
        ws.close()
        return finals

    return run(go())


def test_cut_ask_then_continue_then_as_is(jp_ws_fetch, run, llm_env: OpenAIServer) -> None:
    llm_env.script(Reply(text=CUT, finish_reason="length"), Reply(text=REST),
                   Reply(text=CUT, finish_reason="length"))
    cut, joined, nothing, cut_again, as_is = talk(jp_ws_fetch, run, "count per day", "/continue", "/continue",
                                                  "count per day", "/continue --as-is")
    assert cut["type"] == "error" and cut["code"] == "cut"
    assert "`/continue`" in cut["message"] and "`/continue --as-is`" in cut["message"]
    assert joined["type"] == "done" and joined["changeset"]["status"] == "proposed"
    assert joined["changeset"]["edits"][0]["after"]["source"].endswith("return out")
    assert nothing["type"] == "error" and "nothing to continue" in nothing["message"]
    assert cut_again["code"] == "cut"
    assert as_is["type"] == "done"
    assert as_is["changeset"]["edits"][0]["after"]["source"] == "def per_day(rows):\n    out = {}\n    for"
    assert len(llm_env.completion_requests) == 3  # as it is: no request


def test_a_cut_plan_stores_nothing_until_continued(jp_ws_fetch, run, llm_env: OpenAIServer) -> None:
    llm_env.script(Reply(text="1. Load the rows\n2. Count per", finish_reason="length"),
                   Reply(text=" day\n3. Plot\n"))
    cut, continued = talk(jp_ws_fetch, run, "/plan count per day", "/continue")
    assert cut["type"] == "error" and cut["code"] == "cut"
    assert continued["type"] == "done" and continued["records"][0]["kind"] == "plans"
    assert continued["records"][0]["record"]["text"].endswith("3. Plot\n") or "3. Plot" in continued["text"]
