"""Issue 14, item 8: a headless run (nbclient) says what happened to a change, and the log agrees.

Without the JupyterLab extension the kernel cannot put cells into the notebook nor record the
change in the notebook file: it keeps the change for its session (so ``review`` and ``fix``
work on it) and hands the first cell to the front end as the next input, which nbclient drops.
Before, the note said the change "is not recorded in the notebook" and ``%llm log`` then listed
it as ``applied``, like a change the notebook holds. Now both say the same thing: the change is
kept in this kernel session only.

The notebook is executed by nbclient in a real ipykernel, against the loopback server.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from fixtures_llm import TEST_KEY
from openai_server import OpenAIServer, Reply

REPLY = "Here you go.\n\n```python\ndef per_day(rows):\n    return {}\n```\n\n```python\nper_day([])\n```\n"


def outputs(cell: dict) -> str:
    return "".join(output.get("text", "") for output in cell["outputs"] if output["output_type"] == "stream")


@pytest.fixture
def executed(tmp_path: Path, openai_server: OpenAIServer) -> tuple[list[dict], Path]:
    from nbclient import NotebookClient
    from nbformat.v4 import new_code_cell, new_notebook

    openai_server.responder = lambda body: Reply(text=REPLY)
    path = tmp_path / "headless.ipynb"
    nb = new_notebook(cells=[new_code_cell("%load_ext jupyter_llmdev"), new_code_cell("%llm count trips per day"),
                             new_code_cell("%llm log")],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                               "language": "python"}})
    nbformat.write(nb, path)
    saved = path.read_bytes()
    env = {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": TEST_KEY, "JPY_SESSION_NAME": str(path),
           "IPYTHONDIR": str(tmp_path / "ipython"), "LLMDEV_RETRIES": "0"}
    previous = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    assert path.read_bytes() == saved  # the kernel never rewrites the notebook file
    return nb.cells, path


def test_the_note_and_the_log_agree_under_nbclient(executed: tuple[list[dict], Path]) -> None:
    cells, _ = executed
    note, log = outputs(cells[1]), outputs(cells[2])
    [change_line] = [line for line in log.splitlines() if line.strip()][:1]
    change_id = change_line.split()[0]
    # the note names the change, says where it is kept, and that the notebook file does not hold it
    assert f"change {change_id}" in note, note
    assert "kept in this kernel session only" in note and "the notebook file does not record it" in note, note
    assert "is inserted below" not in note  # nbclient drops the next input: nothing was inserted
    # the log lists it as what it is: kept by the session, not a change the notebook holds
    assert change_line.split()[3] == "session", log
    assert "applied" not in change_line
    assert "session: kept in this kernel session only" in log, log
    assert "not recorded in the notebook" not in note + log
