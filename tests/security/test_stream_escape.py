"""Finding 10 (the stream part): model-derived text reaches no terminal with raw control characters.

The attack: escape sequences in a streamed reply (``ESC ] 0 ; ... BEL`` retitles the terminal,
``ESC [ 2K`` + CR erases the line and fakes an ``[llm]`` status), in a model name from a
project's config, and in a server's error message. A real stream from the loopback server runs
through :class:`StreamView` in both its forms (a terminal, and a kernel cell's output through
IPython's display machinery); every byte written is checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from llm_helpers import MESSAGES
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.engine.streaming import drain
from jupyter_llmdev.errors import LLMError
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.types import Endpoint, RequestLimits
from jupyter_llmdev.streamview import StreamView

TITLE = "\x1b]0;pwned\x07"
FAKE = "\x1b[2K\r[llm] fake status"
EVIL = TITLE + FAKE
#: split into 3-character chunks, so the sequences also arrive cut across deltas
REPLY = f"Here you go {TITLE}\n{FAKE}\n\n```python\nx = 1\n```\r\nend\r"

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
LIMITS = RequestLimits(first_token_timeout=5, total_timeout=10, retries=0)


def raw_controls(text: str) -> list[str]:
    return _CONTROL.findall(text)


def client(server: OpenAIServer, model: str = "test-model") -> LLMClient:
    endpoint = Endpoint(model=model, provider="test", base_url=server.base_url, api_key_env="")
    return LLMClient(endpoint, LIMITS, environ={})


def run(view: StreamView, llm: LLMClient) -> Any:
    try:
        finished = drain(llm.stream(MESSAGES), view)
    except LLMError as error:
        view.stopped(error.partial, cancelled=False)
        return error
    view.end_text()
    return finished


def test_a_streamed_reply_reaches_the_terminal_escaped(
    openai_server: OpenAIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    openai_server.script(Reply(text=REPLY, chunk_size=3))
    finished = run(StreamView(rich=False), client(openai_server))
    assert finished.text == REPLY  # the reply itself is kept as sent; only its display is escaped
    out = capsys.readouterr()
    assert raw_controls(out.out) == [] and raw_controls(out.err) == []
    assert "Here you go \\x1b]0;pwned\\x07\n\\x1b[2K\\x0d[llm] fake status\n" in out.out
    assert "```\nend\\x0d\n" in out.out  # a Windows line end is a newline; a lone CR is shown


def test_model_names_and_server_errors_reach_the_terminal_escaped(
    openai_server: OpenAIServer, capsys: pytest.CaptureFixture[str]
) -> None:
    openai_server.script(Reply(text="abcdef", chunk_size=3, fault="stream_error",
                               error_message=f"overloaded {EVIL}"))
    error = run(StreamView(rich=False), client(openai_server, model=f"gpt{EVIL}"))
    assert isinstance(error, LLMError)
    out = capsys.readouterr()
    assert raw_controls(out.out) == [] and raw_controls(out.err) == []
    assert "waiting for test:gpt\\x1b]0;pwned" in out.err
    assert raw_controls(str(error)) == [] and "overloaded \\x1b]0;pwned\\x07" in str(error)


@pytest.fixture
def shell() -> Iterator[InteractiveShell]:
    """A real IPython shell, so that ``display`` publishes the way it does in a kernel."""
    instance = InteractiveShell.instance()
    try:
        yield instance
    finally:
        InteractiveShell.clear_instance()


def test_a_streamed_reply_reaches_a_cell_escaped(openai_server: OpenAIServer,
                                                 shell: InteractiveShell) -> None:
    openai_server.script(Reply(text=REPLY, chunk_size=3))
    view = StreamView(rich=True)
    with capture_output() as captured:
        view.status(f"context: cells of {EVIL}")
        run(view, client(openai_server, model=f"gpt{TITLE}"))
    shown = [output.data["text/plain"] for output in captured.outputs]
    assert shown and all(raw_controls(text) == [] for text in shown)
    assert raw_controls(captured.stdout) == [] and raw_controls(captured.stderr) == []
    assert "\\x1b[2K\\x0d[llm] fake status" in captured.stdout
