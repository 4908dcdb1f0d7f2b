"""A workflow step: its LLM calls, how they run (one inline, several at once), and what comes out.

A :class:`Step` is prepared from the notebook's records without any request; running it sends
its calls and hands the replies to ``step.finish``, which builds the :class:`Outcome` (records
to store, a ChangeSet to apply). Nothing is stored by running: front ends store the outcome.

Several calls (the reviewers) run concurrently on asyncio. :func:`run_step` is synchronous and
may be called where an event loop is already running (a kernel): the calls then run on a
private loop in a worker thread, and events reach ``sink`` on the calling thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from ..errors import Cancelled, LLMDevError
from ..llm.types import Delta, Endpoint, Finished, Status, StreamEvent
from ..notebook.changeset import ChangeSet
from ..notebook.records import Upsert
from .streaming import EventSink, adrain, drain, off_loop

__all__ = ["CallResult", "LLMCall", "Outcome", "Step", "arun_step", "run_step"]

T = TypeVar("T")
#: makes the client of an endpoint (``Workflow.client``)
ClientFactory = Callable[[Endpoint], Any]


@dataclass
class LLMCall:
    """One request of a step: who answers, what is sent, and the one-line context summary."""

    label: str
    endpoint: Endpoint
    messages: list[dict[str, str]]
    context_summary: str


@dataclass
class CallResult:
    """The reply to one call, or (in an isolated step) the error that stopped it."""

    call: LLMCall
    finished: Finished | None = None
    error: LLMDevError | None = None


@dataclass(kw_only=True)
class Outcome:
    """What a command produced, for the front end to store: records and at most one ChangeSet."""

    #: (section key, record) to upsert into the notebook's metadata
    records: list[Upsert] = field(default_factory=list)
    changeset: ChangeSet | None = None
    #: lines for the user (what changed state, what to do next)
    notes: list[str] = field(default_factory=list)


@dataclass
class Step(Generic[T]):
    """Calls to send and the function that turns their results into an outcome."""

    calls: list[LLMCall]
    finish: Callable[[list[CallResult]], T]
    #: True: a failing call is reported in its CallResult and the others go on (reviews)
    isolated: bool = False


def run_step(step: Step[T], client_for: ClientFactory, sink: EventSink | None = None) -> T:
    """Run ``step`` synchronously; Ctrl-C raises :class:`Cancelled` and nothing is returned.

    A single call streams inline (its Status and Delta events go to ``sink``). Several calls,
    or an isolated step, run concurrently on a private event loop in a worker thread; their
    Status events reach ``sink`` on this thread, prefixed with the call's label.
    """
    emit = sink or _ignore
    if len(step.calls) == 1 and not step.isolated:
        call = step.calls[0]
        emit(Status(call.context_summary))
        finished = drain(client_for(call.endpoint).stream(call.messages), emit)
        return step.finish([CallResult(call, finished)])
    return step.finish(_gather_in_thread(step, client_for, emit))


async def arun_step(step: Step[T], client_for: ClientFactory, sink: EventSink | None = None) -> T:
    """Run ``step`` on the running event loop (server extension); cancellation propagates.

    The calls stream on the loop; ``step.finish`` (parsing the replies, diffing a doc) runs in a
    worker thread, so no reply, however long or crafted, holds up the server's other requests.
    """
    emit = sink or _ignore
    if len(step.calls) == 1 and not step.isolated:
        call = step.calls[0]
        emit(Status(call.context_summary))
        finished = await adrain(client_for(call.endpoint).astream(call.messages), emit)
        return await off_loop(step.finish, [CallResult(call, finished)])
    return await off_loop(step.finish, await _gather(step, client_for, emit))


async def _gather(step: Step[Any], client_for: ClientFactory, emit: EventSink) -> list[CallResult]:
    async def one(call: LLMCall) -> CallResult:
        def labelled(event: StreamEvent) -> None:
            if isinstance(event, Status) and event.text:
                # keep phase and tick: views treat waiting/retrying lines as transient
                emit(dataclasses.replace(event, text=f"{call.label}: {event.text}"))

        try:
            finished = await adrain(client_for(call.endpoint).astream(call.messages), labelled)
        except LLMDevError as error:
            if not step.isolated:
                raise
            emit(Status(f"{call.label}: failed"))
            return CallResult(call, error=error)
        emit(Status(f"{call.label}: done"))
        return CallResult(call, finished)

    return list(await asyncio.gather(*(one(call) for call in step.calls)))


def _gather_in_thread(step: Step[Any], client_for: ClientFactory, emit: EventSink) -> list[CallResult]:
    events: queue.Queue[StreamEvent] = queue.Queue()
    box: dict[str, Any] = {}
    ready = threading.Event()

    async def main() -> list[CallResult]:
        box["loop"] = asyncio.get_running_loop()
        box["task"] = asyncio.current_task()
        ready.set()
        return await _gather(step, client_for, events.put)

    def work() -> None:
        try:
            box["results"] = asyncio.run(main())
        except BaseException as error:  # noqa: BLE001 - handed to the calling thread
            box["error"] = error
        finally:
            ready.set()

    worker = threading.Thread(target=work, name="llmdev-concurrent-calls", daemon=True)
    worker.start()
    try:
        while worker.is_alive() or not events.empty():
            try:
                event = events.get(timeout=0.05)
            except queue.Empty:
                continue
            if not isinstance(event, Delta):
                emit(event)
    except KeyboardInterrupt:
        ready.wait()
        if "loop" in box:
            try:
                box["loop"].call_soon_threadsafe(box["task"].cancel)
            except RuntimeError:  # the loop finished meanwhile
                pass
        worker.join()
        raise Cancelled("Stopped; nothing was recorded.") from None
    worker.join()
    if "error" in box:
        raise box["error"]
    return box["results"]


def _ignore(event: StreamEvent) -> None:
    del event
