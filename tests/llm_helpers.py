"""Small helpers shared by the LLMClient tests (test_llm_client*.py)."""

from __future__ import annotations

import dataclasses
from typing import Any

from jupyter_llmdev.llm.client import LLMClient

#: the conversation every LLMClient test sends
MESSAGES = [{"role": "user", "content": "Write a function."}]


def run(client: LLMClient) -> list[Any]:
    """Every event of one synchronous ``client.stream(MESSAGES)``."""
    return list(client.stream(MESSAGES))


def texts(events: list[Any], kind: type) -> list[str]:
    """The ``text`` of each event of type ``kind``, in order."""
    return [event.text for event in events if isinstance(event, kind)]


def with_limits(client: LLMClient, **changes: Any) -> LLMClient:
    """A client for the same endpoint and environ with some request limits changed."""
    return LLMClient(client.endpoint, dataclasses.replace(client.limits, **changes),
                     environ=client._environ)
