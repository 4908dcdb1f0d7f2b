"""Finding 8: notebook JSON or metadata nested hundreds of levels deep.

Before: ``llmdev log/show/diff/revert`` died with a 1,000-frame RecursionError traceback and
exit code 1 (undocumented). Now: a NotebookReadError or MetadataError of one to three lines, the
documented exit code 4, and the file untouched. The same limit (``MAX_DEPTH`` = 100 levels of
objects and lists) guards the metadata section handed in by the panel or the kernel, and the
kernel's comm snapshots.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from notebooks import write_notebook

from jupyter_llmdev.cli.main import main
from jupyter_llmdev.errors import MetadataError
from jupyter_llmdev.kernel.comm import LiveChannel
from jupyter_llmdev.notebook.metadata import empty_section, read_section
from jupyter_llmdev.safety.nesting import MAX_DEPTH

COMMANDS = [["log"], ["show", "abc"], ["diff", "abc"], ["revert", "abc", "--yes"]]


def nested_text(levels: int, inner: str = "1") -> str:
    """JSON text of ``levels`` objects inside each other (built as text: no recursion)."""
    return '{"x": ' * levels + inner + "}" * levels


def nested(levels: int) -> Any:
    """The same as data, built iteratively."""
    value: Any = 1
    for _ in range(levels):
        value = {"x": value}
    return value


def crafted(tmp_path: Path, where: str, levels: int) -> Path:
    """A real notebook with a value nested ``levels`` deep in the notebook metadata, the
    jupyter_llmdev section, or a cell's metadata."""
    path = write_notebook(tmp_path / f"{where}.ipynb")
    data = json.loads(path.read_text(encoding="utf-8"))
    if where == "notebook":
        data["metadata"]["llm_extra"] = "@@"
    elif where == "section":
        section = empty_section()
        section["changes"] = "@@"
        data["metadata"]["jupyter_llmdev"] = section
    else:
        data["cells"][1]["metadata"]["llm_extra"] = "@@"
    text = json.dumps(data, indent=1).replace('"@@"', nested_text(levels))
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize(("where", "levels"),
                         [("notebook", 600), ("section", 900), ("cell", 400), ("notebook", 100_000)])
def test_deep_notebooks_are_refused_with_exit_code_4(tmp_path, capsys, command, where, levels) -> None:
    path = crafted(tmp_path, where, levels)
    before = path.read_bytes()
    code = main([command[0], str(path), *command[1:]])
    err = capsys.readouterr().err
    assert code == 4, err
    assert f"nested deeper than {MAX_DEPTH} levels" in err and str(path) in err
    assert 1 <= len(err.strip().splitlines()) <= 3 and "Traceback" not in err
    assert path.read_bytes() == before


def test_the_real_cli_prints_one_short_message(tmp_path) -> None:
    path = crafted(tmp_path, "section", 950)
    before = path.read_bytes()
    result = subprocess.run([sys.executable, "-m", "jupyter_llmdev.cli.main", "log", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 4, result.stderr[-2000:]
    assert "RecursionError" not in result.stderr and "Traceback" not in result.stderr
    assert 1 <= len(result.stderr.strip().splitlines()) <= 3
    assert "Nothing was changed" in result.stderr
    assert path.read_bytes() == before


def test_nesting_up_to_the_limit_still_reads(tmp_path, capsys) -> None:
    # the notebook itself is 1 level, its metadata 2: the value fills the rest
    path = crafted(tmp_path, "notebook", MAX_DEPTH - 2)
    assert main(["log", str(path)]) == 0, capsys.readouterr().err
    path = crafted(tmp_path, "notebook", MAX_DEPTH - 1)
    assert main(["log", str(path)]) == 4


def test_a_deep_section_from_the_panel_or_the_kernel_is_corrupt_metadata() -> None:
    section = empty_section()
    section["changes"] = [nested(5000)]
    with pytest.raises(MetadataError) as info:
        read_section({"metadata": {"jupyter_llmdev": section}}, path="nb.ipynb")
    message = str(info.value)
    assert f"nested deeper than {MAX_DEPTH} levels" in message and "Nothing was changed" in message
    assert 1 <= len(message.splitlines()) <= 3


def snapshot_message(cells: Any) -> dict[str, Any]:
    return {"method": "snapshot", "executing_cell_id": "run-me",
            "snapshot": {"path": "nb.ipynb", "active_cell_id": "run-me", "cells": cells}}


@pytest.mark.parametrize("cells", [
    [{"id": [nested(5000)], "cell_type": "code", "source": "x", "outputs": ""}],
    [{"id": "run-me", "cell_type": "code", "source": "x", "outputs": [nested(5000)]}],
    "not a list",
    ["not a cell"],
    [{"id": "run-me", "cell_type": "code", "source": [["nested"]], "outputs": ""}],
], ids=["deep-id", "deep-outputs", "string", "string-cell", "nested-source"])
def test_a_malformed_comm_snapshot_is_refused_and_the_channel_lives_on(cells) -> None:
    channel = LiveChannel()
    channel.connected = True
    channel.receive(snapshot_message(cells))
    assert channel.snapshot_for("run-me", wait=0) is None
    assert channel.refused and 1 <= len(channel.refused.splitlines()) <= 3
    good = [{"id": "run-me", "cell_type": "code", "source": "%llm hi", "outputs": ""}]
    channel.receive(snapshot_message(good))
    snapshot = channel.snapshot_for("run-me", wait=0)
    assert snapshot is not None and snapshot.cells[0].source == "%llm hi"
