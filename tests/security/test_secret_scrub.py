"""Finding 6: credentials never come back in messages, status lines or log lines.

The attack: a ``base_url`` with credentials (``http://user:pass@host/v1``, sent as HTTP Basic
auth) behind a proxy that quotes the Authorization header it got in its error body (``bad key
Basic bGxtdXNlcjpwYXNz``, the base64 of ``user:pass``). The error text, every status line, the
CLI's output and every log line of the process must hold neither the password, nor its base64,
nor the API key. Real openai client, real loopback server, real CLI.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest
from fixtures_llm import TEST_KEY
from notebooks import write_notebook
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.cli.main import main
from jupyter_llmdev.errors import LLMError
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.errors_map import ErrorContext
from jupyter_llmdev.llm.secrets import Secrets, scrub_text
from jupyter_llmdev.llm.types import Endpoint, RequestLimits, Status

USER, PASSWORD = "llmuser", "pass"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
#: what must never appear: the password, the Basic token (whole and its start), the key
SECRETS = (PASSWORD, BASIC, BASIC[:8], TEST_KEY, TEST_KEY[-10:])

LIMITS = RequestLimits(first_token_timeout=5, total_timeout=10, retries=0)

#: a proxy or server quoting the credentials it got, in every way a reply can carry a message
ECHOES = {
    "401": Reply(fault="echo_auth"),
    "403": Reply(fault="echo_auth", error_status=403),
    "400": Reply(fault="400", error_message="malformed header {auth}"),
    "429": Reply(fault="429", error_message="too many requests for {auth}"),
    "500": Reply(fault="500", error_message="upstream refused {auth}"),
    "mid-stream": Reply(fault="stream_error", error_message="proxy: credentials {auth} expired"),
}


def leaked(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret in text]


def with_userinfo(server: OpenAIServer) -> str:
    return f"http://{USER}:{PASSWORD}@127.0.0.1:{server.port}/v1"


@pytest.mark.parametrize("fault", list(ECHOES))
def test_echoed_credentials_are_scrubbed_from_errors_statuses_and_logs(
    openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture, fault: str
) -> None:
    openai_server.script(ECHOES[fault])
    endpoint = Endpoint(model="test-model", provider="proxy", base_url=with_userinfo(openai_server),
                        api_key_env="PROXY_KEY")
    client = LLMClient(endpoint, LIMITS, environ={"PROXY_KEY": TEST_KEY})
    events: list[Any] = []
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LLMError) as info:
        for event in client.stream([{"role": "user", "content": "hi"}]):
            events.append(event)
    assert openai_server.completion_requests[0].key_tail == BASIC[-4:]  # Basic auth was sent
    message = str(info.value)
    assert leaked(message) == []
    assert leaked(repr(info.value.args)) == []
    assert leaked(" ".join(e.text for e in events if isinstance(e, Status))) == []
    assert leaked(caplog.text) == []  # e.g. the HTTP library's "HTTP Request: POST <url>"
    assert "***" in message  # the server's words are quoted, with the secret masked


def test_an_echoed_bearer_key_is_scrubbed(openai_server: OpenAIServer) -> None:
    openai_server.script(Reply(fault="echo_auth", error_status=403))
    endpoint = Endpoint(model="test-model", provider="test", base_url=openai_server.base_url,
                        api_key_env="LLMDEV_TEST_KEY")
    with pytest.raises(LLMError) as info:
        list(LLMClient(endpoint, LIMITS, environ={"LLMDEV_TEST_KEY": TEST_KEY}).stream(
            [{"role": "user", "content": "hi"}]))
    assert "bad key Bearer ***" in str(info.value) and leaked(str(info.value)) == []


@pytest.mark.parametrize("fault", ["401", "403", "mid-stream"])
def test_the_cli_never_prints_credentials(
    tmp_path: Path, openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], fault: str,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", with_userinfo(openai_server))
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    monkeypatch.setenv("LLMDEV_RETRIES", "0")
    path = write_notebook(tmp_path / "nb.ipynb")
    openai_server.script(ECHOES[fault])
    assert main(["ask", str(path), "say", "hi"]) == 3
    out = capsys.readouterr()
    assert leaked(out.out) == [] and leaked(out.err) == []
    assert "***" in out.err


ENCODED = base64.b64encode(b"u@corp:QS3CRET-val").decode()


@pytest.mark.parametrize(("url", "echoes"), [
    ("https://api.example.com/v1?api_key=QS3CRET-val&region=eu", []),
    ("https://api.example.com/v1?token=QS3CRET-val", []),
    ("https://u%40corp:QS3CRET-val@api.example.com/v1",
     [f"auth {ENCODED}", f"Authorization: Basic {ENCODED[:10]}...", "u@corp:QS3CRET-val"]),
])
def test_credentials_from_any_part_of_the_url_are_scrubbed(url: str, echoes: list[str]) -> None:
    ctx = ErrorContext(Endpoint(model="m"), "https://api.example.com/v1", Secrets.of(url, TEST_KEY))
    for echoed in (f"got {url}", "QS3CRET-val", "api_key=anything-else", f"key {TEST_KEY}",
                   f"Bearer {TEST_KEY[:12]}", *echoes):
        scrubbed = ctx.scrub(echoed)
        assert "QS3CRET" not in scrubbed and ENCODED[:10] not in scrubbed, scrubbed
        assert TEST_KEY[:12] not in scrubbed and "anything-else" not in scrubbed, scrubbed


def test_scrubbing_pathological_text_finishes() -> None:
    # long runs that start a pattern many times over: linear patterns finish quickly
    text = "sk-" * 20_000 + "://" * 20_000 + "basic " * 20_000 + "key=" * 20_000 + "a" * 50_000
    assert len(scrub_text(text)) < len(text)
