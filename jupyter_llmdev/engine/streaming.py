"""Drain an LLM client's event stream into a front end's sink; shared by every engine command."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

from ..errors import Cancelled
from ..llm.types import Delta, Finished, StreamEvent

__all__ = ["EventSink", "adrain", "drain", "ignore", "shown_path"]

#: receives Status and Delta events while a request runs
EventSink = Callable[[StreamEvent], None]


def ignore(event: StreamEvent) -> None:
    """The sink of callers that want only the result."""
    del event


def drain(events: Iterator[StreamEvent], sink: EventSink) -> Finished:
    """Feed Status/Delta events to ``sink``; return the Finished event. Ctrl-C -> Cancelled."""
    received: list[str] = []
    try:
        for event in events:
            if isinstance(event, Finished):
                return event
            if isinstance(event, Delta):
                received.append(event.text)
            sink(event)
    except KeyboardInterrupt:
        # Ctrl-C landed in the sink (printing) rather than inside the client's read
        close = getattr(events, "close", None)
        if close is not None:
            close()
        raise Cancelled("Stopped; nothing was applied.", partial="".join(received)) from None
    raise RuntimeError("the LLM client ended a stream without a Finished event")


async def adrain(events: AsyncIterator[StreamEvent], sink: EventSink) -> Finished:
    """The async :func:`drain`; task cancellation propagates (the client closes the response)."""
    async for event in events:
        if isinstance(event, Finished):
            return event
        sink(event)
    raise RuntimeError("the LLM client ended a stream without a Finished event")


def shown_path(path: Path, start_dir: Path) -> str:
    """A file's path as the model sees it: relative when possible (no home folders in prompts)."""
    try:
        return os.path.relpath(path, start_dir)
    except ValueError:
        return path.name
