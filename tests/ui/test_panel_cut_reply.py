"""Item 6 of the integrity issue, the panel's half: a reply cut by the output limit
(``finish_reason: length``) is shown as incomplete, nothing inserted or stored, with Continue
(``/continue``: the model goes on) and Insert anyway (``/continue --as-is``: the cut reply as it is);
only after one of those, and the usual Insert, does the notebook change."""

from __future__ import annotations

from lab_page import CELL, live_notebook, open_notebook, open_panel, save, wait_cell_count, wait_saved, write_notebook
from labserver import ARTIFACTS
from openai_server import Reply

ORIGINAL = [("code", "rows = []"), ("markdown", "# Notes")]
CUT = "```python\ndef per_day(rows):\n    out = {}\n    for"
REST = " row in rows:\n        out[row['day']] = out.get(row['day'], 0) + 1\n    return out\n```\n"


def _start(page, lab, name):
    path = write_notebook(lab.root, name, ORIGINAL)
    open_notebook(page, lab.page_url(name), kernel=False)
    page.locator(CELL).first.locator(".jp-InputPrompt").first.click()
    return path, open_panel(page)


def _ask_cut(panel, llm) -> object:
    """Ask; the model's reply is cut at the output limit. Returns the incomplete notice."""
    llm.script(Reply(text=CUT, finish_reason="length"))
    panel.get_by_label("Message").fill("count rows per day")
    panel.get_by_role("button", name="Send").click()
    cut = panel.locator(".jp-llmdev-incomplete .jp-llmdev-cut")
    cut.wait_for()
    return cut


def _nothing_changed(page, name: str) -> None:
    live = live_notebook(page, name)
    assert [cell["source"] for cell in live["cells"]] == [source for _, source in ORIGINAL]
    assert "jupyter_llmdev" not in live["metadata"]


def test_cut_reply_is_incomplete_and_continue_gets_the_rest(lab, llm, page) -> None:
    name = "cut-continue.ipynb"
    path, panel = _start(page, lab, name)
    cut = _ask_cut(panel, llm)
    assert "cut" in cut.inner_text().lower()
    assert "Incomplete" in panel.locator(".jp-llmdev-status").inner_text()
    assert panel.get_by_role("button", name="Insert", exact=True).is_hidden()
    assert panel.locator(".jp-llmdev-error").is_hidden()
    assert panel.get_by_label("Message").input_value() == "count rows per day", "kept until answered"
    _nothing_changed(page, name)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "panel-cut.png"))

    llm.script(Reply(text=REST))
    cut.get_by_role("button", name="Continue").click()
    insert = panel.get_by_role("button", name="Insert", exact=True)
    insert.wait_for(state="visible")
    assert panel.locator(".jp-llmdev-asked").inner_text() == "/continue"
    assert panel.get_by_label("Message").input_value() == "", "the continued prompt is answered"
    insert.click()
    wait_cell_count(page, 3)
    save(page)
    nb = wait_saved(path, lambda nb: len(nb.cells) == 3)
    function = nb.cells[1].source
    assert function.startswith("def per_day(rows):") and function.rstrip().endswith("return out"), function
    assert "for row in rows:" in function
    [change] = nb.metadata["jupyter_llmdev"]["changes"]
    assert change["status"] == "applied"


def test_insert_anyway_uses_the_cut_reply_as_it_is(lab, llm, page) -> None:
    name = "cut-as-is.ipynb"
    path, panel = _start(page, lab, name)
    cut = _ask_cut(panel, llm)
    _nothing_changed(page, name)
    requests = len(llm.completion_requests)

    cut.get_by_role("button", name="Insert anyway").click()
    insert = panel.get_by_role("button", name="Insert", exact=True)
    insert.wait_for(state="visible")
    assert len(llm.completion_requests) == requests, "Insert anyway asks the model nothing"
    assert panel.locator(".jp-llmdev-asked").inner_text() == "/continue --as-is"
    _nothing_changed(page, name)  # still only a proposal
    insert.click()
    wait_cell_count(page, 3)
    save(page)
    nb = wait_saved(path, lambda nb: len(nb.cells) == 3)
    assert nb.cells[1].source == "def per_day(rows):\n    out = {}\n    for"
    assert len(nb.metadata["jupyter_llmdev"]["changes"]) == 1
