"""Item 11 of the integrity issue (magic part): the context summary is shown once, in the status
line, not again after the final note."""

from __future__ import annotations

from pathlib import Path

from notebooks import write_notebook
from openai_server import OpenAIServer, Reply
from shells import run_cell, shell_with_extension


def test_context_line_appears_once(tmp_path: Path, openai_env: OpenAIServer) -> None:
    openai_env.script(Reply(text="```python\nx = 1\n```\n"))
    notebook = write_notebook(tmp_path / "nb.ipynb")
    with shell_with_extension(notebook) as shell:
        result, captured = run_cell(shell, "%llm make x")
    assert result.success, captured.stderr
    shown = captured.stdout + captured.stderr
    assert shown.count("[llm] context:") == 1, shown
