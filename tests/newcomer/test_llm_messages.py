"""Issue 14, items 6 (the LLM messages) and 7: connection and key messages a newcomer can act on.

* The missing-key message names the place for every front end ("this terminal for llmdev; the
  Jupyter server for the panel; the kernel for %llm"), not "where the kernel or server runs"
  (wrong in a terminal), and says how to use a local server, which needs no key.
* A connection the server closed or reset is "lost while waiting for ... to answer", not
  "Cannot connect" (which now means refused or unreachable only); a connection lost
  mid-reply says so too.
* A refused connection on this machine or the local network fails at once, after one attempt
  (before: about 10 s of retries for a server that is not running); remote hosts keep retrying.

The CLI runs for real against the loopback OpenAI-compatible server (its ``drop``/``reset``/``cut``
faults) or against a port nothing listens on.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from notebooks import CELLS, sources, write_notebook
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.cli.main import main
from jupyter_llmdev.errors import ServerUnreachable
from jupyter_llmdev.llm import transport
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.connection import is_local
from jupyter_llmdev.llm.types import Endpoint, RequestLimits, Status

#: the place every key message names, whichever front end shows it
PLACE = ("in the environment of the process that sends the request (this terminal for llmdev; "
         "the Jupyter server for the panel; the kernel for %llm)")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in (("FIRST_TOKEN_TIMEOUT", "3"), ("TOTAL_TIMEOUT", "20"), ("RETRIES", "2")):
        monkeypatch.setenv(f"LLMDEV_{name}", value)
    return write_notebook(tmp_path / "trips.ipynb")


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- item 6: the missing key ---------------------------------------------------------------------


def test_missing_key_names_every_front_ends_place_and_the_local_server_way(
        notebook: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "ask", str(notebook), "add", "a", "test")
    assert code == 3, out + err
    assert "No API key for openai:" in err and "OPENAI_API_KEY is not set" in err
    assert f"Set OPENAI_API_KEY {PLACE}." in err
    assert "where the kernel or server runs" not in err
    assert "set OPENAI_BASE_URL to its URL: one on this machine or network needs no key" in err
    assert sources(notebook) == CELLS


def test_missing_key_with_a_remote_openai_base_url_says_how_to_do_without(
        notebook: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://user:pw@gpu-box.invalid:8080/v1")
    code, _, err = run(capsys, "ask", str(notebook), "add", "a", "test")
    assert code == 3
    assert f"Set OPENAI_API_KEY {PLACE}." in err
    assert ("If http://gpu-box.invalid:8080/v1 (OPENAI_BASE_URL) needs no key, set OPENAI_API_KEY to any value; "
            "servers on this machine or network") in err
    assert "pw" not in err.replace("pwd", "")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/v1", "http://localhost:11434/v1", "http://[::1]:8000/v1",
                                 "http://192.168.1.20:8080/v1", "http://10.0.0.9/v1", "http://172.20.1.1/v1",
                                 "http://169.254.3.4/v1", "http://[fd00::5]/v1"])
def test_a_server_on_this_machine_or_network_needs_no_key(url: str) -> None:
    endpoint = Endpoint(model="m", provider="local", base_url=url)
    assert is_local(url)
    assert transport.resolve_api_key(endpoint, url, {}) == transport.PLACEHOLDER_KEY


@pytest.mark.parametrize("url", ["https://api.openai.com/v1", "http://8.8.8.8/v1", "http://172.32.0.1/v1",
                                 "http://gpu-box:8080/v1", "http://[2001:db8::1]/v1"])
def test_remote_hosts_are_not_local(url: str) -> None:
    assert not is_local(url)


def test_a_rejected_key_names_the_place_too(notebook: Path, openai_env: OpenAIServer,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    openai_env.responder = lambda body: Reply(fault="401")
    code, _, err = run(capsys, "ask", str(notebook), "add", "a", "test")
    assert code == 3
    assert f"Put a valid key in the environment variable OPENAI_API_KEY {PLACE}." in err
    assert "where the kernel or server runs" not in err


# --- item 6: a lost connection is not "Cannot connect" -------------------------------------------


@pytest.mark.parametrize(("fault", "how"), [("drop", "closed it"), ("reset", "reset it")])
def test_a_connection_the_server_drops_is_lost_not_cannot_connect(
        notebook: Path, openai_env: OpenAIServer, capsys: pytest.CaptureFixture[str], fault: Any, how: str) -> None:
    openai_env.responder = lambda body: Reply(fault=fault)
    code, _, err = run(capsys, "ask", str(notebook), "add", "a", "test")
    assert code == 3
    host = f"127.0.0.1:{openai_env.port}"
    assert (f"The connection to {host} was lost while waiting for openai:gpt-4o-mini to answer "
            f"(the server {how}), still after 2 retries.") in err
    assert "crashed or restarted" in err
    assert "Cannot connect" not in err
    assert len(openai_env.completion_requests) == 3  # a lost connection is still retried
    assert sources(notebook) == CELLS


def test_a_connection_lost_mid_reply_says_so(notebook: Path, openai_env: OpenAIServer,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    openai_env.responder = lambda body: Reply(text="```python\nx = 1\n```\n", chunk_size=4, fault="cut",
                                              fault_after=2)
    code, _, err = run(capsys, "ask", str(notebook), "add", "a", "test")
    assert code == 3
    assert (f"The connection to 127.0.0.1:{openai_env.port} was lost while openai:gpt-4o-mini was replying "
            "(8 characters had arrived); nothing was applied.") in err
    assert "Cannot connect" not in err
    assert sources(notebook) == CELLS


# --- item 7: a refused local connection fails at once --------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_closed_local_port_fails_after_one_attempt(notebook: Path, capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch, host: str) -> None:
    monkeypatch.setenv("LLMDEV_RETRIES", "3")
    url = f"http://{host}:{closed_port()}/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", url)  # no key: none is needed on this machine
    code, _, err = run(capsys, "ask", str(notebook), "add", "a", "test")
    assert code == 3
    assert f"Cannot connect to {url} for openai:gpt-4o-mini: connection refused, nothing listens there." in err
    assert "retrying" not in err and "still after" not in err
    assert "No API key" not in err
    assert sources(notebook) == CELLS


def statuses_until_failure(endpoint: Endpoint) -> list[Status]:
    limits = RequestLimits(retries=3, backoff=0.05, max_backoff=0.2, connect_timeout=2.0, total_timeout=10.0)
    events: list[Any] = []
    with pytest.raises(ServerUnreachable):
        for event in LLMClient(endpoint, limits, environ={}).stream([{"role": "user", "content": "hi"}]):
            events.append(event)
    return [event for event in events if isinstance(event, Status)]


def test_the_client_makes_a_single_attempt_on_a_closed_loopback_port() -> None:
    statuses = statuses_until_failure(Endpoint(model="m", provider="local",
                                               base_url=f"http://127.0.0.1:{closed_port()}/v1"))
    # one attempt: its waiting line, and no retry countdown
    assert [status.phase for status in statuses] == ["waiting"]


def test_a_refused_connection_to_a_remote_name_is_still_retried() -> None:
    # this machine under a name that is not written as local: treated as remote, so retried
    name = socket.gethostname()
    try:
        socket.getaddrinfo(name, 80, proto=socket.IPPROTO_TCP)
    except OSError:
        pytest.skip(f"the host name {name!r} does not resolve here")
    if is_local(f"http://{name}/"):
        pytest.skip(f"the host name {name!r} is written as a local address")
    statuses = statuses_until_failure(Endpoint(model="m", provider="remote", api_key_env="",
                                               base_url=f"http://{name}:{closed_port()}/v1"))
    retries = [status.text for status in statuses if status.phase == "retrying" and not status.tick]
    assert [text.split(",")[0] for text in retries] == ["connection refused"] * 3
