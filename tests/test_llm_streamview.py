"""No stale status lines (issue 9, item 11): "waiting for ..." ends when tokens stream or the
request fails, "retrying in 4 s (3/3)" ends when a retry succeeds, in a cell and in a terminal.

Real streams from the loopback server into :class:`StreamView`: in a cell through IPython's
display machinery (the status is one display updated in place), in a terminal on a real
pseudo-terminal (a line redrawn in place) and in a pipe (plain lines).
"""

from __future__ import annotations

import os
import re
import select
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from llm_helpers import MESSAGES, with_limits
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.engine.streaming import drain
from jupyter_llmdev.errors import LLMError
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.streamview import StreamView

NOTE = "context: 3 cells, ~200 tokens"


def run(view: StreamView, client: LLMClient) -> Any:
    """What a front end does: a note, the stream, then the end or the failure."""
    view.status(NOTE)
    try:
        finished = drain(client.stream(MESSAGES), view)
    except LLMError as error:
        view.stopped(error.partial, cancelled=False)
        return error
    view.end_text()
    return finished


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    instance = InteractiveShell.instance()
    try:
        yield instance
    finally:
        InteractiveShell.clear_instance()


def status_display(client: LLMClient) -> list[str]:
    """Every state of the cell's status display, in order."""
    with capture_output() as captured:
        run(StreamView(rich=True), client)
    return [output.data["text/plain"] for output in captured.outputs]


def test_a_cell_shows_the_note_again_once_a_retry_succeeded(
    openai_server: OpenAIServer, llm_client: LLMClient, shell: InteractiveShell
) -> None:
    openai_server.script(Reply(fault="503"), Reply(text="done", delay_first=0.3))
    shown = status_display(llm_client)
    assert "[llm] server error 503, retrying in 0.05 s (1/2)" in shown
    assert shown[-1] == f"[llm] {NOTE}"


def test_a_cell_drops_the_waiting_line_when_the_request_fails(
    openai_server: OpenAIServer, llm_client: LLMClient, shell: InteractiveShell
) -> None:
    openai_server.script(Reply(fault="timeout", hang=10))
    shown = status_display(with_limits(llm_client, first_token_timeout=1.2))
    assert "[llm] waiting for test:test-model... 1 s" in shown
    assert shown[-1] == f"[llm] {NOTE}"


def test_a_cell_drops_the_waiting_line_when_tokens_arrive(
    openai_server: OpenAIServer, llm_client: LLMClient, shell: InteractiveShell
) -> None:
    openai_server.script(Reply(text="abcdefgh" * 4, chunk_size=4, delay_between=0.05))
    with capture_output() as captured:
        view = StreamView(rich=True)
        view.status(NOTE)
        events = llm_client.stream(MESSAGES)
        for event in events:
            view(event)
            if getattr(event, "type", "") == "delta":
                break  # the reply is streaming now: what does the status line say?
        events.close()
    assert captured.outputs[-1].data["text/plain"] == f"[llm] {NOTE}"


# -- terminals ---------------------------------------------------------------------------------


def screen(written: str) -> list[str]:
    """The lines left on a terminal after ``written`` (CR + erase-line clears the line)."""
    lines = [""]
    for token in re.split(r"(\r\x1b\[2K|\n)", written):
        if token == "\n":
            lines.append("")
        elif token == "\r\x1b[2K":
            lines[-1] = ""
        else:
            lines[-1] += token
    return [line for line in lines if line]


class Pty:
    """A real pseudo-terminal: ``attach()`` puts stdout and stderr on it, ``read()`` returns what
    was written (attach inside the test: pytest's capture resets ``sys.stdout`` before it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.controller, device = os.openpty()
        self.tty = os.fdopen(device, "w", buffering=1)
        self._monkeypatch = monkeypatch

    def attach(self) -> None:
        self._monkeypatch.setattr("sys.stdout", self.tty)
        self._monkeypatch.setattr("sys.stderr", self.tty)

    def read(self) -> str:
        self.tty.flush()
        chunks = []
        # the terminal driver passes output on asynchronously: read until it has been quiet
        while select.select([self.controller], [], [], 0.5)[0]:
            chunk = os.read(self.controller, 65536)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode().replace("\r\n", "\n")  # the tty's own newline mapping

    def close(self) -> None:
        self.tty.close()
        os.close(self.controller)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pty]:
    pty = Pty(monkeypatch)
    try:
        yield pty
    finally:
        monkeypatch.undo()
        pty.close()


def test_a_terminal_keeps_no_waiting_or_retry_line(
    openai_server: OpenAIServer, llm_client: LLMClient, terminal: Pty
) -> None:
    openai_server.script(Reply(fault="429", retry_after=1.2),
                         Reply(text="def f():\n    return 1\n", delay_first=1.1))
    terminal.attach()
    run(StreamView(rich=False), with_limits(llm_client, max_backoff=5, max_retry_wait=5))
    written = terminal.read()
    assert "rate limited, retrying in 1 s (1/2)" in written  # the countdown was drawn
    assert "waiting for test:test-model... 2 s" in written
    assert screen(written) == [f"[llm] {NOTE}", "def f():", "    return 1"]


def test_a_terminal_keeps_no_waiting_line_after_a_failure(
    openai_server: OpenAIServer, llm_client: LLMClient, terminal: Pty
) -> None:
    openai_server.script(Reply(fault="timeout", hang=10))
    terminal.attach()
    error = run(StreamView(rich=False), with_limits(llm_client, first_token_timeout=1.2))
    assert isinstance(error, LLMError)
    assert screen(terminal.read()) == [f"[llm] {NOTE}"]


def test_a_pipe_gets_each_status_once_not_every_second(
    openai_server: OpenAIServer, llm_client: LLMClient, capsys: pytest.CaptureFixture[str]
) -> None:
    openai_server.script(Reply(text="ok", delay_first=2.2, ping_every=0.3))
    run(StreamView(rich=False), llm_client)
    err = capsys.readouterr().err
    assert err.splitlines() == [f"[llm] {NOTE}", "[llm] waiting for test:test-model..."]
