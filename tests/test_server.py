"""The server extension in a real Jupyter server: /jupyter-llmdev/info and the chat websocket.

The server runs in-process (pytest-jupyter's fixtures, imported into this module only) and its
model requests go to the loopback OpenAI-compatible test server. Tests are plain functions that
drive the server's own event loop.
"""

from __future__ import annotations

import asyncio
import json
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import tornado.httpclient
import tornado.websocket
from openai_server import OpenAIServer, Reply
from pytest_jupyter.jupyter_server import *

from jupyter_llmdev import PROTOCOL_VERSION, __version__
from jupyter_llmdev.server.wire import MESSAGES

TEST_KEY = "sk-test-server-4a7f"
REPLY = "Two cells:\n\n```python\nx = 1\n```\n\n```python\nprint(x)\n```\n"


@pytest.fixture
def jp_server_config() -> Any:
    """Our extension only (terminals off: their handlers warn); no unauthenticated access."""
    from traitlets.config import Config

    return Config({"ServerApp": {"jpserver_extensions": {"jupyter_llmdev": True, "jupyter_server_terminals": False},
                                 "allow_unauthenticated_access": False}})


@pytest.fixture
def llm_env(openai_server: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> OpenAIServer:
    """The server's configuration sends requests to ``openai_server``."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", TEST_KEY)
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    monkeypatch.setenv("LLMDEV_TIMEOUT", "10")
    return openai_server


@pytest.fixture
def run(jp_asyncio_loop: asyncio.AbstractEventLoop) -> Iterator[Any]:
    """Run a coroutine on the server's loop (also the current loop, for futures made before it runs)."""
    asyncio.set_event_loop(jp_asyncio_loop)
    yield jp_asyncio_loop.run_until_complete
    asyncio.set_event_loop(None)


def snapshot(path: str | None = "nb.ipynb") -> dict[str, Any]:
    return {"path": path, "active_cell_id": "a", "cells": [
        {"id": "a", "cell_type": "code", "source": "import math", "outputs": ""},
        {"id": "b", "cell_type": "markdown", "source": "# Notes", "outputs": ""},
    ]}


def request(line: str, request_id: str = "r1", **extra: Any) -> str:
    message = {"type": "request", "id": request_id, "protocol_version": PROTOCOL_VERSION,
               "line": line, "snapshot": snapshot(), "target_cell_id": "a", "model": None}
    message.update(extra)
    return json.dumps(message)


async def until_final(ws: Any, request_id: str = "r1") -> list[dict[str, Any]]:
    """Messages for ``request_id`` up to and including its done or error."""
    seen = []
    while True:
        raw = await asyncio.wait_for(ws.read_message(), timeout=20)
        assert raw is not None, "the server closed the websocket"
        message = json.loads(raw)
        assert set(message) == {"type"} | {f.name for f in MESSAGES[message["type"]].fields}
        if message["id"] == request_id:
            seen.append(message)
            if message["type"] in ("done", "error"):
                return seen


# -- /info --------------------------------------------------------------------------------------


def test_info_reports_versions_and_models_but_never_keys_or_urls(jp_fetch, run, llm_env) -> None:
    response = run(jp_fetch("jupyter-llmdev", "info"))
    data = json.loads(response.body)
    assert data["version"] == __version__ and data["protocol_version"] == PROTOCOL_VERSION
    assert data["roles"]["ask"] == {"model": "openai:test-model", "key_set": True}
    assert set(data["roles"]) == {"ask", "architect", "developer"}
    assert data["config_error"] is None
    text = response.body.decode()
    assert TEST_KEY not in text and TEST_KEY[-4:] not in text
    assert llm_env.base_url not in text and "127.0.0.1" not in text


def test_info_reports_a_configuration_problem_inline(jp_fetch, run, monkeypatch) -> None:
    monkeypatch.setenv("LLMDEV_CONTEXT_BUDGET", "lots")
    data = json.loads(run(jp_fetch("jupyter-llmdev", "info")).body)
    assert data["config_error"] and "LLMDEV_CONTEXT_BUDGET" in data["config_error"]
    assert 1 <= len(data["config_error"].splitlines()) <= 3


def test_handlers_refuse_requests_without_a_token(jp_fetch, jp_ws_fetch, run) -> None:
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        run(jp_fetch("jupyter-llmdev", "info", headers={"Authorization": "token wrong"}))
    assert info.value.code == 403
    with pytest.raises(tornado.httpclient.HTTPClientError) as info:
        run(jp_ws_fetch("jupyter-llmdev", "chat", headers={"Authorization": "token wrong"}))
    assert info.value.code == 403


def test_loading_the_extension_raises_no_auth_warning(jp_server_config, jp_argv, jp_configurable_serverapp) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jp_configurable_serverapp(config=jp_server_config, argv=jp_argv)
    problems = [str(w.message) for w in caught if "auth" in type(w.message).__name__.lower()
                or "authenticated" in str(w.message)]
    assert not [p for p in problems if "llmdev" in p.lower()], problems


# -- the chat websocket -------------------------------------------------------------------------


def test_ask_streams_deltas_then_a_proposed_changeset(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text=REPLY, chunk_size=8))

    async def go() -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(request("make x and print it"))
        messages = await until_final(ws)
        ws.close()
        return messages

    messages = run(go())
    kinds = [m["type"] for m in messages]
    assert kinds[0] == "status" and kinds[-1] == "done" and kinds.count("delta") >= 3
    assert "".join(m["text"] for m in messages if m["type"] == "delta") == REPLY
    done = messages[-1]
    assert done["command"] == "ask" and done["model"] == "openai:test-model" and done["text"] == REPLY
    changeset = done["changeset"]
    assert changeset["status"] == "proposed" and changeset["prompt"] == "make x and print it"
    edits = changeset["edits"]
    assert [(e["op"], e["after"]["source"]) for e in edits if e["after"]["cell_type"] == "code"] == [
        ("insert", "x = 1"), ("insert", "print(x)")]
    assert edits[0]["anchor"] == "a"
    # the panel's snapshot was the context
    assert "import math" in json.dumps(llm_env.completion_requests[-1].body)


