"""`llmdev` end to end: real files, the real openai client, the loopback server, every fault."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from fixtures_llm import TEST_KEY
from notebooks import CELLS, sources, write_notebook
from openai_server import Reply

from jupyter_llmdev.cli.main import main

REPLY = (
    "Counting trips per day:\n\n"
    "```python\nfrom collections import Counter\n\n\ndef per_day(rows):\n"
    "    return Counter(r['start'][:10] for r in rows)\n```\n\n"
    "```python\nper_day(rows)\n```\n"
)


@pytest.fixture
def project(tmp_path: Path, openai_env, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project folder with ARCHITECTURE.md and a notebook; fast limits for failing requests."""
    (tmp_path / "ARCHITECTURE.md").write_text("# Trips\nPure functions only. Rule-42.\n")
    monkeypatch.setenv("LLMDEV_FIRST_TOKEN_TIMEOUT", "1.5")
    monkeypatch.setenv("LLMDEV_TOTAL_TIMEOUT", "4")
    monkeypatch.setenv("LLMDEV_REQUEST_TIMEOUT", "1.5")
    monkeypatch.setenv("LLMDEV_RETRIES", "2")
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    write_notebook(tmp_path / "trips.ipynb")
    return tmp_path


def test_ask_inserts_cells_as_one_recorded_change(project: Path, openai_env, capsys) -> None:
    openai_env.script(Reply(text=REPLY))
    path = project / "trips.ipynb"
    assert main(["ask", str(path), "--after", "c", "count", "trips", "per", "day"]) == 0
    cells = sources(path)
    assert [c[0] for c in cells[:3]] == ["a", "b", "c"]
    assert cells[3][1:] == ("markdown", "Counting trips per day:")
    assert cells[4][2].startswith("from collections import Counter")
    assert cells[5][2] == "per_day(rows)"
    assert [c[0] for c in cells[6:]] == ["d", "e"]
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    [change] = nb.metadata["jupyter_llmdev"]["changes"]
    assert change["prompt"] == "count trips per day"
    assert change["model"] == "test-model"
    assert [edit["op"] for edit in change["edits"]] == ["insert"] * 3
    assert nb.cells[4].metadata["jupyter_llmdev"]["change"] == change["id"]
    # the request carried the architecture doc, the cells with their ids, and max_tokens
    body = openai_env.completion_requests[-1].body
    sent = "\n".join(message["content"] for message in body["messages"])
    assert "Rule-42" in sent and "ARCHITECTURE.md" in sent
    assert "def load(path)" in sent and "rows = load('trips.csv')" in sent
    assert "max_tokens" in body
    out = capsys.readouterr()
    assert "per_day" in out.out  # the reply streamed to the terminal
    assert f"change {change['id']}" in out.err


def test_log_show_diff_revert_round_trip(project: Path, openai_env, capsys) -> None:
    path = project / "trips.ipynb"
    before = sources(path)
    openai_env.script(Reply(text="```python replace=c\ndef load(path):\n    with open(path) as f:\n"
                                 "        return list(csv.DictReader(f))\n```\n"))
    assert main(["ask", str(path), "--replace", "c", "close the file"]) == 0
    change_id = nbformat.read(path, as_version=4).metadata["jupyter_llmdev"]["changes"][0]["id"]
    capsys.readouterr()
    assert main(["log", str(path)]) == 0
    log = capsys.readouterr().out.splitlines()
    assert len(log) == 1 and log[0].startswith(change_id)
    assert main(["show", str(path), change_id[:4]]) == 0
    assert "close the file" in capsys.readouterr().out
    assert main(["diff", str(path), change_id, "--color", "never"]) == 0
    diff = capsys.readouterr().out
    assert "-    return list(csv.DictReader(open(path)))" in diff
    assert "+    with open(path) as f:" in diff
    assert main(["revert", str(path), change_id, "--yes"]) == 0
    shown = capsys.readouterr().out  # the diff of what the revert writes: now -> restored
    assert "-    with open(path) as f:" in shown and "+    return list(csv.DictReader(open(path)))" in shown
    assert sources(path) == before
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert [c["status"] for c in nb.metadata["jupyter_llmdev"]["changes"]] == ["reverted", "applied"]


