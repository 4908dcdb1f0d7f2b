"""Context windows (issue 9, items 8 and 13): learned from config or the server, checked before
sending; an empty 200 stream worded as a possible overflow; an unknown model answered with the
server's own model list. The real openai client against the loopback server, which plays vLLM
(``max_model_len``), OpenRouter (``context_length``) and llama.cpp (``GET /props``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fixtures_llm import TEST_KEY
from llm_helpers import with_limits
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.errors import ContextTooLong, IncompleteReply, ModelNotFound
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.types import Endpoint, Finished, RequestLimits, Status

#: about 2,000 tokens by the context budget's estimate (chars / 4)
LONG = [{"role": "user", "content": "x" * 8000}]
#: about 600 tokens
MEDIUM = [{"role": "user", "content": "y" * 2400}]

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def client_of(server: OpenAIServer, limits: RequestLimits, model: str = "test-model") -> LLMClient:
    endpoint = Endpoint(model=model, provider="test", base_url=server.base_url,
                        api_key_env="LLMDEV_TEST_KEY")
    return LLMClient(endpoint, limits, environ={"LLMDEV_TEST_KEY": TEST_KEY})


def gets(server: OpenAIServer) -> list[str]:
    return [r.path for r in server.requests if r.method == "GET"]


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Any:
    server = OpenAIServer(**request.param).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.parametrize(("served", "source"), [
    ({"model_info": {"test-model": {"max_model_len": 1000}}}, "max_model_len in GET /v1/models"),
    ({"model_info": {"test-model": {"context_length": 1000}}}, "context_length in GET /v1/models"),
    ({"models": ["qwen.gguf"], "n_ctx": 1000}, "n_ctx in GET /props"),
    ({"models": ["qwen.gguf"], "n_ctx": 1000, "props": "old"}, "n_ctx in GET /props"),
], indirect=["served"], ids=["vllm", "openrouter", "llama.cpp", "llama.cpp-old"])
def test_a_prompt_over_the_servers_window_is_refused_before_sending(
    served: OpenAIServer, llm_limits: RequestLimits, source: str
) -> None:
    with pytest.raises(ContextTooLong) as info:
        list(client_of(served, llm_limits).stream(LONG))
    message = str(info.value)
    assert "about 2,000 tokens" in message and "context window of 1,000" in message
    assert source in message and "nothing was sent" in message
    assert "context_budget" in message and "context_window" in message
    assert served.completion_requests == []


def test_the_context_window_setting_wins_and_nothing_is_asked(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    client = with_limits(llm_client, context_window=1000)
    with pytest.raises(ContextTooLong, match="the context_window setting"):
        list(client.stream(LONG))
    assert openai_server.requests == []


@pytest.mark.parametrize("served", [{"model_info": {"test-model": {"max_model_len": 1000}}}],
                         indirect=True)
def test_a_prompt_that_fits_gets_max_tokens_lowered_to_the_room_left(
    served: OpenAIServer, llm_limits: RequestLimits
) -> None:
    events = list(client_of(served, llm_limits).stream(MEDIUM))
    assert isinstance(events[-1], Finished)
    assert served.completion_requests[0].body["max_tokens"] == 400  # 1,000 - 600
    notes = [e.text for e in events if isinstance(e, Status) and e.phase == "note"]
    assert notes == ["context window 1,000 tokens (max_model_len in GET /v1/models): "
                     "the reply may use 400 of max_output_tokens 512"]


@pytest.mark.parametrize("served", [{"n_ctx": 100_000}], indirect=True)
def test_discovery_is_asked_once_per_endpoint(served: OpenAIServer,
                                              llm_limits: RequestLimits) -> None:
    client = client_of(served, llm_limits)
    for _ in range(2):
        assert isinstance(list(client.stream(MEDIUM))[-1], Finished)
    assert list(client_of(served, llm_limits).stream(MEDIUM))[-1].text  # another client too
    assert sorted(gets(served)) == ["/props", "/v1/models"]
    assert len(served.completion_requests) == 3


@pytest.mark.parametrize("served", [
    {"model_info": {"test-model": {"max_model_len": "lots", "context_length": True}}},
    {"model_info": {"test-model": {"max_model_len": -5, "context_window": 10**12}}},
    {"n_ctx": 1000, "props": "none"},
], indirect=True, ids=["not-numbers", "implausible", "no-props"])
def test_odd_or_missing_answers_mean_send_unchecked(served: OpenAIServer,
                                                    llm_limits: RequestLimits) -> None:
    served.script(Reply(text="sent anyway"))
    assert list(client_of(served, llm_limits).stream(MEDIUM))[-1].text == "sent anyway"


def test_failing_discovery_is_quiet(openai_server: OpenAIServer, llm_client: LLMClient) -> None:
    openai_server.get_status = 500
    openai_server.script(Reply(text="sent anyway"))
    events = list(llm_client.stream(LONG))
    assert events[-1].text == "sent anyway"
    assert not [e for e in events if isinstance(e, Status) and "500" in e.text]


@pytest.mark.parametrize("served", [{"n_ctx": 1000, "props": "none"}], indirect=True)
def test_an_empty_200_stream_is_worded_as_a_possible_overflow(
    served: OpenAIServer, llm_limits: RequestLimits
) -> None:
    # llama.cpp answers a prompt longer than its context with an empty stream
    with pytest.raises(IncompleteReply) as info:
        list(client_of(served, llm_limits).stream(LONG))
    message = str(info.value)
    assert "without any reply text" in message
    assert "about 2,000 tokens" in message and "context" in message
    assert "supports streaming" not in message
    assert len(served.completion_requests) == 1


# -- an unknown model (item 13) ------------------------------------------------------------------

MODELS = ["alpha-7b", "beta\x1b]0;pwned\x07-13b", *(f"m{n}" for n in range(40)), "z" * 500]


@pytest.mark.parametrize("served", [{"models": MODELS}], indirect=True)
def test_an_unknown_model_is_answered_with_the_servers_models(
    served: OpenAIServer, llm_limits: RequestLimits
) -> None:
    served.script(Reply(fault="404_model"))
    with pytest.raises(ModelNotFound) as info:
        list(client_of(served, llm_limits, model="gamma").stream(MEDIUM))
    message = str(info.value)
    assert "llmdev models" not in message
    assert "test serves: alpha-7b, beta\\x1b]0;pwned\\x07-13b, m0," in message
    assert "and 35 more" in message
    assert not _CONTROL.search(message) and len(message) < 600
    assert 1 <= len(message.splitlines()) <= 3


def test_an_unknown_model_lists_models_even_with_a_configured_window(
    openai_server: OpenAIServer, llm_client: LLMClient
) -> None:
    openai_server.script(Reply(fault="404_model"))
    with pytest.raises(ModelNotFound, match="test serves: test-model."):
        list(with_limits(llm_client, context_window=100_000).stream(MEDIUM))
