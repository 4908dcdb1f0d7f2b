"""Shared test setup: the loopback OpenAI-compatible server fixtures, a clean environment."""

from __future__ import annotations

import pytest

pytest_plugins = ["fixtures_llm"]

#: variables from the developer's shell that would leak into the configuration under test
_LEAKY = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLMDEV_MODEL", "LLMDEV_CONTEXT_BUDGET", "LLMDEV_TIMEOUT",
          "LLMDEV_DOC_PATH", "JPY_SESSION_NAME")


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _LEAKY:
        monkeypatch.delenv(name, raising=False)
