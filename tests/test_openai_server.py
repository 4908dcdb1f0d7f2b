"""The loopback OpenAI-compatible test server: its wire format, faults, shutdown and CLI."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from openai_server import OpenAIServer, Reply

REQUEST = {"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]}


def post(server: OpenAIServer | int, body: dict[str, Any], *, timeout: float = 5.0,
         key: str = "sk-secret-wxyz") -> tuple[int, dict[str, str], bytes]:
    port = server if isinstance(server, int) else server.port
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", "/v1/chat/completions", json.dumps(body),
                           {"content-type": "application/json", "authorization": f"Bearer {key}"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def sse_payloads(raw: bytes) -> list[str]:
    text = raw.decode()
    assert text.endswith("\n\n")
    events = text[:-2].split("\n\n")
    assert all(event.startswith("data: ") for event in events)
    return [event[len("data: "):] for event in events]


def test_stream_is_sse_like_openai(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="abcdef", chunk_size=3, cached_tokens=4))
    status, headers, raw = post(openai_server, {**REQUEST, "stream": True,
                                                "stream_options": {"include_usage": True}})
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    payloads = sse_payloads(raw)
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    assert [c["choices"][0]["delta"].get("content") for c in chunks[1:3]] == ["abc", "def"]
    assert chunks[3]["choices"][0]["finish_reason"] == "stop"
    assert chunks[4]["choices"] == []
    assert chunks[4]["usage"]["completion_tokens"] == 2
    assert chunks[4]["usage"]["prompt_tokens_details"]["cached_tokens"] == 4


def test_no_usage_chunk_unless_asked_or_when_disabled(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(), Reply(usage=None))
    for body in ({**REQUEST, "stream": True},
                 {**REQUEST, "stream": True, "stream_options": {"include_usage": True}}):
        chunks = [json.loads(p) for p in sse_payloads(post(openai_server, body)[2])[:-1]]
        assert all(c["choices"] and c["usage"] is None for c in chunks)


def test_non_streaming_completion(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="whole"))
    status, headers, raw = post(openai_server, REQUEST)
    body = json.loads(raw)
    assert (status, body["object"]) == (200, "chat.completion")
    assert body["choices"][0]["message"]["content"] == "whole"
    assert body["model"] == "gpt-test"
    assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + 2


@pytest.mark.parametrize(("fault", "status", "code"), [
    ("429", 429, "rate_limit_exceeded"), ("500", 500, None), ("503", 503, None),
    ("400", 400, "invalid_value"), ("400_context", 400, "context_length_exceeded"),
    ("401", 401, "invalid_api_key"), ("404_model", 404, "model_not_found"),
])
def test_error_bodies_have_openais_shape(openai_server: OpenAIServer, fault: str, status: int,
                                         code: str | None) -> None:
    openai_server.script(Reply(fault=fault, retry_after=2))  # type: ignore[arg-type]
    got, headers, raw = post(openai_server, {**REQUEST, "stream": True})
    error = json.loads(raw)["error"]
    assert got == status
    assert set(error) == {"message", "type", "param", "code"}
    assert error["code"] == code and error["message"]
    assert headers.get("retry-after") == ("2" if fault == "429" else None)


def test_requests_are_recorded_without_the_key(openai_server: OpenAIServer) -> None:
    post(openai_server, {**REQUEST, "stream": True})
    (request,) = openai_server.completion_requests
    assert request.body["model"] == "gpt-test"
    assert (request.auth_present, request.key_tail) == (True, "wxyz")
    assert "authorization" not in request.headers
    assert "sk-secret" not in repr(openai_server.requests)


def test_script_then_responder(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="first"))
    openai_server.responder = lambda request: Reply(text=f"for {request['model']}")
    answers = [json.loads(post(openai_server, REQUEST)[2])["choices"][0]["message"]["content"]
               for _ in range(2)]
    assert answers == ["first", "for gpt-test"]


def test_models_and_unknown_paths(openai_server: OpenAIServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", openai_server.port, timeout=5)
    connection.request("GET", "/v1/models")
    models = json.loads(connection.getresponse().read())
    connection.request("GET", "/v2/models")
    response = connection.getresponse()
    assert [m["id"] for m in models["data"]] == ["test-model"]
    assert response.status == 404 and "error" in json.loads(response.read())
    connection.close()


def get_json(port: int, path: str) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_llama_cpp_queue_pings_are_sse_comments(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="ok", delay_first=0.5, ping_every=0.1))
    raw = post(openai_server, {**REQUEST, "stream": True})[2].decode()
    pings, rest = raw.count(": ping\n\n"), raw.replace(": ping\n\n", "")
    assert pings >= 3 and raw.startswith(": ping\n\n")
    assert json.loads(sse_payloads(rest.encode())[1])["choices"][0]["delta"]["content"] == "ok"


def test_props_models_info_and_the_empty_stream_on_overflow() -> None:
    with OpenAIServer(models=["m"], model_info={"m": {"max_model_len": 8192}}, n_ctx=100) as server:
        assert get_json(server.port, "/props")[1]["default_generation_settings"]["n_ctx"] == 100
        assert get_json(server.port, "/v1/models")[1]["data"][0]["max_model_len"] == 8192
        long = {**REQUEST, "stream": True, "messages": [{"role": "user", "content": "x" * 800}]}
        status, _, raw = post(server, long)
        assert (status, raw) == (200, b"data: [DONE]\n\n")  # llama.cpp: over n_ctx, nothing
    with OpenAIServer(n_ctx=100, props="old") as old, OpenAIServer(n_ctx=100, props="none") as none:
        assert get_json(old.port, "/props")[1]["n_ctx"] == 100
        assert get_json(none.port, "/props")[0] == 404


def test_echo_faults_quote_the_authorization_header(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(fault="echo_auth"),
                         Reply(fault="stream_error", error_message="bad {auth}", fault_after=0))
    status, _, raw = post(openai_server, REQUEST, key="sk-echo-1234")
    assert (status, json.loads(raw)["error"]["message"]) == (401, "bad key Bearer sk-echo-1234")
    payloads = sse_payloads(post(openai_server, {**REQUEST, "stream": True}, key="sk-echo-1234")[2])
    assert json.loads(payloads[1])["error"]["message"] == "bad Bearer sk-echo-1234"
    openai_server.get_status = 503
    assert get_json(openai_server.port, "/v1/models")[0] == 503


def test_cut_stream_ends_without_done(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(text="abcdef", chunk_size=3, fault="cut"))
    with pytest.raises(http.client.IncompleteRead) as info:
        post(openai_server, {**REQUEST, "stream": True})
    assert b"[DONE]" not in info.value.partial


def test_stop_is_prompt_with_a_request_left_hanging() -> None:
    server = OpenAIServer().start()
    server.script(Reply(fault="timeout", hang=60))
    outcome: list[object] = []

    def hang() -> None:
        try:
            outcome.append(post(server, REQUEST, timeout=30))
        except Exception as error:  # noqa: BLE001 - any end of the request will do
            outcome.append(error)

    client = threading.Thread(target=hang, daemon=True)
    client.start()
    assert server_saw_a_request(server)
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(timeout=10)
    client.join(timeout=10)
    assert not stopper.is_alive() and not client.is_alive()
    assert outcome and isinstance(outcome[0], Exception)


def server_saw_a_request(server: OpenAIServer) -> bool:
    for _ in range(500):
        if server.requests:
            return True
        time.sleep(0.01)
    return False


def test_standalone_cli_prints_the_base_url_and_serves() -> None:
    script = Path(__file__).with_name("openai_server.py")
    with subprocess.Popen([sys.executable, str(script), "--port", "0", "--reply", "hi there"],
                          stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
            port = int(base_url.rsplit(":", 1)[1].split("/")[0])
            body = json.loads(post(port, REQUEST)[2])
            assert body["choices"][0]["message"]["content"] == "hi there"
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=10) == 0
