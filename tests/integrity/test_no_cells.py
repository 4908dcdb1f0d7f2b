"""Item 10 of the integrity issue (part): ``ask``, ``build`` and ``fix`` on a file exit non-zero
when the reply holds no cells, and the file is left byte-identical."""

from __future__ import annotations

from pathlib import Path

from notebooks import write_notebook
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.cli.main import main

PROSE = "I am not sure what you mean. Which file should it read?\n"


def test_ask_with_a_prose_only_reply_exits_3_and_writes_nothing(tmp_path: Path, openai_env: OpenAIServer,
                                                                capsys) -> None:
    openai_env.script(Reply(text=PROSE))
    notebook = write_notebook(tmp_path / "nb.ipynb")
    before = notebook.read_bytes()
    code = main(["ask", str(notebook), "load it"])
    err = capsys.readouterr().err
    assert code == 3
    assert notebook.read_bytes() == before
    assert "holds no cells" in err


def test_build_without_a_plan_and_a_prose_only_reply_exits_3(tmp_path: Path, openai_env: OpenAIServer,
                                                             capsys) -> None:
    openai_env.script(Reply(text=PROSE))
    notebook = write_notebook(tmp_path / "nb.ipynb")
    before = notebook.read_bytes()
    code = main(["build", str(notebook), "--no-plan", "load the trips"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert notebook.read_bytes() == before
    assert "holds no cells" in err
