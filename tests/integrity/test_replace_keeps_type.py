"""Item 5 of the integrity issue: ``--replace`` keeps the target's type; prose never replaces code."""

from __future__ import annotations

from pathlib import Path

from notebooks import CELLS, sources, write_notebook
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.cli.main import main

REPLY = "Here is a version that streams the file.\n\n```python\ndef load(path):\n    with open(path) as f:\n        yield from csv.DictReader(f)\n```\n"


def test_cli_replace_puts_the_code_in_place_and_shows_the_prose(tmp_path: Path, openai_env: OpenAIServer,
                                                                capsys) -> None:
    openai_env.script(Reply(text=REPLY))
    notebook = write_notebook(tmp_path / "nb.ipynb")
    code = main(["ask", str(notebook), "--replace", "c", "stream the file"])
    out = capsys.readouterr()
    assert code == 0, out.err
    after = sources(notebook)
    assert len(after) == len(CELLS)  # nothing inserted: the prose is shown, not made a cell
    assert after[2] == ("c", "code", "def load(path):\n    with open(path) as f:\n        yield from csv.DictReader(f)")
    assert "streams the file" in out.out + out.err


def test_cli_replace_with_a_prose_only_reply_changes_nothing(tmp_path: Path, openai_env: OpenAIServer,
                                                             capsys) -> None:
    openai_env.script(Reply(text="I would need to see the data first. What columns does it have?\n"))
    notebook = write_notebook(tmp_path / "nb.ipynb")
    before = notebook.read_bytes()
    code = main(["ask", str(notebook), "--replace", "c", "stream the file"])
    out = capsys.readouterr()
    assert code != 0
    assert notebook.read_bytes() == before
    assert "no code cell to put in place of cell c" in out.err
