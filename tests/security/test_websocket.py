"""Finding 7: hostile websocket frames, against a real ``jupyter server`` in a subprocess.

Before: a frame ``{"type": []}`` (or JSON nested 100,000 deep) raised in the chat handler;
tornado aborted the connection, cancelling every other request on it, and logged the request,
whose URL holds the server token, in clear text. Now every such frame gets an ``error`` frame
(``bad_message``), the connection and its running requests go on, and the server's log never
shows the token.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from jupyter_process import JupyterProcess, chat_request, read_until_final, start_jupyter_server
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.notebook.metadata import empty_section
from jupyter_llmdev.safety.nesting import MAX_DEPTH
from jupyter_llmdev.server import logscrub
from jupyter_llmdev.server.wire import MAX_FRAME

CELLS = [{"id": "a", "cell_type": "code", "source": "import math", "outputs": ""}]
SLOW = Reply(text="```python\nz = 3\n```\n", chunk_size=1, delay_between=0.1)


def request_with_deep_section(levels: int) -> str:
    """A valid request whose metadata section holds lists ``levels`` deep (counted from the frame)."""
    section = empty_section()
    section["changes"] = "@@"  # the frame, the snapshot and the section are 3 levels; lists the rest
    frame = chat_request("deep", "/plan go", cells=CELLS, section=section, target="a")
    return frame.replace('"@@"', "[" * (levels - 3) + "]" * (levels - 3))


#: (what it is, the frame, the id the error answers with)
BAD_FRAMES: list[tuple[str, str | bytes, str | None]] = [
    ("type is a list", json.dumps({"type": []}), None),
    ("type is an object", json.dumps({"type": {"a": 1}, "id": "t1"}), "t1"),
    ("id is a list", json.dumps({"type": "request", "id": []}), None),
    ("cancel with a number id", json.dumps({"type": "cancel", "id": 5}), None),
    ("100,000 lists deep", "[" * 100_000 + "]" * 100_000, None),
    ("100,000 objects deep", '{"a":' * 100_000 + "1" + "}" * 100_000, None),
    ("5,000 deep inside a request", '{"type": "request", "id": "d1", "x": ' + "[" * 5000 + "]" * 5000 + "}", None),
    (f"a request {MAX_DEPTH + 1} levels deep", request_with_deep_section(MAX_DEPTH + 1), "deep"),
    ("a number of 5,000 digits", "[" + "7" * 5000 + "]", None),
    ("JSON null", "null", None),
    ("a string", '"request"', None),
    ("an id of 10,000 characters", json.dumps({"type": "cancel", "id": "x" * 10_000}), None),
    ("binary garbage", b"\xff\xfe\x00{", None),
    ("a frame over the size cap", " " * (MAX_FRAME + 1), None),
]


@pytest.fixture
def llm() -> Any:
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def jupyter(tmp_path: Path, llm: OpenAIServer) -> Any:
    server = start_jupyter_server(tmp_path, {
        "OPENAI_BASE_URL": llm.base_url, "OPENAI_API_KEY": "sk-test", "LLMDEV_MODEL": "test-model",
        "LLMDEV_TIMEOUT": "30"})
    yield server
    server.stop()


def test_bad_frames_get_errors_and_the_running_request_survives(jupyter: JupyterProcess, llm: OpenAIServer) -> None:
    llm.script(SLOW)
    started_log = len(jupyter.log_text())

    async def go() -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        ws = await jupyter.connect()
        try:
            await ws.write_message(chat_request("r1", "make z", cells=CELLS, target="a"))
            first = json.loads(await asyncio.wait_for(ws.read_message(), timeout=30))
            while first["type"] != "delta":  # the request is running: now the attack
                first = json.loads(await asyncio.wait_for(ws.read_message(), timeout=30))
            errors: list[dict[str, Any]] = []
            running: list[dict[str, Any]] = [first]
            for _, frame, _ in BAD_FRAMES:
                await ws.write_message(frame, binary=isinstance(frame, bytes))
            while len(errors) < len(BAD_FRAMES) or running[-1]["type"] not in ("done", "error"):
                raw = await asyncio.wait_for(ws.read_message(), timeout=60)
                assert raw is not None, "the server closed the websocket"
                message = json.loads(raw)
                (running if message["id"] == "r1" else errors).append(message)
            # and the connection still takes requests
            await ws.write_message(chat_request("r2", "/help", cells=CELLS, target="a"))
            after = await read_until_final(ws, "r2")
            return errors, running, after
        finally:
            ws.close()

    errors, running, after = asyncio.run(go())
    assert [(e["type"], e["code"]) for e in errors] == [("error", "bad_message")] * len(BAD_FRAMES), errors
    assert [e["id"] for e in errors] == [expected for _, _, expected in BAD_FRAMES]
    for error, (what, _, _) in zip(errors, BAD_FRAMES):
        assert 1 <= len(error["message"].splitlines()) <= 3 and len(error["message"]) < 300, what
    assert any(f"deeper than {MAX_DEPTH} levels" in e["message"] for e in errors)
    assert any(f"longer than {MAX_FRAME}" in e["message"] for e in errors)
    done = running[-1]
    assert done["type"] == "done", running[-3:]
    assert done["changeset"]["edits"][0]["after"]["source"] == "z = 3"
    assert after[-1]["type"] == "done" and after[-1]["command"] == "help"
    # what the server logged while it was attacked: no error at all (stderr is line-buffered)
    during = jupyter.log_text()[started_log:]
    assert "Uncaught exception" not in during and "Traceback" not in during, during[-3000:]
    # and up to its end, not one line with the token
    jupyter.stop()
    assert jupyter.token not in jupyter.log_text()[started_log:]


def test_tornado_error_lines_are_scrubbed(caplog: pytest.LogCaptureFixture) -> None:
    """What tornado's default ``log_exception`` writes (the request's URL and repr) loses the token."""
    logscrub.install()
    app_log = logging.getLogger("tornado.application")
    uri = "/jupyter-llmdev/chat?token=0123abcd&x=1"
    with caplog.at_level(logging.DEBUG):
        try:
            raise TypeError(f"unhashable type: 'list' while serving {uri}")
        except TypeError:
            app_log.error("Uncaught exception %s\n%r", f"GET {uri} (127.0.0.1)",
                          {"uri": uri, "headers": {"Authorization": "token 0123abcd"}}, exc_info=True)
        logging.getLogger("tornado.general").warning("Authorization: Bearer 0123abcd")
    text = caplog.text
    assert "0123abcd" not in text
    assert "token=[secret]&x=1" in text and "Uncaught exception GET" in text
    assert logscrub.scrub("?_xsrf=abc&token=def") == "?_xsrf=[secret]&token=[secret]"
    assert logscrub.scrub("no secrets here") == "no secrets here"
