"""Issue 8, findings 3 and 4: export and sync stay inside the project (CLI) and the server's
root_dir (panel), and no cell content can make sync write to another notebook or cell.

Every test is the attack itself, through the real CLI (``main([...])``), real nbformat files and,
for the panel's Export, a real jupyter_server driven over its websocket.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
import test_server as _server_tests
from pytest_jupyter.jupyter_server import *  # noqa: F403  (jp_ws_fetch, jp_root_dir, ...)

from jupyter_llmdev import PROTOCOL_VERSION
from jupyter_llmdev.cli.main import main
from jupyter_llmdev.export.markers import code_hash

REFUSED = 5  # exit code: refused for safety
NOTEBOOK_ERROR = 4


def make_notebook(path: Path, *cells: tuple[str, str] | tuple[str, str, str]) -> Path:
    """A real notebook of (id, source) code cells, or (id, "md", source) markdown cells."""
    nb = new_notebook()
    for cell in cells:
        node = new_markdown_cell(cell[2]) if len(cell) == 3 else new_code_cell(cell[1])
        node.id = cell[0]
        nb.cells.append(node)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def nbdev_project(root: Path, lib_path: str = "mylib", nbs_path: str = "nbs") -> Path:
    """A git checkout holding an nbdev project (the project root is ``root``)."""
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "mylib"\n[tool.nbdev]\nlib_path = "{lib_path}"\nnbs_path = "{nbs_path}"\n'
    )
    return root


def snapshot_of(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes (to prove nothing was written)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def llmdev(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run the real CLI in a folder; (exit code, stdout, stderr)."""

    def run(cwd: Path, *argv: str) -> tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        code = main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


# -- finding 3: export writes outside the project / root_dir, reads notebooks anywhere -------------


@pytest.mark.parametrize("lib_path", ["../elsewhere", "../../elsewhere"])
def test_cli_export_refuses_lib_path_outside_the_project(tmp_path: Path, llmdev, lib_path: str) -> None:
    project = nbdev_project(tmp_path / "a" / "proj", lib_path=lib_path)
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))
    before = snapshot_of(tmp_path)

    code, out, err = llmdev(project, "export")

    assert code == REFUSED, (out, err)
    assert "lib_path" in err and "outside" in err and len(err.strip().splitlines()) <= 3
    assert snapshot_of(tmp_path) == before
    assert not (project / lib_path).resolve().exists()


def test_cli_export_refuses_nbs_path_outside_the_project(tmp_path: Path, llmdev) -> None:
    # nbs_path leads to notebooks of another project, whose cells would be copied in here
    make_notebook(tmp_path / "other" / "nbs" / "secret.ipynb", ("s0", "#| default_exp core"),
                  ("s1", "#| export\nTOKEN = 'other project secret'"))
    project = nbdev_project(tmp_path / "proj", nbs_path="../other/nbs")
    before = snapshot_of(tmp_path)

    code, out, err = llmdev(project, "export")

    assert code == REFUSED, (out, err)
    assert "nbs_path" in err
    assert snapshot_of(tmp_path) == before


def test_cli_export_refuses_settings_ini_lib_path_outside_the_project(tmp_path: Path, llmdev) -> None:
    project = tmp_path / "proj"
    (project / ".git").mkdir(parents=True)
    (project / "settings.ini").write_text(f"[DEFAULT]\nlib_name = mylib\nlib_path = {tmp_path / 'abs'}\n")
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))
    before = snapshot_of(tmp_path)

    code, _, err = llmdev(project, "export")

    assert code == REFUSED and "lib_path" in err
    assert snapshot_of(tmp_path) == before


def test_cli_export_refuses_to_outside_the_project(tmp_path: Path, llmdev) -> None:
    project = nbdev_project(tmp_path / "proj")
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))

    code, _, err = llmdev(project, "export", "nbs/core.ipynb", "--to", "../outside")

    assert code == REFUSED and "--to" in err
    assert not (tmp_path / "outside").exists()


def test_cli_export_refuses_a_lib_folder_symlinked_out_of_the_project(tmp_path: Path, llmdev) -> None:
    project = nbdev_project(tmp_path / "proj")
    (tmp_path / "victim").mkdir()
    (project / "mylib").symlink_to(tmp_path / "victim", target_is_directory=True)
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))

    code, _, err = llmdev(project, "export")

    assert code == REFUSED, err
    assert list((tmp_path / "victim").iterdir()) == []


