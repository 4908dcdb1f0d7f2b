"""The LLM panel in Notebook 7: the same extension, opened from its palette, inserts into the notebook."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from lab_page import CELL, open_notebook, open_panel, save, sources, wait_cell_count, wait_saved, write_notebook
from labserver import ARTIFACTS, LabServer, llm_environ, start_jupyter, stop_jupyter
from openai_server import OpenAIServer, Reply


@pytest.fixture(scope="module")
def notebook7(tmp_path_factory: pytest.TempPathFactory, llm_server: OpenAIServer) -> Iterator[LabServer]:
    """A ``jupyter notebook`` (Notebook 7) server with jupyter-llmdev."""
    server = start_jupyter(tmp_path_factory.mktemp("nb7"), llm_environ(llm_server), app="notebook")
    yield server
    stop_jupyter(server)


def test_notebook7_panel_previews_and_inserts(notebook7, llm, page) -> None:
    path = write_notebook(notebook7.root, "seven.ipynb", [("code", "n = 7"), ("markdown", "# End")])
    open_notebook(page, notebook7.page_url("seven.ipynb", app="notebook"), kernel=False)
    page.locator(CELL).nth(0).locator(".jp-InputPrompt").first.click()
    panel = open_panel(page, palette=True)
    llm.script(Reply(text="```python\nprint(n * 6)\n```\n"))
    panel.get_by_label("Message").fill("print six times n")
    panel.get_by_role("button", name="Send").click()
    panel.get_by_role("button", name="Insert").click()
    wait_cell_count(page, 3)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "notebook7-panel.png"))
    save(page)
    nb = wait_saved(path, lambda nb: len(nb.cells) == 3)
    assert sources(nb) == [("code", "n = 7"), ("code", "print(n * 6)"), ("markdown", "# End")]
    assert nb.metadata["jupyter_llmdev"]["changes"][0]["prompt"] == "print six times n"
