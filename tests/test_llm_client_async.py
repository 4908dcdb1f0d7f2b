"""LLMClient.astream against a real OpenAI-compatible server on 127.0.0.1 (real openai client)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llm_helpers import MESSAGES, texts, with_limits
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.errors import (
    AuthenticationFailed,
    ContextTooLong,
    IncompleteReply,
    LLMTimeout,
    ModelNotFound,
)
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.types import Delta, Status


async def collect(client: LLMClient) -> list[Any]:
    return [event async for event in client.astream(MESSAGES)]


def test_async_success_retry_and_usage(openai_server: OpenAIServer,
                                       llm_client: LLMClient) -> None:
    openai_server.script(Reply(fault="429", retry_after=0.05), Reply(text="async ok", cached_tokens=1))
    events = asyncio.run(collect(llm_client))
    assert texts(events, Status) == ["waiting for test:test-model...",
                                     "rate limited, retrying in 0.05 s (1/2)",
                                     "waiting for test:test-model...",
                                     "test:test-model is replying"]
    assert events[-1].text == "async ok" and events[-1].usage.cached_tokens == 1
    assert openai_server.completion_requests[-1].body["max_tokens"] == 512


@pytest.mark.parametrize(("reply", "error"), [
    (Reply(fault="cut"), IncompleteReply),
    (Reply(fault="malformed"), IncompleteReply),
    (Reply(fault="empty"), IncompleteReply),
    (Reply(fault="timeout"), LLMTimeout),
    (Reply(fault="401"), AuthenticationFailed),
    (Reply(fault="404_model"), ModelNotFound),
    (Reply(fault="400_context"), ContextTooLong),
])
def test_async_failures(openai_server: OpenAIServer, llm_client: LLMClient, reply: Reply,
                        error: type) -> None:
    openai_server.script(reply)
    with pytest.raises(error):
        asyncio.run(collect(with_limits(llm_client, first_token_timeout=0.3)))


def test_async_concurrent_requests(openai_server: OpenAIServer, llm_client: LLMClient) -> None:
    openai_server.responder = lambda request: Reply(text="review", delay_between=0.02)

    async def three() -> list[list[Any]]:
        return await asyncio.gather(*(collect(llm_client) for _ in range(3)))

    assert [events[-1].text for events in asyncio.run(three())] == ["review"] * 3


def test_async_cancellation_closes_the_response_and_propagates(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    openai_server.script(Reply(text="abcd" * 20, chunk_size=4, delay_between=0.05))

    async def cancel_after_first_delta() -> None:
        got = asyncio.Event()

        async def consume() -> None:
            async for event in llm_client.astream(MESSAGES):
                if isinstance(event, Delta):
                    got.set()

        task = asyncio.create_task(consume())
        await asyncio.wait_for(got.wait(), timeout=5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_after_first_delta())
    assert openai_server.wait_for_disconnects(1)
