"""Scenarios (b)-(e): the LLM side panel streams, previews, inserts, discards, stops and reverts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from lab_page import (
    CELL,
    open_notebook,
    open_panel,
    save,
    sources,
    wait_cell_count,
    wait_saved,
    write_notebook,
)
from labserver import ARTIFACTS, LabServer, llm_environ, start_jupyter, stop_jupyter
from openai_server import OpenAIServer, Reply

ORIGINAL = [("code", "import math"), ("code", "r = 2"), ("markdown", "# Notes")]
REPLY = "```python\narea = math.pi * r ** 2\n```\n\n```python\nprint(round(area, 2))\n```\n"


def _start(page: Any, lab: LabServer, name: str, *, palette: bool = False) -> Any:
    """Open a fresh notebook ``name`` (ORIGINAL's cells), make its second cell active, open the panel."""
    path = write_notebook(lab.root, name, ORIGINAL)
    open_notebook(page, lab.page_url(name), kernel=False)
    page.locator(CELL).nth(1).locator(".jp-InputPrompt").first.click()
    panel = open_panel(page, palette=palette)
    return path, panel


def _ask(panel: Any, text: str) -> None:
    panel.get_by_label("Message").fill(text)
    panel.get_by_role("button", name="Send").click()


def test_panel_streams_previews_and_inserts_then_discard_changes_nothing(lab, llm, page) -> None:
    path, panel = _start(page, lab, "panel.ipynb", palette=True)
    llm.script(Reply(text=REPLY, chunk_size=3, delay_between=0.04))
    _ask(panel, "compute the area and print it")
    stop = panel.get_by_role("button", name="Stop")
    stop.wait_for(state="visible")
    reply = panel.locator(".jp-llmdev-reply")
    reply.filter(has_text="area").wait_for()
    panel.get_by_role("button", name="Insert").wait_for(state="visible")
    assert stop.is_hidden()
    assert reply.inner_text().strip() == REPLY.strip()
    preview = panel.locator(".jp-llmdev-preview")
    assert "+ area = math.pi * r ** 2" in preview.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "panel.png"))
    assert panel.get_by_label("Message").input_value() == "", "a finished request clears the box"

    panel.get_by_role("button", name="Insert").click()
    wait_cell_count(page, 5)
    panel.locator(".jp-llmdev-change").first.wait_for()
    assert "compute the area and print it" in panel.locator(".jp-llmdev-history").inner_text()

    llm.script(Reply(text="```python\nprint('unwanted')\n```\n"))
    _ask(panel, "add something I will not want")
    panel.get_by_role("button", name="Discard").wait_for(state="visible")
    panel.get_by_role("button", name="Discard").click()
    panel.locator(".jp-llmdev-note", has_text="Discarded").wait_for()
    assert page.locator(CELL).count() == 5

    save(page)
    nb = wait_saved(path, lambda nb: len(nb.cells) == 5)
    assert sources(nb) == [
        ("code", "import math"), ("code", "r = 2"),
        ("code", "area = math.pi * r ** 2"), ("code", "print(round(area, 2))"),
        ("markdown", "# Notes"),
    ]
    [change] = nb.metadata["jupyter_llmdev"]["changes"]
    assert change["status"] == "applied" and change["model"] == "test-model"
    assert change["prompt"] == "compute the area and print it" and change["edits"][0]["anchor"] == "c2"
    assert change["usage"]["completion_tokens"] > 0
    # the model saw the notebook the panel sent
    assert "r = 2" in str(llm.completion_requests[0].body)


