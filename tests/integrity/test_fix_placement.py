"""Item 4 of the integrity issue: build and fix place cells by the plan and the reviewed change,
never by where the panel's cursor (or the running cell) happens to be."""

from __future__ import annotations

import test_server as _server_tests
import test_server_workflow as _panel_tests
from openai_server import Reply
from pytest_jupyter.jupyter_server import *  # noqa: F403
from workflow_replies import REVIEW_A

jp_server_config = _server_tests.jp_server_config
llm_env = _server_tests.llm_env
run = _server_tests.run

BUILD_NEW = "```python\ndef per_day(rows):\n    return {}\n```\n"
FIX_ADDS = "Added the test the review asked for.\n\n```python\nassert per_day([]) == {}\n```\n"


class CursorAtTop(_panel_tests.Panel):
    """The panel with the cursor on the notebook's first cell, as after scrolling up to read."""

    def request(self, line: str) -> str:
        import json

        message = json.loads(super().request(line))
        message["snapshot"]["active_cell_id"] = message["target_cell_id"] = self.cells[0]["id"]
        return json.dumps(message)


def test_build_appends_and_fix_follows_the_reviewed_change(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text=BUILD_NEW), Reply(text=REVIEW_A), Reply(text=FIX_ADDS))
    panel = CursorAtTop()
    build, review, fix = _panel_tests.exchange(jp_ws_fetch, run, panel, "/build --no-plan per day", "/review",
                                               "/fix")
    built = build[-1]["changeset"]
    assert built["edits"][0]["anchor"] == "d"  # the end of the notebook, not after the cursor's cell c
    assert review[-1]["type"] == "done"
    fixed = fix[-1]["changeset"]
    assert fixed is not None, fix[-1]
    # the test cell goes after the function it tests (the reviewed change's cell), not above it
    assert fixed["edits"][0]["anchor"] == built["edits"][0]["cell_id"]
    order = [cell["id"] for cell in panel.cells]
    assert order.index(fixed["edits"][0]["cell_id"]) > order.index(built["edits"][0]["cell_id"])
