"""The LLM client: streams one chat completion from an OpenAI-compatible endpoint, sync or async.

Importing this module does not import ``openai``; the first request does. ::

    client = LLMClient(Endpoint(model="gpt-4o"), RequestLimits())
    for event in client.stream([{"role": "user", "content": "Hi"}]):
        if isinstance(event, Delta):
            print(event.text, end="")
        elif isinstance(event, Finished):
            record(event.usage)
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import aclosing
from typing import Any

from ..errors import Cancelled, LLMError
from ..safety.terminal import printable
from .bridge import iterate
from .deadlines import countdown_step
from .discovery import ServerFacts, discover
from .errors_map import ErrorContext
from .request import Compat, RequestRun, Retry
from .secrets import Secrets
from .transport import open_async_openai, resolve_api_key, resolve_base_url, safe_url, split_credentials
from .types import Delta, Endpoint, Message, RequestLimits, StreamEvent

__all__ = ["LLMClient"]

#: what ``_next_chunk`` returns at the end of the stream (a task must not raise StopAsyncIteration
#: into an async generator)
_END = object()


class LLMClient:
    """Streams replies of one endpoint under one set of limits.

    Every request yields a :class:`Status` first, then :class:`Delta` pieces (and more
    :class:`Status` lines: once a second while no token came, a countdown while a retry waits,
    ``replying`` when tokens start), and ends with one :class:`Finished`, or raises an
    :class:`~jupyter_llmdev.errors.LLMError` whose ``partial`` holds any text received.

    * The API key is read from ``environ[endpoint.api_key_env]`` on every request; servers on
      this machine or the local network get a placeholder when it is unset. Error messages and statuses never contain
      it, nor credentials from ``base_url`` (:mod:`.secrets`).
    * Timeouts are wall-clock deadlines that bytes without tokens cannot extend
      (:mod:`.deadlines`): ``connect_timeout``, ``first_token_timeout`` (per attempt),
      ``between_tokens_timeout`` and ``total_timeout``.
    * The context window (the ``context_window`` limit, else asked of the server once per
      process, :mod:`.discovery`) is checked before sending (:mod:`.window`).
    * ``max_tokens`` is always sent (local servers ignore ``max_completion_tokens``); an
      endpoint that rejects it with a 400 gets ``max_completion_tokens`` from then on, and one
      that rejects ``stream_options`` gets requests without it.
    * 408/409/429/5xx and connection failures are retried ``limits.retries`` times with
      exponential backoff (or the server's ``Retry-After``, capped at ``limits.max_backoff``),
      only before any reply text arrived, and waiting ``limits.max_retry_wait`` at most in all;
      a refused connection on this machine or the local network fails at once (:mod:`.connection`).
    * The client-side output cap stops reading at ``max_output_tokens * 6`` characters (for
      servers that ignore ``max_tokens``) and finishes as ``"length"``, ``truncated=True``.

    :meth:`astream` is the implementation; :meth:`stream` runs it on a background event loop
    (:mod:`.bridge`), so both behave the same.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        limits: RequestLimits,
        *,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.limits = limits
        self._environ = environ
        self._compat = Compat()

    def _prepare(self) -> tuple[RequestRun, str, str]:
        environ = os.environ if self._environ is None else self._environ
        base_url = resolve_base_url(self.endpoint, environ)
        try:
            api_key = resolve_api_key(self.endpoint, base_url, environ)
        except LLMError as error:  # the missing key: printable like every other error
            raise ErrorContext(self.endpoint, safe_url(base_url), Secrets.of(base_url, None)).sanitize(error) from None
        ctx = ErrorContext(self.endpoint, safe_url(base_url), Secrets.of(base_url, api_key))
        return RequestRun(self.endpoint, self.limits, ctx, self._compat), base_url, api_key

    def stream(self, messages: list[Message]) -> Iterator[StreamEvent]:
        """Stream one reply (blocking). Ctrl-C closes the connection and raises ``Cancelled``.

        Close the iterator (or exhaust it) to release the connection early.
        """
        received: list[str] = []
        events = iterate(lambda: self.astream(messages))
        try:
            for event in events:
                if isinstance(event, Delta):
                    received.append(event.text)
                yield event
        except KeyboardInterrupt:
            events.close()
            raise Cancelled(
                printable(f"Request to {self.endpoint.describe()} cancelled; nothing was applied."),
                partial="".join(received),
            ) from None
        finally:
            events.close()

    async def astream(self, messages: list[Message]) -> AsyncIterator[StreamEvent]:
        """Stream one reply (asyncio). Cancellation closes the connection and propagates.

        Use ``contextlib.aclosing`` (or ``aclose()``) when leaving the loop early.
        """
        run, base_url, api_key = self._prepare()
        async with aclosing(self._events(run, base_url, api_key, messages)) as events:
            try:
                async for event in events:
                    yield event
            except LLMError as error:
                raise run.ctx.sanitize(error) from None

    async def _events(
        self, run: RequestRun, base_url: str, api_key: str, messages: list[Message]
    ) -> AsyncIterator[StreamEvent]:
        yield run.waiting()
        if "openai" not in sys.modules:
            # the first import takes ~0.5 s: keep it off the event loop (a Jupyter server's)
            await asyncio.to_thread(importlib.import_module, "openai")
        client = await open_async_openai(base_url, api_key)
        server_url = split_credentials(base_url)[0]
        facts: ServerFacts | None = None
        window = run.configured_window()
        if window is None:
            facts = await discover(client, server_url, self.endpoint.model)
            window = facts.window
        note = run.fit(messages, window)
        if note is not None:
            yield note
        while True:
            retry: Retry | None = None
            async with aclosing(self._attempt(run, client, server_url, messages, facts)) as attempt:
                async for item in attempt:
                    if isinstance(item, Retry):
                        retry = item
                    else:
                        yield item
            if retry is None:
                yield run.finish()
                return
            if retry.delay > 0:
                async with aclosing(_countdown(run, retry)) as statuses:
                    async for status in statuses:
                        yield status

    async def _attempt(
        self, run: RequestRun, client: Any, server_url: str, messages: list[Message],
        facts: ServerFacts | None,
    ) -> AsyncIterator[Any]:
        """One HTTP request: its events, then a :class:`Retry` if another attempt is due.

        Every wait (for the headers, for each chunk) lasts at most ``run.wake_in()`` before
        ``run.woke()`` raises the timeout that passed or returns a waiting status.
        """
        kwargs = run.begin_attempt(messages)
        response: Any = None
        chunks: Any = None
        pending: asyncio.Future[Any] = asyncio.ensure_future(_open_stream(client, kwargs))
        try:
            while True:
                while not pending.done():
                    await asyncio.wait({pending}, timeout=run.wake_in())
                    if not pending.done() and (status := run.woke()) is not None:
                        yield status
                try:
                    result = pending.result()
                except Exception as err:  # noqa: BLE001 - run decides about every failure
                    if getattr(err, "status_code", None) == 404 and facts is None:
                        # an unknown model's message lists the server's models
                        facts = await discover(client, server_url, self.endpoint.model)
                    run.facts = facts
                    yield run.on_failure(err)
                    return
                if response is None:
                    response, chunks = result, result.__aiter__()
                    run.opened()
                elif result is _END:
                    return
                else:
                    for event in run.on_chunk(result):
                        yield event
                    if run.done:
                        return
                pending = asyncio.ensure_future(_next_chunk(chunks))
        finally:
            await _settle(pending)
            if response is not None:
                await _aclose(response)


def _open_stream(client: Any, kwargs: dict[str, Any]) -> Any:
    """``client.chat.completions.create(**kwargs)`` with ``stream=True``, but its chunks as the
    server's JSON (dicts) rather than pydantic models.

    Same request, same errors (openai's status and in-stream error handling still apply); what
    it saves is openai building a ``ChatCompletionChunk`` for every chunk, which took most of
    the CPU of a streamed reply: per-call overhead for the magics, and a blocked server loop
    under many panel streams. :class:`~.stream.StreamState` reads dicts and objects alike.
    """
    from openai import AsyncStream

    options = {key: kwargs[key] for key in ("timeout",) if key in kwargs}
    body = {key: value for key, value in kwargs.items() if key not in ("timeout", "extra_body")}
    body.update(kwargs.get("extra_body") or {})
    return client.post("/chat/completions", body=body, cast_to=object, stream=True,
                       stream_cls=AsyncStream[object], options={**options, "security": {"bearer_auth": True}})


async def _next_chunk(chunks: Any) -> Any:
    """The next chunk, or :data:`_END`."""
    try:
        return await chunks.__anext__()
    except StopAsyncIteration:
        return _END


async def _countdown(run: RequestRun, retry: Retry) -> AsyncIterator[Any]:
    """Sleep ``retry.delay`` showing the seconds left once a second, then a waiting status."""
    end = time.monotonic() + retry.delay
    yield run.retry_status(retry, retry.delay)
    while (left := end - time.monotonic()) > 0:
        await asyncio.sleep(countdown_step(left))
        left = end - time.monotonic()
        if left >= 0.5:
            yield run.retry_status(retry, round(left), tick=True)
    yield run.waiting()


async def _settle(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` if it still runs and wait until it has; never leave its error unread."""
    if not task.done():
        task.cancel()
        await asyncio.wait({task})
    if not task.cancelled():
        task.exception()


async def _aclose(response: Any) -> None:
    """Close an async stream, even while the task is being cancelled."""
    try:
        await asyncio.shield(response.close())
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - closing a broken connection may fail; nothing to do
        pass
