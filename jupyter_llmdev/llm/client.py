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

import importlib
import os
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

from .errors_map import ErrorContext
from .request import Compat, RequestRun, Retry
from .transport import async_openai, resolve_api_key, resolve_base_url, safe_url, sync_openai
from .types import Endpoint, Message, RequestLimits, StreamEvent

__all__ = ["LLMClient"]


class LLMClient:
    """Streams replies of one endpoint under one set of limits.

    Every request yields a :class:`Status` first, then :class:`Delta` pieces (and more
    :class:`Status` lines while a retry waits), and ends with one :class:`Finished`, or raises
    an :class:`~jupyter_llmdev.errors.LLMError` whose ``partial`` holds any text received.

    * The API key is read from ``environ[endpoint.api_key_env]`` on every request; loopback
      servers get a placeholder when it is unset.
    * ``max_tokens`` is always sent (local servers ignore ``max_completion_tokens``); an
      endpoint that rejects it with a 400 gets ``max_completion_tokens`` from then on, and one
      that rejects ``stream_options`` gets requests without it.
    * 408/409/429/5xx and connection failures are retried ``limits.retries`` times with
      exponential backoff (or the server's ``Retry-After``, capped at ``limits.max_backoff``),
      but only before any reply text arrived.
    * The client-side output cap stops reading at ``max_output_tokens * 6`` characters (for
      servers that ignore ``max_tokens``) and finishes as ``"length"``, ``truncated=True``.
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
        api_key = resolve_api_key(self.endpoint, base_url, environ)
        ctx = ErrorContext(self.endpoint, safe_url(base_url), api_key)
        return RequestRun(self.endpoint, self.limits, ctx, self._compat), base_url, api_key

    def stream(self, messages: list[Message]) -> Iterator[StreamEvent]:
        """Stream one reply (blocking). Ctrl-C closes the connection and raises ``Cancelled``.

        Close the iterator (or exhaust it) to release the connection early.
        """
        run, base_url, api_key = self._prepare()
        try:
            yield run.waiting()
            client = sync_openai(base_url, api_key, self.limits.request_timeout)
            while True:
                kwargs = run.begin_attempt(messages)
                retry: Retry | None = None
                try:
                    response = client.chat.completions.create(**kwargs)
                except Exception as err:  # noqa: BLE001 - run decides about every failure
                    retry = run.on_failure(err)
                else:
                    run.opened()
                    chunks = iter(response)
                    try:
                        while not run.done:
                            try:
                                chunk = next(chunks)
                            except StopIteration:
                                break
                            except Exception as err:  # noqa: BLE001
                                retry = run.on_failure(err)
                                break
                            yield from run.on_chunk(chunk)
                    finally:
                        response.close()
                if retry is None:
                    yield run.finish()
                    return
                if retry.status is not None:
                    yield retry.status
                if retry.delay:
                    time.sleep(retry.delay)
        except KeyboardInterrupt:
            raise run.cancelled() from None

    async def astream(self, messages: list[Message]) -> AsyncIterator[StreamEvent]:
        """Stream one reply (asyncio). Cancellation closes the connection and propagates.

        Use ``contextlib.aclosing`` (or ``aclose()``) when leaving the loop early.
        """
        import asyncio

        run, base_url, api_key = self._prepare()
        yield run.waiting()
        if "openai" not in sys.modules:
            # the first import takes ~0.5 s: keep it off the event loop (a Jupyter server's)
            await asyncio.to_thread(importlib.import_module, "openai")
        client = async_openai(base_url, api_key, self.limits.request_timeout)
        while True:
            kwargs = run.begin_attempt(messages)
            retry: Retry | None = None
            try:
                response = await client.chat.completions.create(**kwargs)
            except Exception as err:  # noqa: BLE001 - run decides about every failure
                retry = run.on_failure(err)
            else:
                run.opened()
                chunks = response.__aiter__()
                try:
                    while not run.done:
                        try:
                            chunk = await chunks.__anext__()
                        except StopAsyncIteration:
                            break
                        except Exception as err:  # noqa: BLE001
                            retry = run.on_failure(err)
                            break
                        for event in run.on_chunk(chunk):
                            yield event
                finally:
                    await _aclose(response)
            if retry is None:
                yield run.finish()
                return
            if retry.status is not None:
                yield retry.status
            if retry.delay:
                await asyncio.sleep(retry.delay)


async def _aclose(response: Any) -> None:
    """Close an async stream, even while the task is being cancelled."""
    import asyncio

    try:
        await asyncio.shield(response.close())
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - closing a broken connection may fail; nothing to do
        pass
