"""The LLM layer: the only part of jupyter-llmdev that talks to ``openai`` (imported lazily).

Importing this package (which every ``jupyter_llmdev.llm.*`` import does) loads only the plain
types: ``%load_ext`` must stay cheap. The client, with asyncio, ssl and the streaming machinery,
loads on first use of :class:`LLMClient` (``from jupyter_llmdev.llm.client import LLMClient``).
"""

from __future__ import annotations

from typing import Any

from .types import Delta, Endpoint, Finished, Message, RequestLimits, Status, StreamEvent, Usage

__all__ = [
    "Delta",
    "Endpoint",
    "Finished",
    "LLMClient",
    "Message",
    "RequestLimits",
    "Status",
    "StreamEvent",
    "StreamState",
    "Usage",
]


def __getattr__(name: str) -> Any:
    if name == "LLMClient":
        from .client import LLMClient

        return LLMClient
    if name == "StreamState":
        from .stream import StreamState

        return StreamState
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
