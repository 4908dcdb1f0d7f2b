"""``sync``: module edits go back into their cells as a revertable ChangeSet; bad markers are refused."""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_llmdev.cli import sync_cmd
from jupyter_llmdev.errors import ExportError
from jupyter_llmdev.export import export_notebooks
from jupyter_llmdev.export.sync import sync_modules
from jupyter_llmdev.notebook.io import read_notebook, write_notebook
from jupyter_llmdev.notebook.revert import revert_change


def make_notebook(path: Path, *cells: str | tuple[str, str]) -> Path:
    nb = new_notebook()
    for index, cell in enumerate(cells):
        node = new_markdown_cell(cell[1]) if isinstance(cell, tuple) else new_code_cell(cell)
        node.id = f"c{index}"
        nb.cells.append(node)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def sources(path: Path) -> list[str]:
    return [cell.source for cell in read_notebook(path).cells]


def code_only(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith(("# %% ", "# cell checksums"))]


def checksum_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("# cell checksums")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.llmdev]\nlib_path = "mylib"\nnbs_path = "nbs"\n'
    )
    make_notebook(
        tmp_path / "nbs" / "core.ipynb",
        "#| default_exp core",
        "#| export\ndef one():\n    return 1",
    )
    make_notebook(
        tmp_path / "nbs" / "tools.ipynb",
        ("md", "# Tools"),
        "#| default_exp tools",
        "#| export\n%load_ext autoreload\nfrom mylib.core import one",
        "#| export\ndef double(x):\n    %time\n    return 2 * x\n\n",
        "double(2)",
    )
    export_notebooks([], cwd=tmp_path)
    return tmp_path


def test_round_trip_export_edit_sync_export_is_stable(project: Path) -> None:
    module = project / "mylib" / "tools.py"
    notebook = project / "nbs" / "tools.ipynb"
    edited = module.read_text().replace(
        "    return 2 * x",
        "    y = 2 * x\n    return y + one()\n\ndef triple(x):\n    return 3 * x",
    )
    edited = edited.replace("from .core import one", "from .core import one\nfrom . import core")
    module.write_text(edited)

    result = sync_modules([module])

    assert [(item.notebook, item.cell_ids) for item in result.notebooks] == [
        (notebook, ("c2", "c3"))
    ]
    assert sources(notebook)[2:4] == [
        "#| export\n%load_ext autoreload\nfrom mylib.core import one\nfrom mylib import core",
        "#| export\ndef double(x):\n    %time\n    y = 2 * x\n    return y + one()\n\ndef triple(x):\n"
        "    return 3 * x\n\n",
    ]
    nb = read_notebook(notebook)
    change = nb.metadata["jupyter_llmdev"]["changes"][-1]
    assert (change["role"], change["command"], change["id"]) == (
        "human",
        "sync",
        result.notebooks[0].change_id,
    )
    # export brings __all__ up to date; the code is what was typed into the module; then it is stable
    synced = module.read_text()
    assert checksum_lines(synced) != checksum_lines(edited)  # sync gave the cells their new checksums
    assert [item.path for item in export_notebooks([], cwd=project, check=True).stale] == [module]
    assert [item.path for item in export_notebooks([], cwd=project).written] == [module]
    exported = module.read_text()
    assert checksum_lines(exported) == checksum_lines(synced)
    assert "__all__ = ['double', 'triple']" in exported
    assert code_only(exported) == code_only(
        edited.replace("__all__ = ['double']", "__all__ = ['double', 'triple']")
    )
    assert [item.status for item in export_notebooks([], cwd=project).files] == [
        "unchanged",
        "unchanged",
    ]
    assert sync_modules([module]).notebooks == []
    # and the change is revertable like any other
    revert_change(nb, result.notebooks[0].change_id)
    assert nb.cells[3].source == "#| export\ndef double(x):\n    %time\n    return 2 * x\n\n"


def test_sync_without_edits_changes_nothing(project: Path) -> None:
    notebook = project / "nbs" / "tools.ipynb"
    before = notebook.read_bytes()
    result = sync_modules([project / "mylib" / "tools.py", project / "mylib" / "core.py"])
    assert result.notebooks == [] and len(result.unchanged) == 2
    assert notebook.read_bytes() == before


def test_notebook_edited_since_export_is_reported_stale_not_overwritten(project: Path) -> None:
    notebook = project / "nbs" / "core.ipynb"
    nb = read_notebook(notebook)
    nb.cells[1].source = "#| export\ndef one():\n    return 'one'"
    write_notebook(notebook, nb)
    result = sync_modules([project / "mylib" / "core.py"])
    assert result.notebooks == [] and "core.ipynb" in result.stale[0]
    assert "return 'one'" in sources(notebook)[1]