@pytest.mark.parametrize("absolute", [False, True])
def test_cli_export_never_opens_notebooks_an_existing_module_names_outside_the_project(
    tmp_path: Path, llmdev, absolute: bool
) -> None:
    secret = make_notebook(tmp_path / "outside" / "secret.ipynb", ("s0", "#| default_exp core"),
                           ("s1", "#| export\nTOKEN = 'from a notebook outside the project'"))
    project = nbdev_project(tmp_path / "proj")
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))
    reference = str(secret) if absolute else "../../outside/secret.ipynb"
    module = project / "mylib" / "core.py"
    module.parent.mkdir()
    planted = f"# %% {reference} cell=s1 hash=00000000\nTOKEN = 'old'\n"
    module.write_text(planted)

    code, out, err = llmdev(project, "export")

    assert code == REFUSED, (out, err)
    assert "secret.ipynb" in err and "outside" in err
    assert module.read_text() == planted


# the panel's Export on a real jupyter_server


# the server tests' fixtures: our extension only, no unauthenticated access; run on the server's loop
jp_server_config = _server_tests.jp_server_config
run = _server_tests.run


def export_request(path: str, line: str = "/export") -> str:
    return json.dumps({"type": "request", "id": "x1", "protocol_version": PROTOCOL_VERSION, "line": line,
                       "snapshot": {"path": path, "active_cell_id": "c1", "cells": [], "section": None},
                       "target_cell_id": "c1", "model": None})


async def panel_export(jp_ws_fetch: Any, path: str, line: str = "/export") -> dict[str, Any]:
    """Send the panel's Export request over the websocket; its final done or error message."""
    ws = await jp_ws_fetch("jupyter-llmdev", "chat")
    await ws.write_message(export_request(path, line))
    while True:
        raw = await asyncio.wait_for(ws.read_message(), timeout=30)
        assert raw is not None, "the server closed the websocket"
        message = json.loads(raw)
        if message.get("id") == "x1" and message["type"] in ("done", "error"):
            ws.close()
            return message


def test_panel_export_refuses_lib_path_outside_root_dir(jp_ws_fetch, jp_root_dir: Path, run) -> None:
    # the whole tree is one git checkout, so only the server's root_dir stands in the way
    (jp_root_dir.parent / ".git").mkdir()
    project = jp_root_dir / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "mylib"\n[tool.nbdev]\nlib_path = "../../elsewhere"\n')
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))
    elsewhere = jp_root_dir.parent / "elsewhere"

    message = run(panel_export(jp_ws_fetch, "proj/nbs/core.ipynb"))

    assert message["type"] == "error" and message["code"] == "outside_root", message
    assert "lib_path" in message["message"] and len(message["message"].splitlines()) <= 3
    assert not elsewhere.exists()


def test_panel_export_refuses_to_outside_root_dir(jp_ws_fetch, jp_root_dir: Path, run) -> None:
    (jp_root_dir.parent / ".git").mkdir()
    make_notebook(jp_root_dir / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))

    message = run(panel_export(jp_ws_fetch, "core.ipynb", "/export --to ../out"))

    assert message["type"] == "error" and message["code"] == "outside_root", message
    assert not (jp_root_dir.parent / "out").exists()


def test_panel_export_inside_root_dir_still_works(jp_ws_fetch, jp_root_dir: Path, run) -> None:
    project = jp_root_dir / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "mylib"\n[tool.nbdev]\nlib_path = "mylib"\n')
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))

    message = run(panel_export(jp_ws_fetch, "proj/nbs/core.ipynb"))

    assert message["type"] == "done" and "file(s) written" in message["text"], message
    assert "X = 1" in (project / "mylib" / "core.py").read_text()


# -- finding 4: a marker-shaped line in a cell moves code between notebooks -----------------------

FAKE = "# %% ../nbs/other.ipynb cell=o1"
CORE_CELL = f"#| export\ndef f():\n    return 1\n\n{FAKE}\ndef g():\n    return 2"


def two_notebooks(project: Path) -> tuple[Path, Path]:
    core = make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", CORE_CELL))
    other = make_notebook(project / "nbs" / "other.ipynb", ("o0", "#| default_exp other"),
                          ("o1", "#| export\ndef important():\n    return 42"))
    return core, other


def test_export_refuses_a_marker_shaped_line_in_a_cell(tmp_path: Path, llmdev) -> None:
    project = nbdev_project(tmp_path / "proj")
    two_notebooks(project)
    before = snapshot_of(project)

    code, out, err = llmdev(project, "export")

    assert code == NOTEBOOK_ERROR, (out, err)
    assert "core.ipynb" in err and "c1" in err and "line 5" in err and "marker" in err
    assert snapshot_of(project) == before


