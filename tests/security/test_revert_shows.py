"""Finding 9: revert must show the code it restores before it writes it (CLI; the panel: tests/ui).

The attack: a downloaded notebook's history holds a change whose ``before`` is code nobody ever
saw (``os.system(...)``); ``log``/``show`` say only "tidy the loader, 1 edit". Reverting it used
to write that code into the cell without showing it.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from crafted_history import HIDDEN, change_record, write_crafted

from jupyter_llmdev.cli.main import main

LOADER = "def load(path):\n    return open(path).read()"
CELLS = [("a", "markdown", "# Loader"), ("c", "code", LOADER)]
EDIT = {"op": "replace", "cell_id": "c", "before": {"cell_type": "code", "source": HIDDEN},
        "after": {"cell_type": "code", "source": LOADER}}


@pytest.fixture
def crafted(tmp_path: Path) -> Path:
    return write_crafted(tmp_path / "downloaded.ipynb", CELLS, [change_record("c0ffee01", [EDIT])])


def llmdev(*argv: str, stdin: int | None = subprocess.DEVNULL, cwd: Path) -> subprocess.CompletedProcess:
    """The real ``llmdev`` in a child process (so stdin is really a terminal or really not)."""
    return subprocess.run([sys.executable, "-m", "jupyter_llmdev.cli.main", *argv], stdin=stdin, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def cell_source(path: Path, cell_id: str) -> str:
    nb = nbformat.read(path, as_version=4)
    return next(cell.source for cell in nb.cells if cell.id == cell_id)


def test_revert_off_a_terminal_shows_the_restored_code_and_writes_nothing_without_yes(crafted: Path) -> None:
    before = crafted.read_bytes()
    done = llmdev("revert", str(crafted), "c0ffee01", cwd=crafted.parent)
    assert done.returncode == 2, done.stderr
    assert "+os.system('x')" in done.stdout  # the diff of what the revert would write
    assert "-    return open(path).read()" in done.stdout
    assert "--yes" in done.stderr and "nothing" in done.stderr.lower()
    assert crafted.read_bytes() == before


def test_revert_with_yes_shows_the_diff_then_writes(crafted: Path) -> None:
    done = llmdev("revert", str(crafted), "c0ffee01", "--yes", cwd=crafted.parent)
    assert done.returncode == 0, done.stderr
    assert "+os.system('x')" in done.stdout
    assert cell_source(crafted, "c") == HIDDEN
    changes = nbformat.read(crafted, as_version=4).metadata["jupyter_llmdev"]["changes"]
    assert [c["status"] for c in changes] == ["reverted", "applied"] and changes[1]["reverts"] == "c0ffee01"


@pytest.mark.parametrize(("answer", "written"), [(b"n\n", False), (b"\n", False), (b"y\n", True)])
def test_revert_on_a_terminal_asks_after_the_diff(crafted: Path, answer: bytes, written: bool) -> None:
    before = crafted.read_bytes()
    leader, follower = pty.openpty()
    try:
        os.write(leader, answer)  # typed ahead; the terminal holds it until llmdev reads
        done = llmdev("revert", str(crafted), "c0ffee01", stdin=follower, cwd=crafted.parent)
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 0, done.stderr
    assert "+os.system('x')" in done.stdout
    assert "[y/N]" in done.stderr
    if written:
        assert cell_source(crafted, "c") == HIDDEN
    else:
        assert crafted.read_bytes() == before
        assert "nothing was written" in done.stderr.lower()


def test_revert_in_process_needs_yes_too(crafted: Path, capsys) -> None:
    before = crafted.read_bytes()
    assert main(["revert", str(crafted), "c0ffee01"]) == 2
    out = capsys.readouterr()
    assert "os.system('x')" in out.out and "--yes" in out.err
    assert crafted.read_bytes() == before