def test_edits_on_both_sides_are_a_conflict_and_nothing_is_written(project: Path) -> None:
    notebook, module = project / "nbs" / "core.ipynb", project / "mylib" / "core.py"
    nb = read_notebook(notebook)
    nb.cells[1].source = "#| export\ndef one():\n    return 'notebook'"
    write_notebook(notebook, nb)
    module.write_text(module.read_text().replace("return 1", "return 'module'"))
    before = notebook.read_bytes(), module.read_bytes()
    with pytest.raises(ExportError, match="both the module and the notebook") as caught:
        sync_modules([module])
    assert "cell c1 of core.ipynb" in str(caught.value)
    assert (notebook.read_bytes(), module.read_bytes()) == before


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (
            lambda text: "\n".join(x for x in text.splitlines() if not x.startswith("# %% ")),
            "no cell markers",
        ),
        (
            lambda text: (
                text + "\n# %% ../nbs/core.ipynb #c1\ndef one(): return 9\n"
            ),
            "marked twice",
        ),
        (lambda text: text.replace(" #c1", " #gone"), "has no cell gone"),
        (lambda text: text.replace(" #c1", " #c0"), "no longer exported"),
        (lambda text: text.replace("../nbs/core.ipynb", "../nbs/moved.ipynb"), "does not exist"),
        (lambda text: text.replace(" #c1", ""), "names no cell id"),
        (lambda text: text.replace("return 2", "return (2"), "line 10: .*Nothing was synced"),
        (lambda text: text.replace("sync: c1=", "sync: c1:"), "line 3: the checksum line is damaged"),
        (
            lambda text: text.replace("# %% auto", "helper = 1\n\n# %% auto"),
            "above the first cell marker",
        ),
        (
            lambda text: text.replace("__all__ = ['one']", "__all__ = ['one']\nEXTRA = 2"),
            "generated `__all__`",
        ),
    ],
)
def test_bad_markers_are_refused_and_the_notebook_is_untouched(
    project: Path, mangle, message: str
) -> None:
    notebook, module = project / "nbs" / "core.ipynb", project / "mylib" / "core.py"
    module.write_text(mangle(module.read_text().replace("return 1", "return 2")))
    before = notebook.read_bytes()
    with pytest.raises(ExportError, match=message):
        sync_modules([module])
    assert notebook.read_bytes() == before


def test_sync_command_prints_the_change_and_how_to_undo_it(
    project: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(project)
    module = Path("mylib/core.py")
    module.write_text(module.read_text().replace("return 1", "return 11"))
    subparsers = argparse.ArgumentParser().add_subparsers()
    sync_cmd.add_parser(subparsers)
    args = subparsers.choices["sync"].parse_args([str(module)])
    assert args.handler(args) == 0
    out = capsys.readouterr().out
    change = read_notebook(project / "nbs" / "core.ipynb").metadata["jupyter_llmdev"]["changes"][
        -1
    ]["id"]
    assert f"nbs/core.ipynb: 1 cell(s) updated from mylib/core.py (change {change}; " in out
    assert f"llmdev revert nbs/core.ipynb {change}" in out
    assert args.handler(args) == 0
    assert "Nothing to sync" in capsys.readouterr().out


def test_modules_with_nbdev_markers_sync_too(project: Path) -> None:
    import re

    module, notebook = project / "mylib" / "core.py", project / "nbs" / "core.ipynb"
    nbdev_style = re.sub(r" cell=(\w+) hash=\w+", r" #\1", module.read_text())
    module.write_text(
        '"""Docstring first, as nbdev writes it."""\n' + nbdev_style.replace("return 1", "return 7")
    )
    result = sync_modules([module])
    assert [item.cell_ids for item in result.notebooks] == [("c1",)]
    assert sources(notebook)[1] == "#| export\ndef one():\n    return 7"


def test_checksums_of_a_cell_id_shared_by_two_notebooks_go_to_their_own_sections(tmp_path: Path) -> None:
    """A copied notebook keeps its cell ids: the header's checksums of one id go in section order."""
    (tmp_path / "pyproject.toml").write_text('[tool.llmdev]\nlib_path = "mylib"\n')
    first = make_notebook(tmp_path / "nbs" / "a.ipynb", "#| default_exp core", "#| export\nA = 1")
    second = make_notebook(tmp_path / "nbs" / "b.ipynb", "#| default_exp other", "#| export core\nB = 1")
    export_notebooks([], cwd=tmp_path)
    module = tmp_path / "mylib" / "core.py"
    text = module.read_text()
    assert text.count(" #c1\n") == 2 and len(checksum_lines(text)) == 1
    assert checksum_lines(text)[0].count(" c1=") == 2
    # the notebook a changed since the export, the module's section of b was edited
    nb = read_notebook(first)
    nb.cells[1].source = "#| export\nA = 'notebook'"
    write_notebook(first, nb)
    module.write_text(text.replace("B = 1", "B = 'module'"))
    result = sync_modules([module])
    assert [(item.notebook, item.cell_ids) for item in result.notebooks] == [(second, ("c1",))]
    assert sources(second)[1] == "#| export core\nB = 'module'"
    assert sources(first)[1] == "#| export\nA = 'notebook'" and "a.ipynb" in result.stale[0]
    # sync refreshed b's checksum only: a is still newer than the module, b is in step
    again = sync_modules([module])
    assert again.notebooks == [] and len(again.stale) == 1 and "a.ipynb" in again.stale[0]
