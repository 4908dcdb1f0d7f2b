"""The LLM layer: the only part of jupyter-llmdev that talks to ``openai`` (imported lazily)."""

from __future__ import annotations

from .client import LLMClient
from .stream import StreamState
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
