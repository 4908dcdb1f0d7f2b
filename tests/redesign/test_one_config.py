"""Issue 10, "One configuration": one Jupyter config seen by every front end, one TOML reader,
and every accepted setting used (``context_cells``, ``--no-markdown``).

Real parts only: the CLI's ``main``, a real IPython InteractiveShell, an in-process Jupyter
server (pytest-jupyter), real notebooks and the loopback OpenAI-compatible server.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import test_server as _server_tests
from notebooks import write_notebook
from openai_server import Reply
from pytest_jupyter.jupyter_server import *  # noqa: F403
from shells import run_cell, shell_with_extension
from test_server import request, until_final

from jupyter_llmdev.cli.main import main

run = _server_tests.run

#: the value every front end must see; unlike any default
BUDGET = 7777
CONFIG_LINE = f"c.LLMDevConfig.context_budget = {BUDGET}\n"


def _budget_row(table: str) -> str:
    return next(line for line in table.splitlines() if line.startswith("context_budget "))


@pytest.fixture
def jupyter_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``jupyter_config.py`` in the user's Jupyter config folder (conftest makes it the test's)."""
    import os

    path = Path(os.environ["JUPYTER_CONFIG_DIR"]) / "jupyter_config.py"
    path.write_text(CONFIG_LINE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return path


# -- one Jupyter config, three front ends --------------------------------------------------------


def test_the_cli_reads_the_jupyter_config_file_and_names_it(jupyter_config_file: Path, capsys) -> None:
    assert main(["config", "."]) == 0
    row = _budget_row(capsys.readouterr().out)
    assert str(BUDGET) in row and str(jupyter_config_file) in row


def test_the_kernel_reads_the_same_jupyter_config_file(jupyter_config_file: Path) -> None:
    with shell_with_extension() as shell:
        result, captured = run_cell(shell, "%llm config")
    assert result.success, captured.stdout
    row = _budget_row(captured.stdout)
    assert str(BUDGET) in row and str(jupyter_config_file) in row


def test_a_broken_jupyter_config_file_is_named_by_the_cli_and_the_kernel(jupyter_config_file: Path, capsys) -> None:
    jupyter_config_file.write_text("c.LLMDevConfig.context_budget = (\n", encoding="utf-8")
    assert main(["config", "."]) != 0
    err = capsys.readouterr().err
    assert f"Cannot read {jupyter_config_file}" in err and "Traceback" not in err
    with shell_with_extension() as shell:
        result, captured = run_cell(shell, "%llm config")
    shown = captured.stdout + captured.stderr + str(result.error_in_exec)
    assert f"Cannot read {jupyter_config_file}" in shown and "Traceback" not in shown


def test_the_kernel_reads_its_own_config_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ipython_kernel_config.py`` / ``%config`` land in ``shell.config``; they win over the files."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config.loader import PyFileConfigLoader

    monkeypatch.chdir(tmp_path)
    (tmp_path / "ipython_kernel_config.py").write_text(CONFIG_LINE.replace(str(BUDGET), "4321"))
    config = PyFileConfigLoader("ipython_kernel_config.py", path=str(tmp_path)).load_config()
    shell = InteractiveShell(config=config)
    try:
        shell.run_line_magic("load_ext", "jupyter_llmdev")
        result, captured = run_cell(shell, "%llm config")
        assert result.success, captured.stdout
        assert "4321" in _budget_row(captured.stdout)
        run_cell(shell, "%config LLMDevConfig.context_budget = 1234")
        result, captured = run_cell(shell, "%llm config")
        assert "1234" in _budget_row(captured.stdout)
    finally:
        shell.run_line_magic("unload_ext", "jupyter_llmdev")
        InteractiveShell.clear_instance()


def test_the_kernel_has_one_llmdev_configurable_whose_help_config_shows(tmp_path: Path, monkeypatch) -> None:
    """``%config LLMDevConfig`` lists every setting with its help, like any IPython configurable."""
    monkeypatch.chdir(tmp_path)
    with shell_with_extension() as shell:
        shell.run_line_magic("load_ext", "jupyter_llmdev")  # again: still one instance
        result, captured = run_cell(shell, "%config LLMDevConfig")
        assert result.success, captured.stdout
        assert "LLMDevConfig.context_cells" in captured.stdout
        assert sum(type(c).__name__ == "LLMDevConfig" for c in shell.configurables) == 1


def test_a_bad_value_in_the_kernel_config_is_named_at_the_first_llm_not_at_load(tmp_path, monkeypatch) -> None:
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    monkeypatch.chdir(tmp_path)
    shell = InteractiveShell(config=Config({"LLMDevConfig": {"context_budget": "lots"}}))
    try:
        shell.run_line_magic("load_ext", "jupyter_llmdev")
        result, captured = run_cell(shell, "%llm config")
        assert not result.success or "context_budget" in captured.stdout + captured.stderr
        assert "c.LLMDevConfig.context_budget" in captured.stdout + captured.stderr + str(result.error_in_exec)
    finally:
        shell.run_line_magic("unload_ext", "jupyter_llmdev")
        InteractiveShell.clear_instance()


@pytest.fixture
def jp_server_config() -> Any:
    """The server's own config object, as its config files make it, with ``c.LLMDevConfig``."""
    from traitlets.config import Config

    config = _server_tests.jp_server_config.__wrapped__()
    return Config({**config, "LLMDevConfig": {"context_budget": BUDGET}})


def test_the_server_reads_its_config_object(jp_ws_fetch, run) -> None:
    async def go() -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        await ws.write_message(request("/config"))
        seen = await until_final(ws)
        ws.close()
        return seen

    final = run(go())[-1]
    assert final["type"] == "done", final
    text = json.dumps(final)
    assert f"context_budget  {BUDGET}" in re.sub(r" {2,}", "  ", text)


# -- context_cells: at most N cells besides the target -------------------------------------------


CELLS = [(f"c{n}", "code", f"step_{n} = {n}") for n in range(1, 9)]


@pytest.fixture
def notebook(tmp_path: Path, openai_env, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    monkeypatch.setenv("LLMDEV_RETRIES", "0")
    return write_notebook(tmp_path / "steps.ipynb", CELLS)


def _cells_sent(openai_env: Any) -> list[str]:
    sent = "\n".join(m["content"] for m in openai_env.completion_requests[-1].body["messages"])
    return re.findall(r'<cell id="(c\d+)"', sent)


def test_context_cells_caps_the_other_cells_sent(notebook: Path, openai_env, capsys) -> None:
    (notebook.parent / "pyproject.toml").write_text("[tool.llmdev]\ncontext_cells = 2\n")
    openai_env.script(Reply(text="```python\nx = 1\n```\n"))
    assert main(["ask", str(notebook), "--after", "c5", "add x"]) == 0
    # the target, then the nearest: one above, one below
    assert _cells_sent(openai_env) == ["c4", "c5", "c6"]
    assert "context_cells 2" in capsys.readouterr().err


def test_context_cells_zero_means_no_limit(notebook: Path, openai_env) -> None:
    (notebook.parent / "pyproject.toml").write_text("[tool.llmdev]\ncontext_cells = 0\n")
    openai_env.script(Reply(text="```python\nx = 1\n```\n"))
    assert main(["ask", str(notebook), "--after", "c5", "add x"]) == 0
    assert _cells_sent(openai_env) == [cell_id for cell_id, _, _ in CELLS]


def test_context_cells_holds_in_the_kernel(notebook: Path, openai_env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMDEV_CONTEXT_CELLS", "1")
    openai_env.script(Reply(text="```python\nx = 1\n```\n"))
    with shell_with_extension(notebook) as shell:
        result, captured = run_cell(shell, "%llm --after c8 add x")
    assert result.success, captured.stdout
    assert _cells_sent(openai_env) == ["c7", "c8"]


# -- %llm --no-markdown: prose shown, not inserted ------------------------------------------------


PROSE_REPLY = "Here is the counter.\n\n```python\ncount = 0\n```\n\nThen print it.\n\n```python\nprint(count)\n```\n"


def test_no_markdown_inserts_no_markdown_cell(tmp_path: Path, openai_env, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    monkeypatch.chdir(tmp_path)
    openai_env.script(Reply(text=PROSE_REPLY), Reply(text=PROSE_REPLY))
    with shell_with_extension() as shell:
        result, with_prose = run_cell(shell, "%llm count things")
        assert result.success, with_prose.stdout
        assert "markdown cell" in with_prose.stdout  # by default the prose becomes cells
        result, captured = run_cell(shell, "%llm --no-markdown count things")
    assert result.success, captured.stdout
    assert "markdown cell" not in captured.stdout
    assert "Then print it." in captured.stdout  # shown, not lost
    assert shell.rl_next_input == "count = 0"


# -- one TOML reader ------------------------------------------------------------------------------


def test_a_broken_pyproject_gives_one_error_from_config_and_from_export(tmp_path: Path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llmdev]\nlib_path = "pkg\n', encoding="utf-8")
    write_notebook(tmp_path / "nb.ipynb", [("a", "code", "#| export\ndef f():\n    return 1")])

    assert main(["config", str(tmp_path)]) != 0
    from_config = capsys.readouterr().err
    assert main(["export", str(tmp_path / "nb.ipynb")]) != 0
    from_export = capsys.readouterr().err

    assert "is not valid TOML" in from_config and "line 2" in from_config
    assert from_config == from_export


llm_env = _server_tests.llm_env


def test_the_panels_ask_no_markdown_proposes_no_markdown_cell(jp_ws_fetch, run, llm_env) -> None:
    llm_env.script(Reply(text=PROSE_REPLY), Reply(text=PROSE_REPLY))

    async def go() -> list[dict[str, Any]]:
        ws = await jp_ws_fetch("jupyter-llmdev", "chat")
        finals = []
        for number, line in enumerate(("/ask count things", "/ask --no-markdown count things")):
            await ws.write_message(request(line, f"r{number}"))
            finals.append((await until_final(ws, f"r{number}"))[-1])
        ws.close()
        return finals

    with_prose, without = run(go())
    kinds = [[edit["after"]["cell_type"] for edit in final["changeset"]["edits"]] for final in (with_prose, without)]
    assert "markdown" in kinds[0]
    assert kinds[1] == ["code", "code"]
    assert "Then print it." in json.dumps(without["prose"])
