"""LLMClient against a real OpenAI-compatible server on 127.0.0.1, with the real openai client."""

from __future__ import annotations

import asyncio
import re
import signal
import socket
import subprocess
import sys
import threading
from typing import Any

import pytest
from fixtures_llm import TEST_KEY
from llm_helpers import MESSAGES, run, texts, with_limits
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.errors import (
    AuthenticationFailed,
    BadRequest,
    Cancelled,
    ContextTooLong,
    IncompleteReply,
    LLMTimeout,
    ModelNotFound,
    RateLimited,
    ServerError,
    ServerUnreachable,
)
from jupyter_llmdev.llm import retry, transport
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.errors_map import ErrorContext
from jupyter_llmdev.llm.secrets import Secrets
from jupyter_llmdev.llm.types import Delta, Endpoint, Finished, RequestLimits, Status

# -- success -----------------------------------------------------------------------------------


def test_stream_yields_status_deltas_and_finished_with_usage(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    openai_server.script(Reply(text="def f():\n    return 1\n", chunk_size=5, cached_tokens=2))
    events = run(llm_client)
    assert (events[0].text, events[0].phase) == ("waiting for test:test-model...", "waiting")
    assert events[1] == Status("test:test-model is replying", phase="replying")
    assert "".join(texts(events, Delta)) == "def f():\n    return 1\n"
    finished = events[-1]
    assert isinstance(finished, Finished)
    assert finished.text == "def f():\n    return 1\n"
    assert (finished.finish_reason, finished.truncated) == ("stop", False)
    assert finished.usage.reported
    assert finished.usage.completion_tokens == 6 and finished.usage.cached_tokens == 2
    assert finished.usage.prompt_tokens > 0


def test_request_body_sends_max_tokens_usage_option_and_the_key_from_environ(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    run(llm_client)
    (request,) = openai_server.completion_requests
    assert request.body["max_tokens"] == llm_client.limits.max_output_tokens
    assert "max_completion_tokens" not in request.body
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}
    assert request.body["model"] == "test-model"
    assert request.body["messages"] == MESSAGES
    assert request.auth_present and request.key_tail == TEST_KEY[-4:]
    assert "authorization" not in request.headers


def test_the_key_is_read_at_request_time(openai_server: OpenAIServer, llm_endpoint: Endpoint,
                                         llm_limits: RequestLimits) -> None:
    environ = {"LLMDEV_TEST_KEY": "sk-first-key-1111"}
    client = LLMClient(llm_endpoint, llm_limits, environ=environ)
    run(client)
    environ["LLMDEV_TEST_KEY"] = "sk-second-key-2222"
    run(client)
    assert [r.key_tail for r in openai_server.completion_requests] == ["1111", "2222"]


def test_tolerates_role_chunk_without_content_empty_chunks_and_no_usage(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    openai_server.script(Reply(text="abcdefgh", chunk_size=2, usage=None,
                               role_chunk_without_content=True, empty_content_chunk=True))
    finished = run(llm_client)[-1]
    assert finished.text == "abcdefgh"
    assert not finished.usage.reported


def test_client_side_cap_stops_reading_and_finishes_as_length(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    client = with_limits(llm_client, max_output_tokens=5)  # cap: 5 tokens * 6 chars
    openai_server.script(Reply(text="x" * 200, chunk_size=10))
    finished = run(client)[-1]
    assert (finished.text, finished.finish_reason, finished.truncated) == ("x" * 30, "length", True)
    assert openai_server.completion_requests[0].body["max_tokens"] == 5


def test_server_side_length_finish_is_truncated(openai_server: OpenAIServer,
                                                 llm_client: LLMClient) -> None:
    openai_server.script(Reply(text="partial", finish_reason="length"))
    finished = run(llm_client)[-1]
    assert (finished.finish_reason, finished.truncated) == ("length", True)


def test_loopback_server_without_a_key_gets_a_placeholder(
    openai_server: OpenAIServer, llm_endpoint: Endpoint, llm_limits: RequestLimits
) -> None:
    run(LLMClient(llm_endpoint, llm_limits, environ={}))
    assert openai_server.completion_requests[0].key_tail == transport.PLACEHOLDER_KEY[-4:]


def test_without_a_base_url_the_environs_openai_base_url_is_used(
    openai_server: OpenAIServer, llm_limits: RequestLimits
) -> None:
    environ = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": TEST_KEY}
    assert run(LLMClient(Endpoint(model="m"), llm_limits, environ=environ))[-1].text
    assert openai_server.completion_requests[0].key_tail == TEST_KEY[-4:]


def test_missing_key_for_a_remote_server_names_the_variable() -> None:
    endpoint = Endpoint(model="gpt-4o", base_url="https://api.example.invalid/v1",
                        api_key_env="MY_PROVIDER_KEY")
    with pytest.raises(AuthenticationFailed, match="MY_PROVIDER_KEY is not set"):
        run(LLMClient(endpoint, RequestLimits(), environ={}))


# -- retries -----------------------------------------------------------------------------------


def test_429_with_retry_after_is_retried_with_a_status_line(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    openai_server.script(Reply(fault="429", retry_after=0.1), Reply(text="ok"))
    events = run(llm_client)
    assert "rate limited, retrying in 0.1 s (1/2)" in texts(events, Status)
    assert events[-1].text == "ok"
    assert len(openai_server.completion_requests) == 2


def test_retry_after_is_capped_at_max_backoff(openai_server: OpenAIServer,
                                              llm_client: LLMClient) -> None:
    client = with_limits(llm_client, max_backoff=0.2)
    openai_server.script(Reply(fault="429", retry_after=120), Reply(text="ok"))
    assert "rate limited, retrying in 0.2 s (1/2)" in texts(run(client), Status)


def test_5xx_is_retried_with_exponential_backoff_then_succeeds(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    openai_server.script(Reply(fault="503"), Reply(fault="500"), Reply(text="ok"))
    statuses = [event.text for event in run(llm_client)
                if isinstance(event, Status) and event.phase == "retrying"]
    assert statuses == ["server error 503, retrying in 0.05 s (1/2)",
                        "server error 500, retrying in 0.1 s (2/2)"]


@pytest.mark.parametrize(("fault", "error", "text"), [
    ("429", RateLimited, "rate limiting requests (429), still after 2 retries"),
    ("503", ServerError, "answered 503 (server error), still after 2 retries"),
])
def test_retries_exhausted(openai_server: OpenAIServer, llm_client: LLMClient,
                           fault: str, error: type, text: str) -> None:
    openai_server.responder = lambda request: Reply(fault=fault)  # type: ignore[arg-type]
    with pytest.raises(error, match=re.escape(text)):
        run(llm_client)
    assert len(openai_server.completion_requests) == 3


def test_quota_exhausted_429_is_not_retried(openai_server: OpenAIServer,
                                            llm_client: LLMClient) -> None:
    openai_server.script(Reply(fault="429", error_code="insufficient_quota",
                               error_message="You exceeded your current quota."))
    with pytest.raises(RateLimited, match="plan and billing"):
        run(llm_client)
    assert len(openai_server.completion_requests) == 1


def test_cut_before_any_content_is_retried(openai_server: OpenAIServer,
                                           llm_client: LLMClient) -> None:
    openai_server.script(Reply(fault="cut", fault_after=0), Reply(text="second try"))
    events = run(llm_client)
    assert events[-1].text == "second try"
    assert any(s.startswith("connection lost, retrying") for s in texts(events, Status))


def test_unreachable_server_names_the_url_without_credentials(llm_limits: RequestLimits) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = Endpoint(model="m", provider="local",
                        base_url=f"http://user:secret@127.0.0.1:{port}/v1?token=hidden")
    events: list[Any] = []
    with pytest.raises(ServerUnreachable) as info:
        for event in LLMClient(endpoint, llm_limits, environ={}).stream(MESSAGES):
            events.append(event)
    message = str(info.value)
    assert f"http://127.0.0.1:{port}/v1" in message
    assert "secret" not in message and "hidden" not in message
    # nothing listens on this machine: no retry (issue 14, item 7), one waiting line
    assert "connection refused" in message
    assert [event.phase for event in events] == ["waiting"]


# -- failures after the stream opened ----------------------------------------------------------


@pytest.mark.parametrize(("reply", "match", "partial"), [
    (Reply(text="abcdefgh", chunk_size=4, fault="cut"), "was lost while test:test-model was replying", "abcd"),
    (Reply(text="abcdefgh", chunk_size=4, fault="malformed"), "malformed chunk", "abcd"),
    (Reply(fault="empty"), "without any reply text", ""),
    (Reply(text="abcd", finish_reason=None), "stopped before it was finished", "abcd"),
    (Reply(text="abcd", stream=False), "without any reply text", ""),
])
def test_incomplete_streams_keep_the_partial_and_are_not_retried(
    openai_server: OpenAIServer, llm_client: LLMClient, reply: Reply, match: str, partial: str
) -> None:
    openai_server.script(reply)
    with pytest.raises(IncompleteReply, match=match) as info:
        run(llm_client)
    assert info.value.partial == partial
    assert len(openai_server.completion_requests) == 1


@pytest.mark.parametrize("reply", [Reply(fault="timeout"), Reply(delay_first=3.0)],
                         ids=["no-headers", "headers-then-silence"])
def test_silence_is_a_first_token_timeout(openai_server: OpenAIServer, llm_client: LLMClient,
                                          reply: Reply) -> None:
    client = with_limits(llm_client, first_token_timeout=0.3)
    openai_server.script(reply)
    with pytest.raises(LLMTimeout, match=r"No reply from test:test-model within 0.3 s "
                                         r"\(first_token_timeout\)") as info:
        run(client)
    assert "raise first_token_timeout" in str(info.value)
    assert len(openai_server.completion_requests) == 1


def test_stall_mid_reply_keeps_the_partial(openai_server: OpenAIServer,
                                           llm_client: LLMClient) -> None:
    client = with_limits(llm_client, between_tokens_timeout=0.5)
    openai_server.script(Reply(text="abcdefgh", chunk_size=4, pause_after=1, pause=3.0))
    with pytest.raises(LLMTimeout, match=r"sent no token for 0.5 s in the middle of its reply "
                                         r"\(between_tokens_timeout\)") as info:
        run(client)
    assert info.value.partial == "abcd"


def test_total_timeout_keeps_the_partial(openai_server: OpenAIServer,
                                         llm_client: LLMClient) -> None:
    client = with_limits(llm_client, total_timeout=0.6)
    openai_server.script(Reply(text="x" * 80, chunk_size=2, delay_between=0.05))
    with pytest.raises(LLMTimeout, match=r"took longer than 0.6 s \(total_timeout\)") as info:
        run(client)
    assert info.value.partial.startswith("xx")


# -- error mapping -----------------------------------------------------------------------------


@pytest.mark.parametrize(("reply", "error", "match"), [
    (Reply(fault="400_context"), ContextTooLong, "maximum context length is 128000"),
    (Reply(fault="404_model"), ModelNotFound, "test has no model 'test-model'"),
    (Reply(fault="400"), BadRequest, "Invalid value for 'temperature'"),
    (Reply(fault="401"), AuthenticationFailed, "environment variable LLMDEV_TEST_KEY"),
])
def test_status_errors_map_to_llm_errors(openai_server: OpenAIServer, llm_client: LLMClient,
                                         reply: Reply, error: type, match: str) -> None:
    openai_server.script(reply)
    with pytest.raises(error, match=match) as info:
        run(llm_client)
    message = str(info.value)
    assert TEST_KEY[-4:] not in message and "sk-" not in message
    assert 1 <= len(message.splitlines()) <= 3
    assert len(openai_server.completion_requests) == 1


def test_hints_for_context_and_model_errors(openai_server: OpenAIServer,
                                            llm_client: LLMClient) -> None:
    openai_server.script(Reply(fault="400_context"), Reply(fault="404_model"))
    with pytest.raises(ContextTooLong, match="context_budget"):
        run(llm_client)
    with pytest.raises(ModelNotFound, match="the `config` command"):
        run(llm_client)


def test_wrong_base_url_404_suggests_checking_it(openai_server: OpenAIServer,
                                                llm_limits: RequestLimits) -> None:
    endpoint = Endpoint(model="m", base_url=openai_server.base_url.removesuffix("/v1") + "/v2x")
    with pytest.raises(ModelNotFound, match="Check base_url"):
        run(LLMClient(endpoint, llm_limits, environ={}))


def test_rejected_stream_options_and_max_tokens_are_dropped_and_remembered(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    def strict(request: dict) -> Reply:
        if "stream_options" in request:
            return Reply(fault="400", error_message="Unrecognized request argument supplied: "
                         "stream_options", error_param="stream_options")
        if "max_tokens" in request:
            return Reply(fault="400", error_code="unsupported_parameter", error_param="max_tokens",
                         error_message="Unsupported parameter: 'max_tokens' is not supported "
                         "with this model. Use 'max_completion_tokens' instead.")
        return Reply(text="ok")

    openai_server.responder = strict
    assert run(llm_client)[-1].text == "ok"
    assert run(llm_client)[-1].text == "ok"
    bodies = [r.body for r in openai_server.completion_requests]
    assert len(bodies) == 4  # 2 learning requests, then straight to the working form
    assert bodies[-1]["max_completion_tokens"] == llm_client.limits.max_output_tokens
    assert "max_tokens" not in bodies[-1] and "stream_options" not in bodies[-1]


# -- cancellation ------------------------------------------------------------------------------


def test_ctrl_c_during_a_read_closes_the_response_and_raises_cancelled(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    openai_server.script(Reply(text="abcd" * 20, chunk_size=4, delay_between=0.1))
    main = threading.get_ident()
    timer = threading.Timer(0.45, signal.pthread_kill, (main, signal.SIGINT))
    events: list[Any] = []
    timer.start()
    try:
        with pytest.raises(Cancelled, match="cancelled; nothing was applied") as info:
            for event in llm_client.stream(MESSAGES):
                events.append(event)
    except KeyboardInterrupt:  # pragma: no cover - the signal landed outside the client
        pytest.fail("SIGINT arrived outside the client's read")
    finally:
        timer.join()
    assert info.value.partial == "".join(texts(events, Delta)) != ""
    assert openai_server.wait_for_disconnects(1)


def test_interrupt_thrown_at_a_yield_raises_cancelled(openai_server: OpenAIServer,
                                                      llm_client: LLMClient) -> None:
    openai_server.script(Reply(text="abcd" * 20, chunk_size=4, delay_between=0.05))
    stream = llm_client.stream(MESSAGES)
    while not isinstance(next(stream), Delta):
        pass
    with pytest.raises(Cancelled) as info:
        stream.throw(KeyboardInterrupt())
    assert info.value.partial == "abcd"
    assert openai_server.wait_for_disconnects(1)


def test_closing_the_iterator_early_closes_the_response(openai_server: OpenAIServer,
                                                        llm_client: LLMClient) -> None:
    openai_server.script(Reply(text="abcd" * 20, chunk_size=4, delay_between=0.05))
    stream = llm_client.stream(MESSAGES)
    while not isinstance(next(stream), Delta):
        pass
    stream.close()
    assert openai_server.wait_for_disconnects(1)


# -- cost --------------------------------------------------------------------------------------


def test_importing_the_client_does_not_import_openai() -> None:
    code = ("import sys, jupyter_llmdev.llm, jupyter_llmdev.llm.client; "
            "sys.exit('openai' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_openai_clients_are_cached_per_loop_base_url_and_key(openai_server: OpenAIServer) -> None:
    url = openai_server.base_url

    async def clients() -> tuple[Any, Any, Any]:
        return (transport.async_openai(url, "sk-one-aaaaaaaa"),
                transport.async_openai(url, "sk-one-aaaaaaaa"),
                transport.async_openai(url, "sk-two-bbbbbbbb"))

    first, same, other = asyncio.run(clients())
    assert same is first and other is not first
    assert asyncio.run(clients())[0] is not first  # another event loop, other connections


# -- helpers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "seconds"), [
    ({"retry-after": "2"}, 2.0), ({"retry-after-ms": "250", "retry-after": "1"}, 0.25),
    ({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, None), ({}, None),
])
def test_retry_after_forms(headers: dict[str, str], seconds: float | None) -> None:
    assert retry.retry_after(headers) == seconds


def test_urls_lose_credentials_and_loopback_is_recognised() -> None:
    assert transport.safe_url("https://u:p@host:8443/v1?key=x#f") == "https://host:8443/v1"
    urls = ["http://localhost:1/v1", "http://127.0.0.2/v1", "http://[::1]:8/v1",
            "https://api.openai.com/v1", "http://192.168.1.5/v1"]
    assert [transport.is_loopback(url) for url in urls] == [True, True, True, False, False]


def test_messages_are_scrubbed_of_keys() -> None:
    ctx = ErrorContext(Endpoint(model="m"), "u", Secrets.of(None, "secret-value-123"))
    text = "got secret-value-123, sk-proj-abcdef123456 and Bearer xyz.abc"
    assert ctx.scrub(text) == "got ***, *** and Bearer ***"


def test_provider_without_key_env_needs_no_key(openai_server: OpenAIServer) -> None:
    # api_key_env = "" in config: a server on the network that needs no key (not only loopback)
    endpoint = Endpoint(model="test-model", provider="lan", base_url="http://10.0.0.9:8000/v1",
                        api_key_env="")
    assert transport.resolve_api_key(endpoint, endpoint.base_url, {}) == transport.PLACEHOLDER_KEY
