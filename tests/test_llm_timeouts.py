"""Timeouts hold against servers that send bytes without tokens (issue 9, item 7).

llama.cpp's server keeps a queued request alive with SSE comments (``: ping``); an HTTP read
timeout restarts with every byte, so it never fired. Each test plays such a server with the
real openai client and small limits, and asserts that the right error arrives. ``BOUND`` is
no timing assertion: it only keeps the suite from hanging on code where a deadline does not hold.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from llm_helpers import MESSAGES, with_limits
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.config import load_config
from jupyter_llmdev.errors import LLMTimeout, RateLimited
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.types import Delta, Endpoint, Finished, RequestLimits, Status

#: generous: a test that is still waiting after this long has a deadline that did not hold
BOUND = 20.0
#: a request kept waiting in the server's "queue" far beyond every limit below
QUEUED = Reply(text="too late", delay_first=60, ping_every=0.2)


def bounded(work: Callable[[], Any]) -> Any:
    """``work()`` in a thread; its result or its exception, or a failure after BOUND seconds."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            box["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND)
    if thread.is_alive():
        pytest.fail(f"still waiting after {BOUND:g} s: a deadline did not hold")
    if "error" in box:
        raise box["error"]
    return box["value"]


def consume(client: LLMClient, mode: str, events: list[Any] | None = None) -> list[Any]:
    """Every event of one request, sync (magics, CLI) or async (server); kept in ``events``."""
    seen = events if events is not None else []

    def sync() -> list[Any]:
        for event in client.stream(MESSAGES):
            seen.append(event)
        return seen

    async def collect() -> list[Any]:
        async for event in client.astream(MESSAGES):
            seen.append(event)
        return seen

    return bounded(sync if mode == "sync" else lambda: asyncio.run(collect()))


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return request.param


def test_pings_while_queued_do_not_hold_off_the_first_token_timeout(
    openai_server: OpenAIServer, llm_client: LLMClient, mode: str
) -> None:
    openai_server.script(QUEUED)
    client = with_limits(llm_client, first_token_timeout=1.0, total_timeout=30.0)
    with pytest.raises(LLMTimeout, match=r"No reply from test:test-model within 1 s "
                                         r"\(first_token_timeout\)") as info:
        consume(client, mode)
    assert "raise first_token_timeout" in str(info.value)
    assert openai_server.wait_for_disconnects(1)  # the queued request was given up, not left open


def test_tokens_arriving_after_pings_are_kept(openai_server: OpenAIServer,
                                              llm_client: LLMClient, mode: str) -> None:
    openai_server.script(Reply(text="kept", delay_first=0.5, ping_every=0.1))
    events = consume(with_limits(llm_client, first_token_timeout=5.0), mode)
    assert isinstance(events[-1], Finished) and events[-1].text == "kept"


def test_first_token_timeout_longer_than_the_old_request_timeout_is_honoured(
    openai_server: OpenAIServer, llm_environ: dict[str, str], tmp_path: Any
) -> None:
    # configurations from before: request_timeout was also the HTTP read timeout, and capped
    # first_token_timeout although the error's hint said to raise the latter
    config = load_config(start_dir=tmp_path, environ={},
                         overrides={"request_timeout": 0.5, "first_token_timeout": 5})
    endpoint = Endpoint(model="test-model", provider="test", base_url=openai_server.base_url,
                        api_key_env="LLMDEV_TEST_KEY")
    openai_server.script(Reply(text="worth the wait", delay_first=1.0))  # silent, no pings
    events = consume(LLMClient(endpoint, config.limits(), environ=llm_environ), "sync")
    assert events[-1].text == "worth the wait"
    # the old name still sets what it used to: connecting, and the gaps between chunks
    limits = config.limits()
    assert (limits.connect_timeout, limits.between_tokens_timeout) == (0.5, 0.5)


def test_new_timeout_keys_win_over_the_old_name(tmp_path: Any) -> None:
    config = load_config(start_dir=tmp_path, environ={}, overrides={
        "request_timeout": 5, "connect_timeout": 2, "between_tokens_timeout": 7})
    limits = config.limits()
    assert (limits.connect_timeout, limits.between_tokens_timeout) == (2.0, 7.0)
    assert load_config(start_dir=tmp_path, environ={}).limits() == RequestLimits()


