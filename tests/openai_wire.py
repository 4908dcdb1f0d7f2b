"""api.openai.com's chat-completions wire format, for the loopback server in openai_server.py."""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for annotations
    from openai_script import Reply

__all__ = ["ERROR_FAULTS", "SSE_DONE", "SSE_PING", "ChunkFrame", "completion_body", "error_body",
           "estimate_tokens", "fault_error", "http_chunk", "models_body", "prompt_tokens",
           "props_body", "sse_event", "stream_events", "usage_of"]

# -- OpenAI's error bodies -------------------------------------------------------------------

_ERRORS: dict[str, tuple[int, str, str, str | None, str | None]] = {
    # fault: (status, message, type, code, param)
    "429": (429, ("Rate limit reached for {model} on tokens per min (TPM): Limit 30000, "
                  "Used 30000, Requested 500. Please try again in 1s."),
            "tokens", "rate_limit_exceeded", None),
    "500": (500, "The server had an error while processing your request. Sorry about that!",
            "server_error", None, None),
    "503": (503, "The engine is currently overloaded, please try again later.",
            "server_error", None, None),
    "400": (400, "Invalid value for 'temperature': expected a number.",
            "invalid_request_error", "invalid_value", "temperature"),
    "400_context": (400, ("This model's maximum context length is 128000 tokens. However, your "
                          "messages resulted in 130000 tokens. Please reduce the length of the "
                          "messages."),
                    "invalid_request_error", "context_length_exceeded", "messages"),
    "401": (401, ("Incorrect API key provided: {masked}. You can find your API key at "
                  "https://platform.openai.com/account/api-keys."), "invalid_request_error",
            "invalid_api_key", None),
    "404_model": (404, "The model `{model}` does not exist or you do not have access to it.",
                  "invalid_request_error", "model_not_found", None),
    # a proxy in front of the model that quotes the credentials it got (Basic or Bearer)
    "echo_auth": (401, "bad key {auth}", "invalid_request_error", "invalid_api_key", None),
}

#: the faults answered with an HTTP error status and an error body
ERROR_FAULTS: frozenset[str] = frozenset(_ERRORS)


