"""Item 2 of the integrity issue: JupyterLab's undo (``z``) takes an inserted change's cells out and
redo (``Shift+Z``) brings them back, while the record in the metadata stays as written. History must
say so truthfully: ``undone`` without a Revert, a revert of it refused (no revert that writes
nothing is ever recorded), and ``applied`` again after redo, when Revert works as before."""

from __future__ import annotations

from lab_page import (
    CELL,
    live_notebook,
    open_notebook,
    open_panel,
    save,
    sources,
    wait_cell_count,
    wait_saved,
    write_notebook,
)
from openai_server import Reply

ORIGINAL = [("code", "import math"), ("code", "r = 2"), ("markdown", "# Notes")]
REPLY = "```python\narea = math.pi * r ** 2\n```\n\n```python\nprint(round(area, 2))\n```\n"


def _ask(panel, text: str) -> None:
    panel.get_by_label("Message").fill(text)
    panel.get_by_role("button", name="Send").click()


def _command_mode_key(page, key: str) -> None:
    """Press ``key`` in the notebook's command mode (the first cell selected by its prompt)."""
    page.locator(CELL).first.locator(".jp-InputPrompt").first.click()
    page.keyboard.press(key)


def test_undo_and_redo_of_an_insert_show_in_history(lab, llm, page) -> None:
    name = "undo.ipynb"
    path = write_notebook(lab.root, name, ORIGINAL)
    open_notebook(page, lab.page_url(name), kernel=False)
    page.locator(CELL).nth(1).locator(".jp-InputPrompt").first.click()
    panel = open_panel(page)
    llm.script(Reply(text=REPLY))
    _ask(panel, "compute the area and print it")
    panel.get_by_role("button", name="Insert").click()
    wait_cell_count(page, 5)
    history = panel.locator(".jp-llmdev-history")
    entry = history.locator(".jp-llmdev-change").first
    history.locator(".jp-llmdev-status-applied").wait_for()
    change_id = entry.get_attribute("data-change-id")

    # undo takes the cells out; the record still says applied, History says undone
    _command_mode_key(page, "z")
    wait_cell_count(page, 3)
    history.locator(".jp-llmdev-status-undone").wait_for()
    assert "undone" in entry.inner_text()
    assert entry.get_by_role("button", name="Revert").count() == 0

    # reverting it is refused with a clear message, forced or not: nothing is written or recorded
    for line in (f"/revert {change_id}", f"/revert {change_id} --force"):
        _ask(panel, line)
        error = panel.locator(".jp-llmdev-error")
        error.filter(has_text="undone").wait_for()
        assert "nothing to revert" in error.inner_text()
        assert error.get_by_role("button", name="Revert anyway").count() == 0
        assert panel.locator(".jp-llmdev-revert-confirm").count() == 0
        panel.get_by_label("Message").fill("")
    live = live_notebook(page, name)
    assert [change["id"] for change in live["metadata"]["jupyter_llmdev"]["changes"]] == [change_id]
    assert [cell["source"] for cell in live["cells"]] == [source for _, source in ORIGINAL]

    # redo brings the cells back: applied again, and Revert works on them
    _command_mode_key(page, "Shift+Z")
    wait_cell_count(page, 5)
    history.locator(".jp-llmdev-status-applied").wait_for()
    assert history.locator(".jp-llmdev-status-undone").count() == 0
    entry.get_by_role("button", name="Revert").click()
    panel.locator(".jp-llmdev-revert-confirm").get_by_role("button", name="Revert").click()
    wait_cell_count(page, 3)
    history.locator(".jp-llmdev-status-reverted").wait_for()

    save(page)
    nb = wait_saved(path, lambda nb: len(nb.metadata.get("jupyter_llmdev", {}).get("changes", [])) == 2)
    assert sources(nb) == ORIGINAL
    change, revert = nb.metadata["jupyter_llmdev"]["changes"]
    assert change["id"] == change_id and change["status"] == "reverted"
    assert revert["reverts"] == change_id and len(revert["edits"]) == 2