def test_revert_refuses_over_a_hand_edit_unless_forced(project: Path, openai_env, capsys) -> None:
    path = project / "trips.ipynb"
    openai_env.script(Reply(text="```python\nx = 1\n```\n"))
    assert main(["ask", str(path), "add x"]) == 0
    nb = nbformat.read(path, as_version=4)
    change_id = nb.metadata["jupyter_llmdev"]["changes"][0]["id"]
    nb.cells[-1].source = "x = 2  # edited by hand"
    nbformat.write(nb, path)
    edited = path.read_bytes()
    capsys.readouterr()
    assert main(["revert", str(path), change_id]) == 4
    err = capsys.readouterr().err
    assert "edited" in err and "--force" in err and "Traceback" not in err
    assert path.read_bytes() == edited
    assert main(["revert", str(path), change_id, "--force", "--yes"]) == 0
    assert sources(path) == CELLS


def test_dry_run_prints_the_diff_and_writes_nothing(project: Path, openai_env, capsys) -> None:
    path = project / "trips.ipynb"
    original = path.read_bytes()
    openai_env.script(Reply(text="```python\nprint('hi')\n```\n"))
    assert main(["ask", str(path), "--dry-run", "greet"]) == 0
    assert "+print('hi')" in capsys.readouterr().out
    assert path.read_bytes() == original


FAULTS = [
    # (replies, words the message must hold)
    ([Reply(fault="429", retry_after=0.05)] * 3, ["rate limit"]),
    ([Reply(fault="500")] * 3, ["500"]),
    ([Reply(fault="timeout", hang=5)], ["first_token_timeout"]),
    ([Reply(text="```python\ndef half(", fault="cut", fault_after=2)], ["was lost", "nothing was applied"]),
    ([Reply(text="```python\nx = 1\n```", fault="malformed", fault_after=1)], ["malformed"]),
    ([Reply(fault="empty")], ["without any reply text"]),
    ([Reply(fault="400_context")], ["context"]),
    ([Reply(fault="401")], ["OPENAI_API_KEY"]),
    ([Reply(fault="404_model")], ["test-model"]),
]


@pytest.mark.parametrize("replies, words", FAULTS, ids=[f[0][0].fault for f in FAULTS])
def test_every_fault_gives_a_clear_message_and_leaves_the_file_byte_identical(
    project: Path, openai_env, capsys, replies, words
) -> None:
    path = project / "trips.ipynb"
    original = path.read_bytes()
    openai_env.script(*replies)
    assert main(["ask", str(path), "write", "a", "helper"]) == 3
    err = capsys.readouterr().err
    message = err.strip().splitlines()[-3:]
    text = " ".join(message).lower()
    for word in words:
        assert word.lower() in text, err
    assert "Traceback" not in err and TEST_KEY not in err
    assert path.read_bytes() == original


@pytest.mark.parametrize(
    "section, code, words",
    [
        ({"schema_version": 99, "changes": []}, 4, ["newer", "99"]),
        ({"schema_version": 1, "changes": "oops", "plans": [], "reviews": []}, 4, ["changes", "Nothing was changed"]),
    ],
)
def test_corrupt_or_newer_metadata_is_refused_untouched(project: Path, openai_env, capsys, section, code,
                                                         words) -> None:
    path = project / "trips.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.metadata["jupyter_llmdev"] = section
    nbformat.write(nb, path)
    original = path.read_bytes()
    openai_env.script(Reply(text="```python\nx = 1\n```\n"))
    assert main(["ask", str(path), "add x"]) == code
    err = capsys.readouterr().err
    assert all(word in err for word in words), err
    assert main(["log", str(path)]) == code
    assert path.read_bytes() == original


def test_unknown_cell_and_missing_file_are_usage_and_notebook_errors(project: Path, capsys) -> None:
    path = project / "trips.ipynb"
    assert main(["ask", str(path), "--after", "nope", "x"]) == 2
    assert "no cell with id 'nope'" in capsys.readouterr().err
    assert main(["log", str(project / "missing.ipynb")]) == 4
    assert "missing.ipynb" in capsys.readouterr().err


def test_console_script_help_for_every_command() -> None:
    script = Path(sys.executable).parent / "llmdev"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "jupyter_llmdev.cli.main"]
    for sub in ([], ["ask"], ["log"], ["show"], ["diff"], ["revert"], ["config"]):
        done = subprocess.run([*command, *sub, "--help"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "usage: llmdev" in done.stdout


def test_config_masks_the_key(project: Path, capsys) -> None:
    assert main(["config", str(project)]) == 0
    out = capsys.readouterr().out
    assert TEST_KEY not in out and TEST_KEY[-4:] in out
    assert "LLMDEV_MODEL" in out