def test_cancel_stops_the_stream_and_keeps_the_connection(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text="y" * 400, chunk_size=2, delay_between=0.05), Reply(text="```python\nz = 3\n```\n"))

    async def go() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(request("long one"))
        while json.loads(await ws.read_message())["type"] != "delta":
            pass
        await ws.write_message(json.dumps({"type": "cancel", "id": "r1"}))
        stopped = await until_final(ws)
        await ws.write_message(request("short one", "r2"))
        again = await until_final(ws, "r2")
        ws.close()
        return stopped, again

    stopped, again = run(go())
    assert stopped[-1]["type"] == "error" and stopped[-1]["code"] == "cancelled"
    assert "nothing was inserted" in stopped[-1]["message"]
    assert again[-1]["type"] == "done" and again[-1]["changeset"]["edits"][0]["after"]["source"] == "z = 3"


def test_a_slow_model_does_not_block_the_server(jp_ws_fetch, jp_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text="w" * 60, chunk_size=2, delay_between=0.1))

    async def go() -> list[str]:
        events: list[str] = []
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(request("slow"))

        async def stream() -> None:
            await until_final(ws)
            events.append("done")

        task = asyncio.ensure_future(stream())
        await asyncio.sleep(0.3)
        await jp_fetch("api", "status")
        events.append("status answered")
        await task
        ws.close()
        return events

    assert run(go()) == ["status answered", "done"]


def test_bad_messages_get_an_error_and_the_socket_stays_open(jp_ws_fetch, run, llm_env) -> None:
    async def go() -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        answers = []
        for raw in ("not json", json.dumps({"type": "launch"}),
                    json.dumps({"type": "request", "id": "x1", "line": 3}),
                    request("hi", "x2", protocol_version="9.0"),
                    request("hi", "x3", snapshot={"cells": [{"id": "a", "cell_type": "image", "source": ""}]})):
            await ws.write_message(raw)
            answers.append(json.loads(await ws.read_message()))
        await ws.write_message(request("/help", "ok"))
        answers += await until_final(ws, "ok")
        ws.close()
        return answers

    answers = run(go())
    assert [a["type"] for a in answers[:5]] == ["error"] * 5
    assert {a["code"] for a in answers[:5]} == {"bad_message"}
    assert [a["id"] for a in answers[:5]] == [None, None, "x1", "x2", "x3"]
    assert "protocol 9.0" in answers[3]["message"]
    assert answers[-1]["type"] == "done" and "/ask" in answers[-1]["text"]
    assert not llm_env.completion_requests


# /log answers from the panel's section (tests/redesign/test_parity.py walks every command);
# /revert runs in the browser, so the server says where
@pytest.mark.parametrize(("line", "words"), [("/revert abc", "History section's Revert button"),
                                             ("/log", "No changes recorded in this notebook yet")])
def test_history_commands_answer_without_a_model(jp_ws_fetch, run, llm_env, line, words) -> None:
    async def go() -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(request(line))
        messages = await until_final(ws)
        ws.close()
        return messages

    [done] = run(go())
    assert done["type"] == "done" and done["changeset"] is None and done["records"] == []
    assert words in done["text"] and done["model"] is None
    assert not llm_env.completion_requests


def test_export_writes_the_saved_notebooks_module(jp_ws_fetch, jp_root_dir, run, llm_env) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("#| default_exp geometry"),
                             new_code_cell("#| export\nimport math\n\ndef area(r):\n    return math.pi * r ** 2")])
    nbformat.write(nb, jp_root_dir / "nb.ipynb")

    async def go(line: str) -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(request(line))
        messages = await until_final(ws)
        ws.close()
        return messages

    [done] = run(go("/export"))
    assert done["type"] == "done" and "1 file(s) written" in done["text"], done
    assert "def area(r):" in (jp_root_dir / "geometry.py").read_text()
    (jp_root_dir / "geometry.py").write_text("# edited\n")
    [done] = run(go("/export --check"))
    assert "out of date" in done["text"] and "geometry.py" in done["text"]
    (jp_root_dir / "nb.ipynb").unlink()
    [error] = run(go("/export"))
    assert error["type"] == "error" and "Save the notebook first" in error["message"]
    assert not llm_env.completion_requests


def test_model_errors_are_reported_in_three_lines_at_most(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(fault="401"))

    async def go() -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(request("hello"))
        messages = await until_final(ws)
        ws.close()
        return messages

    error = run(go())[-1]
    assert error["type"] == "error" and error["code"] not in ("internal", "bad_message")
    assert 1 <= len(error["message"].splitlines()) <= 3
    assert TEST_KEY not in error["message"] and TEST_KEY[-4:] not in error["message"]


def test_a_notebook_path_outside_the_root_is_refused(jp_ws_fetch, run, llm_env) -> None:
    async def go() -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(request("hi", snapshot=snapshot("../../etc/nb.ipynb")))
        messages = await until_final(ws)
        ws.close()
        return messages

    error = run(go())[-1]
    assert error["type"] == "error" and error["code"] == "bad_message"
    assert not llm_env.completion_requests
