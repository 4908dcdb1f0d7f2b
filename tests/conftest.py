"""Shared test setup: the loopback OpenAI-compatible server fixtures, a clean environment."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from openai_server import OpenAIServer

pytest_plugins = ["fixtures_llm"]

#: variables from the developer's shell that would leak into the configuration under test
_LEAKY = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLMDEV_MODEL", "LLMDEV_CONTEXT_BUDGET", "LLMDEV_TIMEOUT",
          "LLMDEV_DOC_PATH", "JPY_SESSION_NAME")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in [*_LEAKY, *(name for name in os.environ if name.startswith("LLMDEV_"))]:
        monkeypatch.delenv(name, raising=False)
    # the user's Jupyter config folder (where project trust is recorded) is the test's own
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path_factory.mktemp("jupyter-config")))


@pytest.fixture
def second() -> Iterator[OpenAIServer]:
    """Provider ``second`` of the workflow tests: a second loopback server (reviewers' endpoint)."""
    from workflow_replies import respond_by_role

    server = OpenAIServer().start()
    server.responder = respond_by_role()
    try:
        yield server
    finally:
        server.stop()