def test_pings_mid_reply_do_not_hold_off_the_between_tokens_timeout(
    openai_server: OpenAIServer, llm_client: LLMClient, mode: str
) -> None:
    openai_server.script(Reply(text="abcdefgh", chunk_size=4, pause_after=1, pause=60,
                               ping_every=0.2))
    client = with_limits(llm_client, between_tokens_timeout=1.0, total_timeout=30.0)
    with pytest.raises(LLMTimeout, match=r"sent no token for 1 s in the middle of its reply "
                                         r"\(between_tokens_timeout\)") as info:
        consume(client, mode)
    assert info.value.partial == "abcd"
    assert "raise between_tokens_timeout" in str(info.value)


def test_pings_do_not_hold_off_the_total_timeout(openai_server: OpenAIServer,
                                                 llm_client: LLMClient, mode: str) -> None:
    openai_server.script(QUEUED)
    client = with_limits(llm_client, first_token_timeout=30.0, total_timeout=1.5)
    with pytest.raises(LLMTimeout, match=r"took longer than 1.5 s \(total_timeout\)"):
        consume(client, mode)


def test_waiting_status_counts_the_seconds_then_says_who_replies(
    openai_server: OpenAIServer, llm_client: LLMClient, mode: str
) -> None:
    openai_server.script(Reply(text="ok", delay_first=2.4, ping_every=0.2))
    events = consume(with_limits(llm_client, first_token_timeout=10.0), mode)
    statuses = [event for event in events if isinstance(event, Status)]
    ticks = [status.text for status in statuses if status.tick]
    assert "waiting for test:test-model... 1 s" in ticks
    assert "waiting for test:test-model... 2 s" in ticks
    assert all(status.phase == "waiting" for status in statuses if status.tick)
    replying = next(i for i, event in enumerate(events) if isinstance(event, Delta)) - 1
    assert events[replying] == Status("test:test-model is replying", phase="replying")


def test_retry_waits_are_capped_in_total_with_a_countdown(
    openai_server: OpenAIServer, llm_client: LLMClient, mode: str
) -> None:
    openai_server.script(Reply(fault="429", retry_after=2), Reply(fault="429", retry_after=2),
                         Reply(text="would have come"))
    client = with_limits(llm_client, retries=3, max_backoff=5.0, max_retry_wait=3.0,
                         total_timeout=30.0)
    events: list[Any] = []
    with pytest.raises(RateLimited, match=r"still after 1 retry \(the next wait, 2 s, would "
                                          r"exceed max_retry_wait \(3 s\)\)"):
        consume(client, mode, events)
    countdown = [event.text for event in events
                 if isinstance(event, Status) and event.phase == "retrying"]
    assert countdown == ["rate limited, retrying in 2 s (1/3)",
                         "rate limited, retrying in 1 s (1/3)"]
    assert len(openai_server.completion_requests) == 2


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A port whose accept queue is full: a connection attempt gets no answer at all."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        fillers = []
        for _ in range(8):  # never accepted: the queue fills and further SYNs are dropped
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        probe = socket.socket()
        probe.settimeout(0.3)
        try:
            probe.connect(("127.0.0.1", port))
            answered = True
        except OSError:
            answered = False
        finally:
            probe.close()
        try:
            if answered:
                pytest.skip("this kernel answers connections beyond the accept queue")
            yield port
        finally:
            for filler in fillers:
                filler.close()


def test_connect_timeout_names_itself(unanswered_port: int, llm_limits: RequestLimits) -> None:
    endpoint = Endpoint(model="m", provider="local", base_url=f"http://127.0.0.1:{unanswered_port}/v1",
                        api_key_env="")
    limits = RequestLimits(connect_timeout=0.5, first_token_timeout=30, total_timeout=30,
                           retries=0)
    with pytest.raises(LLMTimeout, match=r"Could not connect to http://127.0.0.1:\d+/v1 for "
                                         r"local:m within 0.5 s \(connect_timeout\)"):
        consume(LLMClient(endpoint, limits, environ={}), "sync")
