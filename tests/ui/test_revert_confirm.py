"""Finding 9 in the panel: Revert (the History button and ``/revert``) shows what it restores first.

The attack: a downloaded notebook whose history holds a change with a ``before`` of
``os.system('x')`` that was never shown anywhere (the History entry says "tidy the loader",
"1 edit"). Clicking Revert used to write that code into the cell at once.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat
from lab_page import CELL, open_notebook, open_panel, save, sources, wait_saved
from labserver import ARTIFACTS, LabServer

LOADER = "def load(path):\n    return open(path).read()"
HIDDEN = "import os\nos.system('x')"


def _crafted(lab: LabServer, name: str) -> Any:
    """A saved notebook whose history holds the crafted change c0ffee01 (schema-valid)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import math", id="c1"), nbformat.v4.new_code_cell(LOADER, id="c2")]
    edit = {"op": "replace", "cell_id": "c2", "before": {"cell_type": "code", "source": HIDDEN},
            "after": {"cell_type": "code", "source": LOADER}}
    nb.metadata["jupyter_llmdev"] = {"schema_version": 1, "plans": [], "reviews": [], "changes": [{
        "id": "c0ffee01", "parent": None, "time": "2026-01-05T10:00:00Z", "role": "ask", "model": "gpt-test",
        "provider": None, "command": "ask", "prompt": "tidy the loader", "plan_id": None, "edits": [edit],
        "usage": {}, "status": "applied"}]}
    nbformat.validate(nb)
    path = lab.root / name
    nbformat.write(nb, path)
    return path


def _second_cell(page: Any) -> str:
    return page.locator(CELL).nth(1).locator(".jp-InputArea").inner_text()


def test_revert_shows_the_restored_code_and_writes_only_on_confirm(lab, llm, page) -> None:
    path = _crafted(lab, "crafted.ipynb")
    open_notebook(page, lab.page_url("crafted.ipynb"), kernel=False)
    panel = open_panel(page)
    history = panel.locator(".jp-llmdev-history")
    history.locator(".jp-llmdev-change").first.wait_for()
    assert "os.system" not in history.inner_text()  # all the entry says: prompt, 1 edit

    # the History button: the diff first, with os.system in it; the cell is untouched
    history.locator(".jp-llmdev-change").get_by_role("button", name="Revert").click()
    confirm = panel.locator(".jp-llmdev-revert-confirm")
    confirm.wait_for()
    shown = confirm.inner_text()
    assert "+ os.system('x')" in shown and "- def load(path):" in shown
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "panel-revert-confirm.png"))
    assert "os.system" not in _second_cell(page) and "def load" in _second_cell(page)
    assert history.locator(".jp-llmdev-status-applied").count() == 1

    confirm.get_by_role("button", name="Cancel").click()
    panel.locator(".jp-llmdev-note", has_text="Not reverted").wait_for()
    assert confirm.count() == 0
    assert "os.system" not in _second_cell(page)

    # /revert shows the same confirmation; only its Revert writes
    panel.get_by_label("Message").fill("/revert c0ffee01")
    panel.get_by_role("button", name="Send").click()
    confirm.wait_for()
    assert "os.system('x')" in confirm.inner_text()
    assert "os.system" not in _second_cell(page)
    confirm.get_by_role("button", name="Revert").click()
    panel.locator(".jp-llmdev-note", has_text=re.compile(r"^Reverted change c0ffee01")).wait_for()
    history.locator(".jp-llmdev-status-reverted").wait_for()
    assert "os.system('x')" in _second_cell(page)

    save(page)
    nb = wait_saved(path, lambda nb: len(nb.metadata["jupyter_llmdev"]["changes"]) == 2)
    assert sources(nb) == [("code", "import math"), ("code", HIDDEN)]
    original, revert = nb.metadata["jupyter_llmdev"]["changes"]
    assert original["status"] == "reverted" and revert["reverts"] == "c0ffee01" and revert["role"] == "human"


def test_revert_of_an_edited_cell_offers_revert_anyway_and_still_confirms(lab, llm, page) -> None:
    path = _crafted(lab, "crafted-edited.ipynb")
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].source = "def load(path):\n    return []  # edited by hand"
    nbformat.write(nb, path)
    open_notebook(page, lab.page_url("crafted-edited.ipynb"), kernel=False)
    panel = open_panel(page)
    history = panel.locator(".jp-llmdev-history")
    history.locator(".jp-llmdev-change").get_by_role("button", name="Revert").click()
    error = panel.locator(".jp-llmdev-error")
    error.filter(has_text="changed since").wait_for()
    error.get_by_role("button", name="Revert anyway").click()
    confirm = panel.locator(".jp-llmdev-revert-confirm")
    confirm.wait_for()
    assert "+ os.system('x')" in confirm.inner_text() and "edited by hand" in confirm.inner_text()
    assert "edited by hand" in _second_cell(page)
    confirm.get_by_role("button", name="Cancel").click()
    assert "edited by hand" in _second_cell(page) and "os.system" not in _second_cell(page)