def error_body(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
    """An error body shaped exactly like api.openai.com's."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def fault_error(fault: str, reply: Reply, model: str,
                auth: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, extra headers) of an error fault; ``auth`` is the Authorization header.

    Messages may say ``{model}``, ``{masked}`` (the key as OpenAI masks it) and ``{auth}`` (the
    whole Authorization header, as a careless proxy echoes it); ``reply.error_status`` replaces
    the fault's HTTP status.
    """
    status, message, type_, code, param = _ERRORS[fault]
    status = reply.error_status or status
    masked = f"{auth[7:10]}***{auth[-4:]}" if len(auth) > 14 else "***"
    message = (reply.error_message or message).format(model=model, masked=masked, auth=auth)
    headers = {}
    if fault == "429" and reply.retry_after is not None:
        headers["retry-after"] = f"{reply.retry_after:g}"
    body = error_body(message, type_, reply.error_code or code, reply.error_param or param)
    return status, body, headers


def estimate_tokens(text: str) -> int:
    """The token count the server reports for ``text``: ceil(chars / 4)."""
    return math.ceil(len(text) / 4)


# -- framing ---------------------------------------------------------------------------------


def http_chunk(data: bytes) -> bytes:
    """``data`` framed as one chunk of a chunked HTTP/1.1 body."""
    return b"%x\r\n%s\r\n" % (len(data), data)


def sse_event(data: str) -> bytes:
    """One SSE ``data:`` event as a chunk of a chunked HTTP/1.1 body."""
    return http_chunk(f"data: {data}\n\n".encode())


#: ``[DONE]`` and the end of the chunked body in one write, so clients can keep the connection
SSE_DONE: bytes = http_chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n"

#: an SSE comment, as llama.cpp's server sends every 15 s while a request waits in its queue
SSE_PING: bytes = http_chunk(b": ping\n\n")


class ChunkFrame:
    """Builds ``chat.completion.chunk`` JSON lines sharing one id, like OpenAI's."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.id = f"chatcmpl-test{time.monotonic_ns() % 10**9}"
        self.created = int(time.time())

    def _base(self, choices: list) -> dict[str, Any]:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model, "system_fingerprint": "fp_test", "choices": choices,
                "usage": None}

    def chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> str:
        """A chunk with one choice carrying ``delta``."""
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        return json.dumps(self._base([choice]))

    def usage_chunk(self, usage: dict[str, Any]) -> str:
        """The final chunk with no choices and the usage (``stream_options.include_usage``)."""
        return json.dumps({**self._base([]), "usage": usage})


# -- bodies ----------------------------------------------------------------------------------


def _broken(reply: Reply, model: str, auth: str) -> tuple[str, str]:
    """The event of a mid-stream fault: a dropped connection, a bad chunk, an error event."""
    if reply.fault == "cut":
        return ("cut", "")
    if reply.fault == "stream_error":
        message = (reply.error_message or "The server had an error while processing your "
                   "request.").format(model=model, auth=auth, masked="***")
        return ("chunk", json.dumps(error_body(message, "server_error", reply.error_code)))
    return ("chunk", '{"id": "chatcmpl-broken", "cho')


def stream_events(reply: Reply, request: dict, model: str,
                  auth: str = "") -> list[tuple[str, str]]:
    """The SSE payloads of one streamed reply as (kind, data); kind "cut" drops the connection."""
    frame = ChunkFrame(model)
    first_delta: dict[str, Any] = {"role": "assistant"}
    if not reply.role_chunk_without_content:
        first_delta.update(content="", refusal=None)
    events = [("chunk", frame.chunk(first_delta))]
    if reply.fault == "empty":
        return events
    mid_stream = reply.fault in ("cut", "malformed", "stream_error")
    broken = _broken(reply, model, auth)
    pieces = reply.pieces()
    for number, piece in enumerate(pieces):
        if number and reply.empty_content_chunk:
            events.append(("chunk", frame.chunk({"content": ""})))
        if mid_stream and number == reply.fault_after:
            events.append(broken)
        events.append(("content", frame.chunk({"content": piece})))
    if mid_stream and reply.fault_after >= len(pieces):
        events.append(broken)
    events.append(("chunk", frame.chunk({}, finish_reason=reply.finish_reason)))
    usage = usage_of(reply, request)
    if usage is not None and (request.get("stream_options") or {}).get("include_usage"):
        events.append(("chunk", frame.usage_chunk(usage)))
    return events


def usage_of(reply: Reply, request: dict) -> dict[str, Any] | None:
    """The usage object of ``reply``: its explicit dict, ``None``, or estimated ("auto")."""
    if reply.usage is None or isinstance(reply.usage, dict):
        return reply.usage
    prompt = estimate_tokens(json.dumps(request.get("messages") or []))
    completion = estimate_tokens("".join(reply.pieces()))
    usage: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion,
                             "total_tokens": prompt + completion}
    if reply.cached_tokens is not None:
        usage["prompt_tokens_details"] = {"cached_tokens": reply.cached_tokens, "audio_tokens": 0}
    return usage


def prompt_tokens(request: dict) -> int:
    """The prompt tokens a tokenizer-less server would count: ceil(chars of contents / 4)."""
    messages = request.get("messages") or []
    return estimate_tokens("".join(str(m.get("content") or "") for m in messages
                                   if isinstance(m, dict)))


def models_body(models: list[str], info: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """``GET /v1/models``: OpenAI's list, each entry with its extra fields from ``info``
    (vLLM's ``max_model_len``, OpenRouter's ``context_length``, ...)."""
    data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "test",
             **info.get(m, {})} for m in models]
    return {"object": "list", "data": data}


def props_body(n_ctx: int, shape: str) -> dict[str, Any]:
    """llama.cpp's ``GET /props``: ``n_ctx`` under ``default_generation_settings`` ("new"
    builds) or at the top level ("old" builds)."""
    if shape == "old":
        return {"n_ctx": n_ctx, "total_slots": 1, "chat_template": ""}
    return {"default_generation_settings": {"n_ctx": n_ctx, "params": {"n_predict": -1}},
            "total_slots": 1, "model_path": "/models/test.gguf", "chat_template": ""}


def completion_body(reply: Reply, request: dict, model: str) -> dict[str, Any]:
    """The plain-JSON ``chat.completion`` answer (a request without ``stream``)."""
    message = {"role": "assistant", "content": "".join(reply.pieces()), "refusal": None}
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
        "model": model, "system_fingerprint": "fp_test",
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": reply.finish_reason}],
        "usage": usage_of(reply, request),
    }
