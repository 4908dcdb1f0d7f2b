"""Item 3 of the integrity issue: a proposal belongs to the notebook it was made for. Switching to
another notebook hides it (even when the reply arrives after the switch), Insert never writes the
notebook that is not on display, and the proposal is back, naming its notebook, on return."""

from __future__ import annotations

from lab_page import (
    CELL,
    live_notebook,
    open_notebook,
    open_panel,
    switch_to_notebook,
    wait_cell_count,
    write_notebook,
)
from openai_server import Reply

ORIGINAL = [("code", "import math"), ("code", "r = 2"), ("markdown", "# Notes")]
OTHER = [("code", "b = 1")]
REPLY = "```python\narea = math.pi * r ** 2\n```\n\n```python\nprint(round(area, 2))\n```\n"


def test_a_proposal_stays_with_its_notebook(lab, llm, page) -> None:
    write_notebook(lab.root, "first.ipynb", ORIGINAL)
    other = write_notebook(lab.root, "second.ipynb", OTHER)
    other_bytes = other.read_bytes()
    open_notebook(page, lab.page_url("first.ipynb"), kernel=False)
    page.locator(CELL).nth(1).locator(".jp-InputPrompt").first.click()
    panel = open_panel(page)
    insert = panel.get_by_role("button", name="Insert", exact=True)

    # the reply streams for first.ipynb; the user switches to second.ipynb before it is done
    llm.script(Reply(text=REPLY, chunk_size=2, delay_between=0.05))
    panel.get_by_label("Message").fill("compute the area and print it")
    panel.get_by_role("button", name="Send").click()
    panel.locator(".jp-llmdev-reply").filter(has_text="area").wait_for()
    switch_to_notebook(page, "second.ipynb")
    panel.locator(".jp-llmdev-notebook", has_text="second.ipynb").wait_for()
    panel.get_by_role("button", name="Stop").wait_for(state="hidden")  # the reply is done
    assert insert.is_hidden(), "first.ipynb's proposal must not show (or insert) on second.ipynb"
    assert panel.locator(".jp-llmdev-proposal").is_hidden()
    assert [cell["source"] for cell in live_notebook(page, "second.ipynb")["cells"]] == ["b = 1"]

    # back on first.ipynb: its proposal, naming it, and Insert writes it there only
    switch_to_notebook(page, "first.ipynb")
    insert.wait_for(state="visible")
    assert "first.ipynb" in panel.locator(".jp-llmdev-proposal-title").inner_text()
    insert.click()
    wait_cell_count(page, 5)
    panel.locator(".jp-llmdev-note", has_text="into first.ipynb").wait_for()
    assert [cell["source"] for cell in live_notebook(page, "second.ipynb")["cells"]] == ["b = 1"]
    assert len(live_notebook(page, "first.ipynb")["metadata"]["jupyter_llmdev"]["changes"]) == 1
    assert "jupyter_llmdev" not in live_notebook(page, "second.ipynb")["metadata"]

    # second.ipynb shows no proposal, and its file was never written
    switch_to_notebook(page, "second.ipynb")
    panel.locator(".jp-llmdev-notebook", has_text="second.ipynb").wait_for()
    assert insert.is_hidden()
    assert other.read_bytes() == other_bytes
