"""``llmdev export`` through its argparse subcommand: output, ``--check`` exit codes, errors."""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from jupyter_llmdev.cli import export_cmd
from jupyter_llmdev.errors import CommandError, ExportError


def export_args(*argv: str) -> argparse.Namespace:
    subparsers = argparse.ArgumentParser(prog="llmdev").add_subparsers()
    export_cmd.add_parser(subparsers)
    return subparsers.choices["export"].parse_args(list(argv))


def make_notebook(path: Path, *sources: str) -> Path:
    nb = new_notebook(cells=[new_code_cell(source) for source in sources])
    for index, cell in enumerate(nb.cells):
        cell.id = f"c{index}"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_export_then_check_in_ci(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()  # the project root, which --to must stay inside
    make_notebook(tmp_path / "nbs" / "core.ipynb", "#| export\nX = 1")
    check = export_args("nbs/core.ipynb", "--to", "lib", "--check")
    assert check.handler(check) == 1
    out = capsys.readouterr().out
    assert (
        "1 file(s) out of date:\n  lib/core.py (from nbs/core.ipynb)\n"
        "Run `llmdev export nbs/core.ipynb --to lib` to update them." in out
    )
    assert not (tmp_path / "lib").exists()

    args = export_args("nbs/core.ipynb", "--to", "lib")
    assert args.handler(args) == 0
    assert (
        "wrote lib/core.py (from nbs/core.ipynb)\n1 file(s) written, 0 unchanged."
        in capsys.readouterr().out
    )
    assert check.handler(check) == 0
    assert capsys.readouterr().out == "1 module(s) up to date.\n"


def test_warnings_go_to_stderr(tmp_path: Path, capsys) -> None:
    notebook = make_notebook(tmp_path / "w.ipynb", "#| export\nX = 1", "#| export\n%%bash\nls")
    args = export_args(str(notebook))
    assert args.handler(args) == 0
    captured = capsys.readouterr()
    assert "llmdev: warning: w.ipynb cell c1 runs %%bash" in captured.err
    assert "%%bash" not in captured.out


def test_usage_errors(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = export_args()
    with pytest.raises(CommandError, match="No notebook given"):
        args.handler(args)
    (tmp_path / "notes.txt").write_text("")
    args = export_args("notes.txt")
    with pytest.raises(CommandError, match="not a notebook"):
        args.handler(args)
    make_notebook(tmp_path / "empty.ipynb", "x = 1")
    args = export_args(str(tmp_path))
    with pytest.raises(ExportError, match="No exported cells"):
        args.handler(args)


def test_project_without_arguments(tmp_path: Path, capsys, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.llmdev]\nlib_path = "pkg"\n')
    make_notebook(tmp_path / "nbs" / "a.ipynb", "#| export\nA = 1")
    make_notebook(tmp_path / "nbs" / "_scratch.ipynb", "#| export\nB = 1")
    make_notebook(tmp_path / "nbs" / "notes.ipynb", "print('no exports here')")
    monkeypatch.chdir(tmp_path / "nbs")
    args = export_args()
    assert args.handler(args) == 0
    assert sorted(path.name for path in (tmp_path / "pkg").iterdir()) == ["__init__.py", "a.py"]
    assert "2 file(s) written" in capsys.readouterr().out
