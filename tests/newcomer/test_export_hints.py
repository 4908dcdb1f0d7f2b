"""Issue 14, items 5, 6 and 10: what export and sync tell a newcomer works where it is told.

* ``export --check`` and ``sync`` end with a command to run: in the example folder that command
  runs (it names what the user named; ``llmdev export`` alone works in a project with lib_path).
* The example notebook says it is the ``tripstats.core`` module: export writes
  ``tripstats/core.py`` (``lib_path = "tripstats"`` in ``examples/pyproject.toml``), importable as
  ``tripstats.core``.
* ``llmdev export nbs/*.ipynb`` on an nbdev project exports the notebooks that export something and
  notes the others (``index.ipynb``), as nbdev does; it refuses only when none export anything.
* ``llmdev sync`` of a file that is not a module (a CSV, a notebook) says what sync needs instead
  of reporting a Python syntax error; ``llmdev export`` of a module points to sync.

Every test runs the real CLI (``jupyter_llmdev.cli.main.main``) on real files, most on a copy of
``examples/``.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_llmdev.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def run_hint(capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, str, str]:
    """Run the ``llmdev ...`` command a message tells the user to run."""
    match = re.search(r"Run `(llmdev [^`]*)`", text)
    assert match, text
    argv = shlex.split(match.group(1))
    return run(capsys, *argv[1:])


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of ``examples/``, the current folder (as after ``cd examples``)."""
    folder = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", folder, ignore=shutil.ignore_patterns(
        ".llmdev", ".ipynb_checkpoints", "__pycache__", "tripstats"))
    monkeypatch.chdir(folder)
    return folder


@pytest.mark.parametrize("given", [[], ["quickstart.ipynb"], ["."]])
def test_the_check_hint_runs_in_the_example_folder(
        example: Path, capsys: pytest.CaptureFixture[str], given: list[str]) -> None:
    code, out, err = run(capsys, "export", "--check", *given)
    assert code == 1, out + err
    code, again, err = run_hint(capsys, out)
    assert code == 0, err
    assert "file(s) written" in again
    code, out, err = run(capsys, "export", "--check", *given)
    assert (code, out) == (0, "1 module(s) up to date.\n"), err


def test_the_quickstart_module_is_tripstats_core(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    intro = nbformat.read(example / "quickstart.ipynb", as_version=4).cells[0].source
    assert "`tripstats.core`" in intro
    code, out, err = run(capsys, "export", "quickstart.ipynb")
    assert code == 0, err
    assert "wrote tripstats/core.py (from quickstart.ipynb)" in out
    done = subprocess.run([sys.executable, "-c", "import tripstats.core as m; print(len(m.load_trips('data/trips.csv')))"],
                          cwd=example, capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "6", done.stderr


def test_the_sync_note_on_a_newer_notebook_names_a_command_that_runs(
        example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "export", "quickstart.ipynb")[0] == 0
    nb = nbformat.read(example / "quickstart.ipynb", as_version=4)
    [cell] = [cell for cell in nb.cells if cell.source.startswith("#| export")]
    cell.source += "\n\nEXTRA = 1"
    nbformat.write(nb, example / "quickstart.ipynb")

    code, out, err = run(capsys, "sync", "tripstats/core.py")
    assert code == 0 and "the notebook changed since core.py was exported" in err, err
    code, _, err2 = run_hint(capsys, err)
    assert code == 0, err2
    assert "EXTRA = 1" in (example / "tripstats" / "core.py").read_text(encoding="utf-8")
    code, out, err = run(capsys, "sync", "tripstats/core.py")
    assert code == 0 and "Nothing to sync" in out and err == "", err


def make_notebook(path: Path, *sources: str) -> Path:
    nb = new_notebook(cells=[new_markdown_cell("# " + path.stem)] + [new_code_cell(src) for src in sources])
    for index, cell in enumerate(nb.cells):
        cell.id = f"{path.stem[:3]}{index}"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture
def nbdev_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An nbdev project as nbdev_new makes it: ``index.ipynb`` (the README, no exports) and a module."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "glib"\n\n[tool.nbdev]\nallowed_metadata_keys = ["jupyter_llmdev"]\n'
        'allowed_cell_metadata_keys = ["jupyter_llmdev"]\n', encoding="utf-8")
    make_notebook(tmp_path / "nbs" / "index.ipynb", "from glib.core import *", "say_hello('you')")
    make_notebook(tmp_path / "nbs" / "00_core.ipynb", "#| default_exp core", "#| export\ndef say_hello(to):\n"
                  "    return f'Hello {to}!'")
    make_notebook(tmp_path / "nbs" / "01_notes.ipynb", "1 + 1")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_several_notebooks_skip_the_ones_without_exports(
        nbdev_project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "export", "nbs/index.ipynb", "nbs/00_core.ipynb", "nbs/01_notes.ipynb")
    assert code == 0, err
    assert "wrote glib/core.py (from nbs/00_core.ipynb)" in out
    assert "llmdev: note: nbs/index.ipynb has no exported cells; skipped." in err
    assert "llmdev: note: nbs/01_notes.ipynb has no exported cells; skipped." in err
    assert sorted(path.name for path in (nbdev_project / "glib").iterdir()) == ["__init__.py", "core.py"]


@pytest.mark.parametrize(("given", "message"), [
    (["nbs/index.ipynb"], "nbs/index.ipynb has no exported cells."),
    (["nbs/index.ipynb", "nbs/01_notes.ipynb"], "No exported cells in the 2 notebook(s) given."),
])
def test_notebooks_none_of_which_export_are_refused(
        nbdev_project: Path, capsys: pytest.CaptureFixture[str], given: list[str], message: str) -> None:
    code, out, err = run(capsys, "export", *given)
    assert code == 4 and message in err and out == "", err
    assert not (nbdev_project / "glib").exists()


@pytest.mark.parametrize(("path", "words"), [
    ("data/trips.csv", "data/trips.csv is not a Python module (.py)"),
    ("quickstart.ipynb", "quickstart.ipynb is a notebook"),
    ("data", "data is a folder"),
])
def test_sync_of_something_else_than_a_module_says_what_sync_needs(
        example: Path, capsys: pytest.CaptureFixture[str], path: str, words: str) -> None:
    before = (example / "data" / "trips.csv").read_bytes(), (example / "quickstart.ipynb").read_bytes()
    code, out, err = run(capsys, "sync", path)
    assert code == 2 and words in err, err
    assert "syntax" not in err.lower() and "llmdev export" in err
    assert len(err.strip().splitlines()) <= 3
    assert ((example / "data" / "trips.csv").read_bytes(), (example / "quickstart.ipynb").read_bytes()) == before


def test_export_of_a_module_points_to_sync(example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "export", "quickstart.ipynb")[0] == 0
    code, _, err = run(capsys, "export", "tripstats/core.py")
    assert code == 2 and "not a notebook (.ipynb)" in err and "llmdev sync tripstats/core.py" in err, err
