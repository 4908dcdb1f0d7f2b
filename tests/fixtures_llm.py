"""Pytest fixtures for the LLM layer: a loopback OpenAI-compatible server and clients of it.

Load from ``tests/conftest.py`` with ``pytest_plugins = ["fixtures_llm"]`` (pytest puts
``tests/`` on ``sys.path``, as it has no ``__init__.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.types import Endpoint, RequestLimits

__all__ = [
    "FAST_LIMITS",
    "TEST_KEY",
    "attacker",
    "OpenAIServer",
    "Reply",
    "llm_client",
    "llm_endpoint",
    "llm_environ",
    "llm_limits",
    "openai_env",
    "openai_server",
]

#: the API key tests send; the server records only its last 4 characters
TEST_KEY = "sk-test-0123456789abcdef"

#: limits that keep failing tests quick (retries wait 0.05 s, 0.1 s, ...)
FAST_LIMITS = RequestLimits(
    max_output_tokens=512,
    connect_timeout=2.0,
    first_token_timeout=2.0,
    between_tokens_timeout=2.0,
    total_timeout=5.0,
    retries=2,
    backoff=0.05,
    max_backoff=0.5,
    max_retry_wait=2.0,
)


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fresh server on 127.0.0.1 (any free port); stopped after the test."""
    server = OpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def llm_endpoint(openai_server: OpenAIServer) -> Endpoint:
    """``test:test-model`` served by ``openai_server``, key in ``LLMDEV_TEST_KEY``."""
    return Endpoint(
        model="test-model",
        provider="test",
        base_url=openai_server.base_url,
        api_key_env="LLMDEV_TEST_KEY",
    )


@pytest.fixture
def llm_limits() -> RequestLimits:
    """:data:`FAST_LIMITS`."""
    return FAST_LIMITS


@pytest.fixture
def llm_environ() -> dict[str, str]:
    """The environment the client reads its key from (not ``os.environ``)."""
    return {"LLMDEV_TEST_KEY": TEST_KEY}


@pytest.fixture
def llm_client(
    llm_endpoint: Endpoint, llm_limits: RequestLimits, llm_environ: dict[str, str]
) -> LLMClient:
    """An :class:`LLMClient` of ``openai_server`` with :data:`FAST_LIMITS`."""
    return LLMClient(llm_endpoint, llm_limits, environ=llm_environ)


@pytest.fixture
def openai_env(openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    """``OPENAI_BASE_URL``/``OPENAI_API_KEY`` in ``os.environ`` pointing at ``openai_server``.

    For code that resolves its endpoint from the environment, and for subprocesses (kernels,
    jupyter server) started during the test, which inherit it.
    """
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    return openai_server


@pytest.fixture
def attacker() -> Iterator[OpenAIServer]:
    """A second loopback server standing for the host a hostile project or notebook names; it
    answers every request with a cell, so a test sees at once if anything reached it."""
    server = OpenAIServer().start()
    server.responder = lambda request: Reply(text="```python\nstolen = True\n```\n")
    try:
        yield server
    finally:
        server.stop()