def test_revert_from_history_restores_the_exact_sources(lab, llm, page) -> None:
    path, panel = _start(page, lab, "revert.ipynb")
    llm.script(Reply(text="```python replace=c2\nr = 3  # bigger\n```\n\n```python\nprint(r)\n```\n"))
    _ask(panel, "make r bigger and show it")
    panel.get_by_role("button", name="Insert").click()
    wait_cell_count(page, 4)
    history = panel.locator(".jp-llmdev-history")
    history.get_by_role("button", name="Revert").click()
    confirm = panel.locator(".jp-llmdev-revert-confirm")  # the diff of what the revert writes, first
    assert "+ r = 2" in confirm.inner_text()
    confirm.get_by_role("button", name="Revert").click()
    wait_cell_count(page, 3)
    panel.locator(".jp-llmdev-note", has_text="Reverted change").wait_for()
    history.locator(".jp-llmdev-status-reverted").wait_for()
    page.screenshot(path=str(ARTIFACTS / "panel-history.png"))

    save(page)
    nb = wait_saved(path, lambda nb: len(nb.cells) == 3 and "jupyter_llmdev" in nb.metadata
                    and len(nb.metadata["jupyter_llmdev"]["changes"]) == 2)
    assert sources(nb) == ORIGINAL
    change, revert = nb.metadata["jupyter_llmdev"]["changes"]
    assert change["status"] == "reverted"
    assert revert["reverts"] == change["id"] and revert["command"] == "revert" and revert["role"] == "human"
    assert nb.cells[1].metadata["jupyter_llmdev"]["change"] == revert["id"]


def test_stop_mid_stream_leaves_the_notebook_unchanged_and_keeps_the_message(lab, llm, page) -> None:
    path, panel = _start(page, lab, "stop.ipynb")
    # the model picker: this request goes to the model chosen for the ask role
    panel.locator("summary", has_text="Models").click()
    ask_model = panel.get_by_label("ask model")
    ask_model.fill("picked-model")
    ask_model.dispatch_event("change")
    llm.script(Reply(text="```python\n" + "x = 1\n" * 200 + "```\n", chunk_size=4, delay_between=0.05))
    _ask(panel, "write a lot of code")
    panel.locator(".jp-llmdev-reply").filter(has_text="x = 1").wait_for()
    panel.get_by_role("button", name="Stop").click()
    panel.locator(".jp-llmdev-note", has_text="Stopped").wait_for()
    assert panel.get_by_role("button", name="Stop").is_hidden()
    assert panel.get_by_role("button", name="Insert").is_hidden()
    assert panel.get_by_label("Message").input_value() == "write a lot of code"
    assert page.locator(CELL).count() == 3
    assert llm.completion_requests[-1].body["model"] == "picked-model"
    ask_model.fill("")
    ask_model.dispatch_event("change")
    save(page)
    nb = wait_saved(path, lambda nb: len(nb.cells) == 3)
    assert sources(nb) == ORIGINAL and "jupyter_llmdev" not in nb.metadata


@pytest.fixture(scope="module")
def lab_without_server_extension(tmp_path_factory: pytest.TempPathFactory,
                                 llm_server: OpenAIServer) -> Iterator[LabServer]:
    """A second ``jupyter lab`` whose config disables jupyter-llmdev's server extension."""
    server = start_jupyter(tmp_path_factory.mktemp("lab-off"), llm_environ(llm_server),
                           server_extension=False)
    yield server
    stop_jupyter(server)


def test_without_the_server_extension_the_panel_says_how_to_fix_it(lab_without_server_extension, llm, page) -> None:
    _, panel = _start(page, lab_without_server_extension, "off.ipynb")
    problem = panel.locator(".jp-llmdev-problem")
    problem.filter(has_text="server extension is not enabled").wait_for()
    assert "jupyter server extension enable jupyter_llmdev" in problem.inner_text()
    _ask(panel, "anything")
    panel.locator(".jp-llmdev-error").filter(has_text="jupyter server extension enable").wait_for()
    assert panel.get_by_label("Message").input_value() == "anything"
    assert not llm.completion_requests
    page.screenshot(path=str(ARTIFACTS / "panel-no-server-extension.png"))


def test_export_button_writes_the_module_and_keeps_the_typed_message(lab, llm, page) -> None:
    write_notebook(lab.root, "geometry.ipynb", [("code", "#| default_exp geometry"),
                                                ("code", "#| export\nimport math\n\ndef area(r):\n    return math.pi * r ** 2")])
    open_notebook(page, lab.page_url("geometry.ipynb"), kernel=False)
    panel = open_panel(page)
    panel.get_by_label("Message").fill("a question I am still typing")
    panel.get_by_role("button", name="Export").click()
    panel.locator(".jp-llmdev-transcript", has_text="1 file(s) written").wait_for()
    assert "def area(r):" in (lab.root / "geometry.py").read_text()
    assert panel.get_by_label("Message").input_value() == "a question I am still typing"
    assert not llm.completion_requests
