"""Page helpers for the browser tests: open a notebook, run cells, read cells, use the LLM panel."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import pytest
from labserver import ARTIFACTS

NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
CELL = f"{NOTEBOOK} .jp-Cell"
PANEL = "#jupyter-llmdev-panel"
PANEL_TAB = ".lm-TabBar-tab[data-id='jupyter-llmdev-panel']"


def write_notebook(root: Path, name: str, sources: list[tuple[str, str]]) -> Path:
    """A saved nbformat 4.5 notebook ``name`` of (cell_type, source) cells, with cell ids c1, c2, ..."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    for number, (cell_type, source) in enumerate(sources, start=1):
        make = nbformat.v4.new_code_cell if cell_type == "code" else nbformat.v4.new_markdown_cell
        nb.cells.append(make(source, id=f"c{number}"))
    path = root / name
    nbformat.write(nb, path)
    return path


def open_notebook(page: Any, url: str, *, kernel: bool = True) -> None:
    """Go to a notebook URL and wait until its cells show and (``kernel``) its kernel is idle."""
    page.goto(url)
    page.locator(CELL).first.wait_for()
    if kernel:
        wait_idle(page)


def wait_idle(page: Any, timeout: float = 60_000) -> None:
    """Wait for JupyterLab's status bar to say the kernel is idle."""
    page.locator(".jp-StatusBar-TextItem", has_text="| Idle").first.wait_for(timeout=timeout)


def run_cell(page: Any, index: int) -> None:
    """Select cell ``index`` by its prompt (command mode) and run it in place (Ctrl+Enter)."""
    page.locator(CELL).nth(index).locator(".jp-InputPrompt").first.click()
    page.keyboard.press("Control+Enter")


def wait_executed(page: Any, index: int, timeout: float = 60_000) -> None:
    """Wait until cell ``index`` shows an execution count (``[n]:``)."""
    prompt = page.locator(CELL).nth(index).locator(".jp-InputPrompt").first
    deadline = time.monotonic() + timeout / 1000
    while time.monotonic() < deadline:
        text = prompt.inner_text().strip()
        if text.startswith("[") and text[1:-2].strip().isdigit():
            return
        time.sleep(0.1)
    raise AssertionError(f"cell {index} did not finish running (prompt {prompt.inner_text()!r})")


def type_into_cell(page: Any, index: int, text: str) -> None:
    """Put the cursor at the end of cell ``index``'s editor and type ``text`` (unsaved)."""
    editor = page.locator(CELL).nth(index).locator(".cm-content").first
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(text)
    page.keyboard.press("Escape")


def cell_count(page: Any) -> int:
    """How many cells the active notebook shows."""
    return page.locator(CELL).count()


def wait_cell_count(page: Any, count: int, timeout: float = 30_000) -> None:
    """Wait until the active notebook shows exactly ``count`` cells."""
    page.wait_for_function(
        "([selector, count]) => document.querySelectorAll(selector).length === count",
        arg=[CELL, count],
        timeout=timeout,
    )


def cell_kinds(page: Any) -> list[str]:
    """``code`` / ``markdown`` / ``raw`` of each shown cell, in order."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).map(cell =>
            cell.classList.contains('jp-MarkdownCell') ? 'markdown'
            : cell.classList.contains('jp-RawCell') ? 'raw' : 'code')""",
        CELL,
    )


def save(page: Any) -> None:
    """Save the active notebook (Ctrl+S from command mode)."""
    page.locator(f"{NOTEBOOK}").first.click(position={"x": 5, "y": 5})
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")


def wait_saved(path: Path, predicate: Any, timeout: float = 20.0) -> Any:
    """Poll the file until ``predicate(notebook)`` holds; returns the validated notebook."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = nbformat.read(path, as_version=4)
        except (OSError, ValueError, json.JSONDecodeError):
            last = None
        if last is not None and predicate(last):
            nbformat.validate(last)
            return last
        time.sleep(0.2)
    raise AssertionError(f"{path.name} was not saved as expected; last read: {last}")


def sources(nb: Any) -> list[tuple[str, str]]:
    """(cell_type, source) of every cell of a saved notebook."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def open_panel(page: Any, *, palette: bool = False) -> Any:
    """Open the LLM side panel (its side bar tab, or ``palette``: the palette command); returns it.

    The palette is opened from the View menu (headless chromium keeps Ctrl+Shift+C for itself);
    a notebook that takes the focus while it loads can close the palette, so that is retried.
    """
    panel = page.locator(PANEL)
    if not palette:
        page.locator(PANEL_TAB).first.click()
        panel.wait_for()
        return panel
    for attempt in range(3):
        page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
        page.locator(".lm-Menu-itemLabel", has_text="Activate Command Palette").first.click()
        search = page.locator(".lm-CommandPalette-input")
        try:
            search.fill("Open the LLM panel", timeout=5_000)
            item = page.locator(".lm-CommandPalette-item[data-command='jupyter-llmdev:open-panel']").first
            item.wait_for(timeout=5_000)
            # the palette re-renders its items as commands change: dispatch the click directly
            item.dispatch_event("click")
            panel.wait_for(timeout=5_000)
            return panel
        except Exception:  # noqa: BLE001 - retried; the last attempt raises
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
    return panel


def live_notebook(page: Any, path: str) -> Any:
    """The live document of the open notebook ``path`` in ``page``: ``{cells: [{id, cell_type, source}],
    metadata}``, read through ``window.jupyterapp`` (the lab servers expose it); None if not open."""
    return page.evaluate(
        """(path) => {
            for (const widget of window.jupyterapp.shell.widgets('main')) {
                const model = widget.context && widget.context.path === path ? widget.content.model : null;
                if (model) {
                    const shared = model.sharedModel;
                    return {
                        cells: shared.cells.map(cell => ({id: cell.getId(), cell_type: cell.cell_type,
                                                          source: cell.getSource()})),
                        metadata: shared.getMetadata()
                    };
                }
            }
            return null;
        }""",
        path,
    )


def switch_to_notebook(page: Any, path: str) -> None:
    """Open ``path`` in the running lab (or bring its tab to the front), as the file browser does."""
    page.evaluate("(path) => window.jupyterapp.commands.execute('docmanager:open', {path})", path)
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell").first.wait_for()
    page.wait_for_function(
        "(path) => { const w = window.jupyterapp.shell.currentWidget; return w && w.context && w.context.path === path; }",
        arg=path,
    )


@contextmanager
def browser_page(browser: Any, request: pytest.FixtureRequest, suffix: str = "") -> Iterator[Any]:
    """A fresh browser context and page; a screenshot (``failed-TEST{suffix}.png``) goes to
    test-artifacts/ when the test fails."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"failed-{request.node.name}{suffix}.png"))
        context.close()
