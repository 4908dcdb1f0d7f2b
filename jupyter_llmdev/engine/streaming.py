"""Drain an LLM client's event stream into a front end's sink; shared by every engine command."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..errors import Cancelled
from ..llm.types import Delta, Finished, StreamEvent

__all__ = ["EventSink", "adrain", "drain", "ignore", "off_loop", "shown_path"]

T = TypeVar("T")

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


_worker: ThreadPoolExecutor | None = None
_worker_lock = threading.Lock()


async def off_loop(function: Callable[..., T], *args: Any) -> T:
    """``function(*args)`` in the engine's one worker thread, awaited from a server's loop.

    For the CPU-bound parts of a request (building the context, parsing the reply): one thread,
    not asyncio's pool of several, because every busy thread competes with the loop for the
    GIL, and with 50 panel streams starting at once a pool of them kept the loop waiting (and
    every other request of the Jupyter server with it).
    """
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jupyter-llmdev-engine")
    return await asyncio.get_running_loop().run_in_executor(_worker, lambda: function(*args))


def shown_path(path: Path, start_dir: Path) -> str:
    """A file's path as the model sees it: relative when possible (no home folders in prompts)."""
    try:
        return os.path.relpath(path, start_dir)
    except ValueError:
        return path.name
