"""Iterate an async generator from synchronous code, on one background event loop.

The synchronous client (magics, CLI) runs the very same async code as the server extension,
so deadlines, retries and cancellation behave identically: an asyncio task can be cancelled at
any moment, which a blocking socket read cannot. One daemon thread runs the loop for the whole
process (its HTTP clients and connections are reused); it starts on the first request, so
importing jupyter-llmdev starts no thread.

Ctrl-C reaches the waiting caller (a blocking ``queue.get`` is interruptible), which cancels
the task and waits for it to close its connection before the interrupt propagates.
"""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import aclosing
from typing import Any, TypeVar

__all__ = ["background_loop", "iterate"]

T = TypeVar("T")

#: how long closing waits for the async side to release its connection
_CLOSE_WAIT = 5.0

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0


def background_loop() -> asyncio.AbstractEventLoop:
    """The process's background event loop, started on first use (and again after a fork)."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid() or _loop.is_closed():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="jupyter-llmdev-llm", daemon=True).start()
            ready.wait()
            _loop, _loop_pid = loop, os.getpid()
        return _loop


_ITEM, _ERROR, _END = "item", "error", "end"


def iterate(make: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
    """The items of ``make()`` (called on the background loop) as they come.

    Its exceptions are raised here. Closing this iterator early, or an exception at the
    caller (Ctrl-C), cancels the async side and waits until it has cleaned up.
    """
    loop = background_loop()
    items: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    finished = threading.Event()

    async def pump() -> None:
        try:
            async with aclosing(make()) as events:  # type: ignore[type-var]
                async for item in events:
                    items.put((_ITEM, item))
        except asyncio.CancelledError:
            items.put((_END, None))
            raise
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread
            items.put((_ERROR, error))
        else:
            items.put((_END, None))

    tasks: list[asyncio.Task[None]] = []

    def start() -> None:
        task = loop.create_task(pump())
        task.add_done_callback(lambda _: finished.set())
        tasks.append(task)

    def cancel() -> None:  # runs after start(): the loop keeps call order
        tasks[0].cancel()

    loop.call_soon_threadsafe(start)
    ended = False  # the async side put its last item: it has already closed everything
    try:
        while True:
            kind, value = items.get()
            if kind == _ITEM:
                yield value
            elif kind == _ERROR:
                ended = True
                raise value
            else:
                ended = True
                return
    finally:
        # after the last item no hop back to the loop is needed (it cost a thread round trip
        # per call); only a caller leaving early cancels and waits for the cleanup
        if not ended and not finished.is_set():
            loop.call_soon_threadsafe(cancel)
            finished.wait(_CLOSE_WAIT)
