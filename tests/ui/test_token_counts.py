"""Issue 9, item 9 in the panel: unknown token counts say "n/a", never 0 or "no token count".

A server that sends no usage chunk (llama.cpp without ``stream_options``, some proxies) leaves a
model's record with ``usage: {}``. Before, History said "no token count" for it and for a human's
revert alike, and the answer's status line said nothing. Now: the answer's status line and the
History entry say "tokens n/a" for a model call without counts, "N in / n/a out tokens" when one
count is missing, and a change no model made (a revert) says "no model call".

Real parts: ``jupyter lab`` with the extension, chromium, the loopback OpenAI-compatible server
answering without usage (``Reply(usage=None)``) and with a prompt count only.
"""

from __future__ import annotations

from lab_page import CELL, open_notebook, open_panel, wait_cell_count, write_notebook
from openai_server import Reply

ORIGINAL = [("code", "import math"), ("code", "r = 2"), ("markdown", "# Notes")]
REPLY = "```python\narea = math.pi * r ** 2\n```\n"
MORE = "```python\nprint(round(area, 2))\n```\n"


def _ask(panel, text: str) -> None:
    panel.get_by_label("Message").fill(text)
    panel.get_by_role("button", name="Send").click()


def _entry(panel, change_id: str):
    return panel.locator(f".jp-llmdev-history .jp-llmdev-change[data-change-id='{change_id}']")


def test_history_and_status_say_tokens_n_a_for_a_reply_without_usage(lab, llm, page) -> None:
    name = "tokens.ipynb"
    write_notebook(lab.root, name, ORIGINAL)
    open_notebook(page, lab.page_url(name), kernel=False)
    page.locator(CELL).nth(1).locator(".jp-InputPrompt").first.click()
    panel = open_panel(page)

    llm.script(Reply(text=REPLY, usage=None))
    _ask(panel, "compute the area")
    panel.get_by_role("button", name="Insert").wait_for(state="visible")
    status = panel.locator(".jp-llmdev-status").last
    assert "tokens n/a" in status.inner_text()
    panel.get_by_role("button", name="Insert").click()
    wait_cell_count(page, 4)
    history = panel.locator(".jp-llmdev-history")
    first = history.locator(".jp-llmdev-change").first
    first.wait_for()
    unknown_id = first.get_attribute("data-change-id")
    facts = _entry(panel, unknown_id).locator(".jp-llmdev-change-facts").inner_text()
    assert "tokens n/a" in facts
    assert "no token count" not in facts and "0 in" not in facts

    # one count reported: the other is n/a, not 0
    llm.script(Reply(text=MORE, usage={"prompt_tokens": 321}))
    _ask(panel, "print it")
    panel.get_by_role("button", name="Insert").wait_for(state="visible")
    assert "321 in / n/a out tokens" in panel.locator(".jp-llmdev-status").last.inner_text()
    panel.get_by_role("button", name="Insert").click()
    wait_cell_count(page, 5)
    history.locator(".jp-llmdev-change").nth(1).wait_for()
    partial_id = history.locator(".jp-llmdev-change").first.get_attribute("data-change-id")
    assert partial_id != unknown_id
    assert "321 in / n/a out tokens" in _entry(panel, partial_id).inner_text()

    # a human's revert made no model call, and says so
    _entry(panel, partial_id).get_by_role("button", name="Revert").click()
    panel.locator(".jp-llmdev-revert-confirm").get_by_role("button", name="Revert").click()
    wait_cell_count(page, 4)
    history.locator(".jp-llmdev-change").nth(2).wait_for()
    revert = history.locator(".jp-llmdev-change").first
    assert revert.get_attribute("data-change-id") not in (unknown_id, partial_id)
    assert "no model call" in revert.locator(".jp-llmdev-change-facts").inner_text()
    assert "tokens n/a" in _entry(panel, unknown_id).inner_text()