def test_sync_refuses_a_marker_that_names_a_cell_of_another_module(tmp_path: Path, llmdev) -> None:
    # the module exactly as the old exporter wrote it, with the cell's line copied verbatim
    project = nbdev_project(tmp_path / "proj")
    core, other = two_notebooks(project)
    exported = CORE_CELL.split("\n", 1)[1]
    module = project / "mylib" / "core.py"
    module.parent.mkdir()
    module.write_text(
        "# AUTOGENERATED by jupyter-llmdev from ../nbs/core.ipynb. Do not edit by hand:\n"
        "# edit the notebook, or edit here and run `llmdev sync`.\n\n"
        "# %% auto\n__all__ = ['f', 'g']\n\n"
        f"# %% ../nbs/core.ipynb cell=c1 hash={code_hash(exported)}\n{exported}\n"
    )
    before = snapshot_of(project)

    code, out, err = llmdev(project, "sync", "mylib/core.py")

    assert code in (NOTEBOOK_ERROR, REFUSED), (out, err)
    assert "o1" in err and "other" in err
    assert snapshot_of(project) == before


@pytest.mark.parametrize("absolute", [False, True])
def test_sync_refuses_a_marker_naming_a_notebook_outside_the_project(
    tmp_path: Path, llmdev, absolute: bool
) -> None:
    victim = make_notebook(tmp_path / "victim" / "nbs" / "victim.ipynb", ("v0", "#| default_exp core"),
                           ("v1", "#| export\ndef v():\n    return 'victim'"))
    project = nbdev_project(tmp_path / "proj")
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))
    code, _, err = llmdev(project, "export")
    assert code == 0, err
    reference = str(victim) if absolute else "../../victim/nbs/victim.ipynb"
    module = project / "mylib" / "core.py"
    module.write_text(module.read_text() + f"\n# %% {reference} cell=v1\ndef v():\n    return 'planted'\n")
    victim_before = victim.read_bytes()
    project_before = snapshot_of(project)

    code, out, err = llmdev(project, "sync", "mylib/core.py")

    assert code == REFUSED, (out, err)
    assert "victim.ipynb" in err and "outside" in err
    assert victim.read_bytes() == victim_before
    assert snapshot_of(project) == project_before


def test_export_refuses_a_marker_hidden_behind_a_carriage_return(tmp_path: Path, llmdev) -> None:
    # a lone CR is a line break to Python and to sync's reader, but not to a cell's split("\n")
    project = nbdev_project(tmp_path / "proj")
    make_notebook(project / "nbs" / "core.ipynb", ("c0", "#| default_exp core"),
                  ("c1", '#| export\nNOTE = """see\r' + FAKE + '\r"""'))
    make_notebook(project / "nbs" / "other.ipynb", ("o0", "#| default_exp other"), ("o1", "#| export\nY = 2"))
    before = snapshot_of(project)

    code, _, err = llmdev(project, "export")

    assert code == NOTEBOOK_ERROR and "c1" in err and "carriage return" in err
    assert snapshot_of(project) == before


def test_a_marker_shaped_line_in_the_module_docstring_is_not_read_as_a_marker(tmp_path: Path, llmdev) -> None:
    # the docstring comes from the notebook's markdown; sync must see no section in it
    project = nbdev_project(tmp_path / "proj")
    summary = f"> Core things.\n> {FAKE}\n> More."
    core = make_notebook(project / "nbs" / "core.ipynb", ("t", "md", f"# Core\n{summary}"),
                         ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))
    other = make_notebook(project / "nbs" / "other.ipynb", ("o0", "#| default_exp other"),
                          ("o1", "#| export\nY = 2"))
    code, _, err = llmdev(project, "export")
    assert code == 0, err
    module = project / "mylib" / "core.py"
    text = module.read_text()
    assert not any(line.startswith("# %% ../nbs/other") for line in text.splitlines())
    namespace: dict[str, Any] = {}
    exec(compile(text, str(module), "exec"), namespace)
    assert FAKE.lstrip() in namespace["__doc__"]
    before = (core.read_bytes(), other.read_bytes())

    code, out, err = llmdev(project, "sync", "mylib/core.py")

    assert code == 0 and "Nothing to sync" in out, (out, err)
    assert (core.read_bytes(), other.read_bytes()) == before


def test_export_refuses_a_notebook_whose_name_would_break_its_marker(tmp_path: Path, llmdev) -> None:
    project = nbdev_project(tmp_path / "proj")
    name = "core\r# %% other.ipynb cell=o1 .ipynb"
    make_notebook(project / "nbs" / name, ("c0", "#| default_exp core"), ("c1", "#| export\nX = 1"))
    before = snapshot_of(project)

    code, out, err = llmdev(project, "export")

    assert code == NOTEBOOK_ERROR, (out, err)
    assert "\r" not in err and "marker" in err
    assert snapshot_of(project) == before
