"""Item 1 of the integrity issue: with jupyter-collaboration, two browser pages on one notebook are
two clients of the kernel and of the shared document. Every change lands exactly once: the page
that ran ``%llm`` applies it, the other sees it through the shared model; the panel's Insert, its
undo and redo (History in both pages follows) and a Revert from the other page work on the same live
document, which the server saves as it is."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from lab_page import (
    browser_page,
    CELL,
    live_notebook,
    open_notebook,
    open_panel,
    run_cell,
    wait_cell_count,
    wait_executed,
    wait_saved,
    write_notebook,
)
from labserver import ARTIFACTS, LabServer, llm_environ, start_jupyter, stop_jupyter
from openai_server import OpenAIServer, Reply

NAME = "shared.ipynb"
MAGIC_REPLY = "```python\ny = 21\n```\n\n```python\nprint(y * 2)\n```\n"
PANEL_REPLY = "```python\nz = y + 1\n```\n"


@pytest.fixture(scope="module")
def collab_lab(tmp_path_factory: pytest.TempPathFactory, llm_server: OpenAIServer) -> Iterator[LabServer]:
    """A ``jupyter lab`` with real-time collaboration on (jupyter-collaboration)."""
    server = start_jupyter(tmp_path_factory.mktemp("lab-collab"), llm_environ(llm_server), collaborative=True)
    yield server
    stop_jupyter(server)


@pytest.fixture
def other_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A second browser context and page: the collaborator."""
    with browser_page(browser, request, "-other") as page:
        yield page


def _converged(pages: list[Any], count: int, timeout: float = 30.0) -> dict[str, Any]:
    """Wait until every page's live document is the same and holds ``count`` cells; returns it."""
    deadline = time.monotonic() + timeout
    docs: list[Any] = []
    while time.monotonic() < deadline:
        docs = [live_notebook(page, NAME) for page in pages]
        if all(doc == docs[0] for doc in docs) and docs[0] and len(docs[0]["cells"]) == count:
            return docs[0]
        time.sleep(0.2)
    counts = [len(doc["cells"]) if doc else None for doc in docs]
    raise AssertionError(f"the pages did not converge on {count} cells: {counts}\n{docs}")


def _no_error_toasts(*pages: Any) -> None:
    for page in pages:
        toasts = page.locator(".jp-Notification-Toast", has_text="jupyter-llmdev")
        assert toasts.count() == 0, toasts.all_inner_texts()


def _ids_unique(doc: dict[str, Any]) -> None:
    ids = [cell["id"] for cell in doc["cells"]]
    assert len(ids) == len(set(ids)), ids


def test_two_pages_each_change_lands_once(collab_lab, llm, page, other_page) -> None:
    path = write_notebook(collab_lab.root, NAME, [
        ("code", "%load_ext jupyter_llmdev"),
        ("code", "%llm define y and print twice y"),
        ("code", "# last cell"),
    ])
    open_notebook(page, collab_lab.page_url(NAME))
    open_notebook(other_page, collab_lab.page_url(NAME))
    panel_a, panel_b = open_panel(page), open_panel(other_page)
    _converged([page, other_page], 3)

    # %llm once, from page A: both pages receive the kernel's apply; only A applies it
    llm.script(Reply(text=MAGIC_REPLY))
    run_cell(page, 0)
    wait_executed(page, 0)
    run_cell(page, 1)
    wait_cell_count(page, 5)
    wait_executed(page, 1)
    wait_cell_count(other_page, 5)
    doc = _converged([page, other_page], 5)
    _ids_unique(doc)
    assert [cell["source"] for cell in doc["cells"]] == [
        "%load_ext jupyter_llmdev", "%llm define y and print twice y", "y = 21", "print(y * 2)", "# last cell"]
    assert len(doc["metadata"]["jupyter_llmdev"]["changes"]) == 1
    _no_error_toasts(page, other_page)

    # the panel's Insert once, from page A
    llm.script(Reply(text=PANEL_REPLY))
    page.locator(CELL).nth(3).locator(".jp-InputPrompt").first.click()
    panel_a.get_by_label("Message").fill("add z")
    panel_a.get_by_role("button", name="Send").click()
    panel_a.get_by_role("button", name="Insert").click()
    doc = _converged([page, other_page], 6)
    _ids_unique(doc)
    assert len(doc["metadata"]["jupyter_llmdev"]["changes"]) == 2

    # undo in page A takes the cells out for both; both Histories say undone; redo brings it back
    history_b = panel_b.locator(".jp-llmdev-history")
    page.locator(CELL).first.locator(".jp-InputPrompt").first.click()
    page.keyboard.press("z")
    _converged([page, other_page], 5)
    panel_a.locator(".jp-llmdev-history .jp-llmdev-status-undone").wait_for()
    history_b.locator(".jp-llmdev-status-undone").wait_for()
    page.keyboard.press("Shift+Z")
    doc = _converged([page, other_page], 6)
    _ids_unique(doc)
    history_b.locator(".jp-llmdev-change").first.locator(".jp-llmdev-revert").wait_for()

    # Revert from page B (the panel's change, the newest in History)
    history_b.locator(".jp-llmdev-change").nth(1).wait_for()
    history_b.locator(".jp-llmdev-change").first.get_by_role("button", name="Revert").click()
    panel_b.locator(".jp-llmdev-revert-confirm").get_by_role("button", name="Revert").click()
    doc = _converged([page, other_page], 5)
    _ids_unique(doc)
    changes = doc["metadata"]["jupyter_llmdev"]["changes"]
    assert [change["status"] for change in changes] == ["applied", "reverted", "applied"]
    assert changes[2]["reverts"] == changes[1]["id"] and len(changes[2]["edits"]) == 1
    _no_error_toasts(page, other_page)

    # History is the same in both pages
    history_a = panel_a.locator(".jp-llmdev-history")
    history_a.locator(".jp-llmdev-change").nth(2).wait_for()
    history_b.locator(".jp-llmdev-change").nth(2).wait_for()
    assert history_a.inner_text() == history_b.inner_text()

    # the server saves the live document as it is
    def same_as_live(nb: Any) -> bool:
        cells = [{"id": cell.id, "cell_type": cell.cell_type, "source": cell.source} for cell in nb.cells]
        return cells == doc["cells"] and nb.metadata.get("jupyter_llmdev") == doc["metadata"]["jupyter_llmdev"]

    wait_saved(path, same_as_live, timeout=30)
    page.screenshot(path=str(ARTIFACTS / "collaboration.png"))
