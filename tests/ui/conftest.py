"""Browser tests: a real ``jupyter lab`` on 127.0.0.1 and Debian's chromium driven by Playwright.

One lab server per session (token auth, throwaway root, config, settings and runtime folders),
talking to the loopback OpenAI-compatible test server through ``OPENAI_BASE_URL``. Playwright
never downloads a browser: it launches ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from lab_page import browser_page
from labserver import (
    CHROMIUM_ARGS,
    LABEXT_BUILD,
    LabServer,
    llm_environ,
    start_jupyter,
    stop_jupyter,
)
from openai_server import OpenAIServer


@pytest.fixture(scope="session")
def llm_server() -> Iterator[OpenAIServer]:
    """The loopback OpenAI-compatible server every browser test's model requests go to."""
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def llm(llm_server: OpenAIServer) -> Iterator[OpenAIServer]:
    """``llm_server`` with no scripted replies or recorded requests left from other tests."""
    llm_server.reset()
    yield llm_server
    llm_server.reset()


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory, llm_server: OpenAIServer) -> Iterator[LabServer]:
    """One ``jupyter lab`` for the session, with jupyter-llmdev's server extension enabled."""
    _require_build()
    server = start_jupyter(tmp_path_factory.mktemp("lab"), llm_environ(llm_server))
    yield server
    stop_jupyter(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian chromium (``/usr/bin/chromium``), launched once."""
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(executable):
        pytest.fail("chromium is not installed: run `apt-get install chromium` (scripts/test.sh does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context and page (see :func:`browser_page`)."""
    with browser_page(browser, request) as fresh:
        yield fresh


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the call-phase report on the item, for the screenshot on failure."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


def _require_build() -> None:
    if not (LABEXT_BUILD / "package.json").exists():
        pytest.fail("the JupyterLab extension is not built: run `pip install -e .` (or `npm run build` "
                    "in labextension/)")
