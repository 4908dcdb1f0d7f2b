"""Reading and writing .ipynb files: read errors, byte-identical round trips, atomic writes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from jupyter_llmdev.errors import NotebookError, NotebookReadError
from jupyter_llmdev.notebook.apply import apply_changeset
from jupyter_llmdev.notebook.changeset import CellState, ChangeSet, Edit
from jupyter_llmdev.notebook.io import read_notebook, write_notebook


def rich_notebook() -> Any:
    return new_notebook(
        cells=[
            new_markdown_cell("# Données 🙂\n\nSome *text*.", id="md1"),
            new_code_cell(
                "import math\nprint(math.pi)\n",
                id="code1",
                execution_count=3,
                outputs=[
                    new_output("stream", name="stdout", text="3.141592653589793\n"),
                    new_output("execute_result", data={"text/plain": "42"}, execution_count=3),
                ],
                metadata={"tags": ["keep"], "collapsed": False},
            ),
            new_code_cell("", id="empty"),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python", "version": "3.11.7"},
        },
    )


def files_in(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.ipynb"
    with pytest.raises(NotebookReadError, match="no such file") as info:
        read_notebook(path)
    assert str(path) in str(info.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(NotebookReadError, match="is a directory"):
        read_notebook(tmp_path)


def test_not_json_names_path_and_position(tmp_path: Path) -> None:
    path = tmp_path / "bad.ipynb"
    path.write_text('{\n "cells": [,]\n}\n', encoding="utf-8")
    with pytest.raises(NotebookReadError) as info:
        read_notebook(path)
    message = str(info.value)
    assert str(path) in message and "not valid JSON (line 2, column" in message
    assert len(message.splitlines()) <= 3


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.ipynb"
    path.write_bytes(b'{"nbformat": 4, "x": "\xe9"}')
    with pytest.raises(NotebookReadError, match="not UTF-8"):
        read_notebook(path)


@pytest.mark.parametrize("content", ["[1, 2]", '{"cells": []}', '{"nbformat": "4"}'])
def test_json_but_not_a_notebook(tmp_path: Path, content: str) -> None:
    path = tmp_path / "data.ipynb"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NotebookReadError, match="not a Jupyter notebook") as info:
        read_notebook(path)
    assert str(path) in str(info.value)


def test_invalid_notebook(tmp_path: Path) -> None:
    path = tmp_path / "invalid.ipynb"
    data = json.loads(nbformat.writes(rich_notebook()))
    data["cells"][1]["cell_type"] = "spreadsheet"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(NotebookReadError, match="is not a valid notebook") as info:
        read_notebook(path)
    assert str(path) in str(info.value) and len(str(info.value).splitlines()) <= 3


def test_newer_nbformat_major(tmp_path: Path) -> None:
    path = tmp_path / "v5.ipynb"
    path.write_text(
        '{"nbformat": 5, "nbformat_minor": 0, "cells": [], "metadata": {}}', encoding="utf-8"
    )
    with pytest.raises(NotebookReadError, match="nbformat 5"):
        read_notebook(path)


def test_v4_4_file_is_upgraded_in_memory_with_ids(tmp_path: Path) -> None:
    path = tmp_path / "old.ipynb"
    data = json.loads(nbformat.writes(rich_notebook()))
    data["nbformat_minor"] = 4
    for cell in data["cells"]:
        del cell["id"]
    path.write_text(json.dumps(data), encoding="utf-8")
    original = path.read_bytes()
    nb = read_notebook(path)
    assert nb.nbformat_minor == 5
    ids = [cell.id for cell in nb.cells]
    assert all(ids) and len(set(ids)) == 3
    nbformat.validate(nb)
    assert path.read_bytes() == original
    write_notebook(path, nb)
    assert "orig_nbformat" not in path.read_text(encoding="utf-8")


def test_round_trip_of_a_file_written_by_nbformat_is_byte_identical(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(rich_notebook(), path)  # what Jupyter's contents manager calls
    original = path.read_bytes()
    write_notebook(path, read_notebook(path))
    assert path.read_bytes() == original


def test_round_trip_of_a_file_saved_by_jupyter_server_is_byte_identical(tmp_path: Path) -> None:
    from jupyter_server.services.contents.filemanager import FileContentsManager

    manager = FileContentsManager(root_dir=str(tmp_path))
    content = json.loads(nbformat.writes(rich_notebook()))
    manager.save({"type": "notebook", "format": "json", "content": content}, "saved.ipynb")
    path = tmp_path / "saved.ipynb"
    original = path.read_bytes()
    assert original.endswith(b"}\n") and b'\n "cells": [\n' in original
    write_notebook(path, read_notebook(path))
    assert path.read_bytes() == original


def test_write_keeps_permissions_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(rich_notebook(), path)
    os.chmod(path, 0o640)
    nb = read_notebook(path)
    apply_changeset(
        nb, ChangeSet([Edit("insert", "n1", after=CellState("code", "x"), anchor=None)], role="ask")
    )
    write_notebook(path, nb)
    assert files_in(tmp_path) == ["nb.ipynb"]
    assert os.stat(path).st_mode & 0o777 == 0o640
    again = read_notebook(path)
    assert again.cells[0].id == "n1"
    nbformat.validate(again)


def test_new_file_gets_the_umask_default_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.ipynb"
    umask = os.umask(0o022)
    try:
        write_notebook(path, rich_notebook())
    finally:
        os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert path.read_text(encoding="utf-8") == nbformat.writes(rich_notebook()) + "\n"


def test_invalid_notebook_is_not_written(tmp_path: Path) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(rich_notebook(), path)
    original = path.read_bytes()
    nb = read_notebook(path)
    nb.cells[0]["cell_type"] = "spreadsheet"
    with pytest.raises(NotebookError, match="would be invalid") as info:
        write_notebook(path, nb)
    assert "not changed" in str(info.value)
    assert path.read_bytes() == original
    assert files_in(tmp_path) == ["nb.ipynb"]


def test_failed_replace_keeps_the_original_and_removes_the_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "nb.ipynb"
    nbformat.write(rich_notebook(), path)
    original = path.read_bytes()
    nb = read_notebook(path)
    nb.cells[0].source = "changed"

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        write_notebook(path, nb)
    monkeypatch.undo()
    assert path.read_bytes() == original
    assert files_in(tmp_path) == ["nb.ipynb"]


def test_write_through_a_symlink_updates_the_target(tmp_path: Path) -> None:
    real = tmp_path / "real.ipynb"
    nbformat.write(rich_notebook(), real)
    link = tmp_path / "link.ipynb"
    link.symlink_to(real)
    nb = read_notebook(link)
    nb.cells[0].source = "via link"
    write_notebook(link, nb)
    assert link.is_symlink()
    assert read_notebook(real).cells[0].source == "via link"
    assert files_in(tmp_path) == ["link.ipynb", "real.ipynb"]


def test_v3_file_is_converted_to_v45(tmp_path: Path) -> None:
    import nbformat.v3 as v3

    old = v3.new_notebook(
        worksheets=[
            v3.new_worksheet(
                cells=[v3.new_code_cell(input="x = 1"), v3.new_text_cell("markdown", source="# hi")]
            )
        ]
    )
    path = tmp_path / "v3.ipynb"
    path.write_text(v3.writes_json(old), encoding="utf-8")
    nb = read_notebook(path)
    assert (nb.nbformat, nb.nbformat_minor) == (4, 5)
    assert [(cell.cell_type, cell.source) for cell in nb.cells] == [
        ("code", "x = 1"),
        ("markdown", "# hi"),
    ]
    assert all(cell.id for cell in nb.cells)
    nbformat.validate(nb)
