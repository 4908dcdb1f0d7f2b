"""`%llm` / `%%llm` on a real IPython InteractiveShell against the loopback server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from notebooks import write_notebook
from openai_server import Reply
from shells import run_cell, shell_with_extension

TWO_CELLS = "Here you go.\n\n```python\ndef per_day(rows):\n    return {}\n```\n\n```python\nper_day(rows)\n```\n"


@pytest.fixture
def ip(openai_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> InteractiveShell:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    monkeypatch.setenv("LLMDEV_FIRST_TOKEN_TIMEOUT", "1.5")
    monkeypatch.setenv("LLMDEV_RETRIES", "1")
    with shell_with_extension() as shell:
        yield shell


run = run_cell


def test_load_ext_does_not_import_openai() -> None:
    """Nor the client's machinery (asyncio, ssl, subprocess: ~100 ms), nor nbformat/jsonschema."""
    heavy = ('openai', 'httpx', 'nbformat', 'jsonschema', 'asyncio', 'ssl', 'subprocess')
    probe = ("import sys\nfrom IPython.core.interactiveshell import InteractiveShell\n"
             f"before = {{m for m in {heavy!r} if m in sys.modules}}\n"
             "InteractiveShell.instance().run_line_magic('load_ext', 'jupyter_llmdev')\n"
             f"print(sorted(m for m in {heavy!r} if m in sys.modules and m not in before))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_line_magic_streams_then_offers_first_cell_and_shows_the_rest(ip, openai_env) -> None:
    openai_env.script(Reply(text=TWO_CELLS, chunk_size=7))
    result, captured = run(ip, "%llm count trips per day")
    assert result.success, captured.stdout
    assert "def per_day(rows):" in captured.stdout  # streamed
    # no notebook, no frontend: the first cell goes in through set_next_input, the rest is shown
    # ...always as a code cell: the markdown prose stays in the streamed output
    assert ip.rl_next_input == "def per_day(rows):\n    return {}"
    assert "markdown cell 1 of 2 more" in captured.stdout and "code cell 2 of 2 more" in captured.stdout
    assert "kept in this kernel session only" in captured.stdout
    assert "the notebook file does not record it" in captured.stdout
    body = openai_env.completion_requests[-1].body
    assert body["messages"][-1]["content"].endswith("count trips per day")


def test_cell_magic_replace_and_variable_summary(ip, openai_env) -> None:
    ip.user_ns["rows"] = [{"start": "2026-05-01"}] * 3
    openai_env.script(Reply(text="```python\nlen(rows)\n```\n"))
    result, captured = run(ip, "%%llm --replace\nsummarise {rows}\n")
    assert result.success, captured.stdout
    assert ip.rl_next_input == "len(rows)"
    sent = "\n".join(m["content"] for m in openai_env.completion_requests[-1].body["messages"])
    assert "rows" in sent and "list" in sent and "3" in sent


def test_context_comes_from_the_saved_notebook_and_architecture_doc(ip, openai_env, tmp_path: Path) -> None:
    (tmp_path / "ARCHITECTURE.md").write_text("# Trips\nRule-7: no pandas.\n")
    path = write_notebook(tmp_path / "trips.ipynb")
    ip.user_ns["__session__"] = str(path)
    openai_env.script(Reply(text="```python\nx = 1\n```\n"))
    result, captured = run(ip, "%llm add x")
    assert result.success, captured.stdout
    sent = "\n".join(m["content"] for m in openai_env.completion_requests[-1].body["messages"])
    assert "Rule-7: no pandas." in sent
    assert "def load(path)" in sent
    assert "context: 5 cells" in captured.stderr  # the status line, shown once


@pytest.mark.parametrize("fault, words", [("401", "OPENAI_API_KEY"), ("404_model", "test-model"),
                                          ("400_context", "context")])
def test_errors_render_as_short_messages_without_traceback(ip, openai_env, fault, words) -> None:
    openai_env.script(Reply(fault=fault))
    result, captured = run(ip, "%llm write a helper")
    assert not result.success
    assert isinstance(result.error_in_exec, Exception)
    rendered = result.error_in_exec._render_traceback_()
    assert 1 <= len(rendered) <= 4 and "jupyter-llmdev:" in rendered[0]
    assert words in "\n".join(rendered)
    assert getattr(ip, "rl_next_input", None) is None


def test_cut_stream_keeps_the_text_marked_incomplete_and_inserts_nothing(ip, openai_env) -> None:
    openai_env.script(Reply(text="```python\ndef half(x):\n    return x / 2\n```\n", chunk_size=6,
                            fault="cut", fault_after=3))
    result, captured = run(ip, "%llm halve")
    assert not result.success
    assert "```python\ndef half\n[incomplete reply" in captured.stdout
    assert "[incomplete reply" in captured.stdout
    assert getattr(ip, "rl_next_input", None) is None


def test_ctrl_c_stops_cleanly_and_inserts_nothing(ip, openai_env) -> None:
    openai_env.script(Reply(text="```python\n" + "x = 1\n" * 40 + "```\n", chunk_size=4, delay_between=0.05))
    main_thread = threading.main_thread().ident

    def interrupt() -> None:
        signal.pthread_kill(main_thread, signal.SIGINT)

    timer = threading.Timer(0.4, interrupt)
    timer.start()
    try:
        result, captured = run(ip, "%llm many lines")
    finally:
        timer.cancel()
    assert "[stopped" in captured.stdout
    assert "nothing was inserted" in captured.stdout
    assert getattr(ip, "rl_next_input", None) is None
    assert openai_env.wait_for_disconnects(1)


def test_unbuilt_commands_and_bad_flags_say_so(ip) -> None:
    result, _ = run(ip, "%llm plan --frobnicate a new module")
    assert "Unknown flag --frobnicate for `plan`" in str(result.error_in_exec)
    result, _ = run(ip, "%llm --frobnicate do it")
    assert "Unknown flag --frobnicate" in str(result.error_in_exec)
    result, captured = run(ip, "%llm help")
    assert result.success and "revert" in captured.stdout


def test_log_reads_the_saved_notebook(ip, tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "trips.ipynb")
    ip.user_ns["__session__"] = str(path)
    result, captured = run(ip, "%llm log")
    assert result.success
    assert "No changes recorded" in captured.stdout
    os.remove(path)


def test_export_magic_writes_the_saved_notebooks_module(ip, tmp_path: Path) -> None:
    path = write_notebook(tmp_path / "trips.ipynb", [
        ("h", "code", "#| default_exp trips"),
        ("f", "code", "#| export\ndef per_day(rows):\n    return {}"),
        ("t", "code", "%llm test it"),
    ])
    ip.user_ns["__session__"] = str(path)
    result, captured = run(ip, "%llm export")
    assert result.success, captured.stdout
    module = (tmp_path / "trips.py").read_text()
    assert "def per_day(rows):" in module and "%llm" not in module
    assert "1 file(s) written" in captured.stdout
    (tmp_path / "trips.py").write_text(module + "\nx = 1\n")
    result, captured = run(ip, "%llm export --check")
    assert not result.success and "out of date" in str(result.error_in_exec)
    assert "trips.py" in captured.stdout
