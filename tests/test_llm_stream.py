"""StreamState: chunk accumulation, tolerance of real servers' quirks, the client-side cap."""

from __future__ import annotations

from typing import Any

import pytest
from openai.types.chat import ChatCompletionChunk

from jupyter_llmdev.errors import IncompleteReply
from jupyter_llmdev.llm.stream import StreamState
from jupyter_llmdev.llm.types import Delta


def chunk(content: Any = None, *, finish: str | None = None, role: str | None = None,
          usage: dict | None = None, choices: bool = True, **delta_extra: Any) -> dict:
    """A chunk as decoded from the wire; ``content=None`` leaves the key out."""
    delta: dict[str, Any] = dict(delta_extra)
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    data: dict[str, Any] = {"id": "chatcmpl-1", "object": "chat.completion.chunk",
                            "created": 1, "model": "m", "choices": [], "usage": usage}
    if choices:
        data["choices"] = [{"index": 0, "delta": delta, "finish_reason": finish}]
    return data


def feed(state: StreamState, chunks: list[dict]) -> list[Any]:
    events: list[Any] = []
    for data in chunks:
        events.extend(state.handle_chunk(data))
    return events


def test_deltas_text_finish_reason_and_usage_with_cached_tokens() -> None:
    state = StreamState(source="test:m")
    usage = {"prompt_tokens": 120, "completion_tokens": 7, "total_tokens": 127,
             "prompt_tokens_details": {"cached_tokens": 64}}
    events = feed(state, [
        chunk("", role="assistant", refusal=None),
        chunk("def f"), chunk("():\n"), chunk("    return 1"),
        chunk(finish="stop"),
        chunk(usage=usage, choices=False),
    ])
    assert events == [Delta("def f"), Delta("():\n"), Delta("    return 1")]
    finished = state.finish()
    assert finished.text == "def f():\n    return 1"
    assert finished.finish_reason == "stop"
    assert not finished.truncated
    assert finished.usage.to_dict() == {"prompt_tokens": 120, "completion_tokens": 7,
                                        "cached_tokens": 64}
    assert finished.usage.reported


def test_openai_chunk_objects_are_read_like_dicts() -> None:
    state = StreamState()
    usage = {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}
    for data in [chunk("", role="assistant"), chunk("Hi"), chunk(finish="stop"),
                 chunk(usage=usage, choices=False)]:
        state.handle_chunk(ChatCompletionChunk.model_validate(data))
    finished = state.finish()
    # no prompt_tokens_details: the cached count is not known (absent), not 0
    assert (finished.text, finished.usage.prompt_tokens, finished.usage.cached_tokens) == ("Hi", 3, None)


def test_unvalidated_chunks_with_missing_keys_as_openai_builds_them_while_streaming() -> None:
    # the openai client builds stream chunks without validation: absent keys stay absent
    state = StreamState()
    bare = {"id": "c", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": {"content": "x"}}]}
    state.handle_chunk(ChatCompletionChunk.construct(**bare))
    state.handle_chunk(ChatCompletionChunk.construct(**chunk(finish="stop")))
    assert state.finish().text == "x"


def test_role_chunk_without_content_empty_and_none_content_no_usage() -> None:
    state = StreamState()
    events = feed(state, [chunk(role="assistant"), chunk(""), chunk("a"), chunk(None),
                          chunk(""), chunk("b", finish="stop")])
    assert events == [Delta("a"), Delta("b")]
    finished = state.finish()
    assert finished.text == "ab"
    assert not finished.usage.reported
    # unknown, never zeros (issue 9, item 9)
    assert finished.usage.to_dict() == {}


def test_usage_in_every_chunk_keeps_the_last_and_deepseek_cache_field() -> None:
    state = StreamState()
    feed(state, [chunk("a", usage={"prompt_tokens": 5, "completion_tokens": 1}),
                 chunk("b", finish="stop",
                       usage={"prompt_tokens": 5, "completion_tokens": 2,
                              "prompt_cache_hit_tokens": 4})])
    assert state.finish().usage.to_dict() == {"prompt_tokens": 5, "completion_tokens": 2,
                                              "cached_tokens": 4}


def test_only_choice_zero_is_read() -> None:
    state = StreamState()
    other = {"choices": [{"index": 1, "delta": {"content": "other"}, "finish_reason": None}]}
    feed(state, [chunk("mine"), other, chunk(finish="stop")])
    assert state.finish().text == "mine"


def test_reasoning_counts_as_received_but_is_not_text() -> None:
    state = StreamState()
    feed(state, [chunk(role="assistant", reasoning_content="thinking...")])
    assert state.received
    assert state.text == ""


def test_refusal_becomes_the_reply_text() -> None:
    state = StreamState()
    feed(state, [chunk(refusal="I can't help with that."), chunk(finish="stop")])
    assert state.finish().text == "I can't help with that."


def test_no_content_and_no_finish_reason_is_incomplete_never_empty_success() -> None:
    state = StreamState(source="test:m")
    feed(state, [chunk(role="assistant"), chunk("")])
    with pytest.raises(IncompleteReply, match="test:m ended the stream without any reply text") as info:
        state.finish()
    assert info.value.partial == ""


def test_content_without_finish_reason_is_incomplete_and_keeps_the_partial() -> None:
    state = StreamState(source="test:m")
    feed(state, [chunk("half a ce")])
    with pytest.raises(IncompleteReply, match="stopped before it was finished") as info:
        state.finish()
    assert info.value.partial == "half a ce"


def test_empty_reply_with_finish_reason_is_a_result() -> None:
    state = StreamState()
    feed(state, [chunk("", role="assistant"), chunk(finish="stop")])
    assert state.finish().text == ""


def test_server_length_finish_marks_truncated() -> None:
    state = StreamState()
    feed(state, [chunk("abc"), chunk(finish="length")])
    finished = state.finish()
    assert finished.truncated and finished.finish_reason == "length"


def test_client_side_cap_cuts_the_text_and_finishes_as_length() -> None:
    state = StreamState(max_chars=10)
    events = feed(state, [chunk("12345678"), chunk("90abc"), chunk("more"),
                          chunk(finish="stop")])
    assert events == [Delta("12345678"), Delta("90")]
    assert state.done
    finished = state.finish()
    assert (finished.text, finished.finish_reason, finished.truncated) == ("1234567890", "length", True)


def test_text_exactly_at_the_cap_is_not_truncated() -> None:
    state = StreamState(max_chars=4)
    feed(state, [chunk("abcd"), chunk(finish="stop")])
    finished = state.finish()
    assert (finished.text, finished.truncated, state.done) == ("abcd", False, False)
