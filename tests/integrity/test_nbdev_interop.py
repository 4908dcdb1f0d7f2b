"""Issue 9, item 12: nbdev projects keep llmdev's history, and nbdev reads llmdev's modules.

Real nbdev 3.3 (in the test extra), run as its console scripts in the project folder, as its git
hooks and its users run it:

* ``nbdev_clean`` keeps only the metadata keys it is told to keep. ``llmdev export`` warns in an
  nbdev project whose settings don't keep ``jupyter_llmdev``, naming the file and the lines to
  add; with exactly those lines ``nbdev_clean`` keeps the history (notebook and cell level) and
  ``llmdev log`` / ``revert`` still work on it.
* ``nbdev_update`` reads the modules llmdev writes (``# %% <notebook> #<cell id>`` markers,
  ``# %% auto #0``; the checksums sync needs sit in the header, which nbdev skips) and puts an
  edit into the right cell. Modules written in the old format (``cell=ID hash=H`` markers) still
  sync, and the next export rewrites them in the new one.
* nbdev's ``recursive = false`` leaves notebooks in subfolders of ``nbs_path`` out, as nbdev's own
  ``nbglob`` does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from jupyter_llmdev.cli.main import main
from jupyter_llmdev.export.markers import code_hash

PYPROJECT = """[project]
name = "glib"
version = "0.0.1"

[tool.nbdev]
lib_path = "glib"
nbs_path = "nbs"
"""

CORE_CELLS = [
    ("md", "# Core\n\n> The core."),
    "#| default_exp core",
    "#| export\ndef f():\n    return 1",
    "f()",
    "#| export\nfrom glib.util import g\nX = 2",
]
UTIL_CELLS = ["#| default_exp util", "#| export\ndef g():\n    return 3"]


def make_notebook(path: Path, cells: list, prefix: str) -> Path:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                               "language": "python"}})
    for index, cell in enumerate(cells):
        node = new_markdown_cell(cell[1]) if isinstance(cell, tuple) else new_code_cell(cell)
        node.id = f"{prefix}{index}"
        nb.cells.append(node)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def make_project(root: Path, settings: str = PYPROJECT) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(settings, encoding="utf-8")
    make_notebook(root / "nbs" / "00_core.ipynb", CORE_CELLS, "c")
    make_notebook(root / "nbs" / "01_util.ipynb", UTIL_CELLS, "u")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def nbdev(project: Path, command: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one of nbdev's console scripts in ``project``, as a user (or a git hook) would."""
    env = {name: value for name, value in os.environ.items() if name != "IN_TEST"}
    env["XDG_CONFIG_HOME"] = str(project.parent / "xdg")  # no user-wide nbdev settings
    script = Path(sys.executable).parent / command
    done = subprocess.run([str(script), *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    return done


def history(notebook: Path) -> tuple[object, list[object]]:
    """The notebook-level and the cell-level ``jupyter_llmdev`` metadata."""
    data = json.loads(notebook.read_text(encoding="utf-8"))
    return data["metadata"].get("jupyter_llmdev"), [cell["metadata"].get("jupyter_llmdev")
                                                    for cell in data["cells"]]


def cell_sources(notebook: Path) -> dict[str, str]:
    return {cell.id: cell.source for cell in nbformat.read(notebook, as_version=4).cells}


def nbdev_warnings(err: str) -> list[str]:
    return [line for line in err.splitlines() if "nbdev_clean" in line]


def test_nbdev_clean_keeps_the_history_with_the_lines_export_asks_for(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "proj")
    notebook, module = project / "nbs" / "00_core.ipynb", project / "glib" / "core.py"
    monkeypatch.chdir(project)

    code, _, err = run(capsys, "export")
    assert code == 0, err
    [warning] = nbdev_warnings(err)
    assert warning.startswith("llmdev: warning: ") and "pyproject.toml" in warning and "[tool.nbdev]" in warning
    lines = re.findall(r"`(allowed(?:_cell)?_metadata_keys = [^`]*)`", warning)
    assert lines == ['allowed_metadata_keys = ["jupyter_llmdev"]',
                     'allowed_cell_metadata_keys = ["jupyter_llmdev"]'], warning

    # a history: an edit of the module, synced back as a recorded change
    module.write_text(module.read_text(encoding="utf-8").replace("return 1", "return 2"), encoding="utf-8")
    code, out, err = run(capsys, "sync", "glib/core.py")
    assert code == 0, err
    kept = history(notebook)
    [change] = kept[0]["changes"]
    assert kept[1][2]["change"] == change["id"]
    saved = notebook.read_bytes()

    # what the warning is about: without the lines, nbdev_clean deletes it
    nbdev(project, "nbdev-clean")
    assert history(notebook) == (None, [None] * len(CORE_CELLS))
    notebook.write_bytes(saved)

    # the lines the warning names, where it says ([tool.nbdev] is the file's last table)
    with open(project / "pyproject.toml", "a", encoding="utf-8") as settings:
        settings.write("\n".join(lines) + "\n")
    nbdev(project, "nbdev-clean")
    cleaned = json.loads(notebook.read_text(encoding="utf-8"))
    assert cleaned["metadata"]["kernelspec"]["display_name"] == "python3"  # nbdev_clean did clean
    assert history(notebook) == kept

    code, _, err = run(capsys, "export")
    assert code == 0 and nbdev_warnings(err) == [], err
    code, out, _ = run(capsys, "log", "nbs/00_core.ipynb")
    assert code == 0 and change["id"] in out
    code, _, err = run(capsys, "revert", "nbs/00_core.ipynb", change["id"], "--yes")
    assert code == 0, err
    assert cell_sources(notebook)["c2"] == "#| export\ndef f():\n    return 1"


@pytest.mark.parametrize(
    ("name", "settings", "fix"),
    [
        ("pyproject.toml", PYPROJECT + 'allowed_metadata_keys = ["widgets"]\nclear_all = true\n',
         'add `allowed_cell_metadata_keys = ["jupyter_llmdev"]`; change the existing lines to '
         '`allowed_metadata_keys = ["widgets", "jupyter_llmdev"]` and `clear_all = false`.'),
        ("pyproject.toml", PYPROJECT + 'allowed_metadata_keys = ["jupyter_llmdev"]\n',
         'add `allowed_cell_metadata_keys = ["jupyter_llmdev"]`.'),
        ("pyproject.toml", PYPROJECT + 'allowed_metadata_keys = "jupyter_llmdev"\n',  # nbdev reads its letters
         'add `allowed_cell_metadata_keys = ["jupyter_llmdev"]`; change the existing line to '
         '`allowed_metadata_keys = ["jupyter_llmdev"]`.'),
        ("settings.ini", "[DEFAULT]\nlib_name = glib\nnbs_path = nbs\nallowed_metadata_keys = widgets\n",
         "add `allowed_cell_metadata_keys = jupyter_llmdev`; change the existing line to "
         "`allowed_metadata_keys = widgets jupyter_llmdev`."),
    ],
)
def test_the_warning_names_the_file_and_the_exact_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        name: str, settings: str, fix: str) -> None:
    project = make_project(tmp_path / "proj", settings="")
    (project / "pyproject.toml").unlink()
    (project / name).write_text(settings, encoding="utf-8")
    monkeypatch.chdir(project)
    code, _, err = run(capsys, "export", "nbs/00_core.ipynb")
    assert code == 0, err
    [warning] = nbdev_warnings(err)
    section = "[DEFAULT]" if name == "settings.ini" else "[tool.nbdev]"
    assert warning.endswith(f"in {name} under {section}, {fix}"), warning


def test_no_warning_outside_nbdev_projects(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "proj", settings='[tool.llmdev]\nlib_path = "glib"\n')
    monkeypatch.chdir(project)
    code, _, err = run(capsys, "export")
    assert code == 0 and nbdev_warnings(err) == [], err


def test_nbdev_update_puts_an_edit_of_an_llmdev_module_into_its_cell(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "proj")
    notebook, module = project / "nbs" / "00_core.ipynb", project / "glib" / "core.py"
    monkeypatch.chdir(project)
    # an nbdev project has run nbdev_export, which writes glib/_modidx.py (nbdev_update needs it)
    nbdev(project, "nbdev-export")
    code, _, err = run(capsys, "export")
    assert code == 0, err
    text = module.read_text(encoding="utf-8")
    assert text.startswith("# AUTOGENERATED by jupyter-llmdev")
    assert [line for line in text.splitlines() if line.startswith("# %%")] == [
        "# %% auto #0", "# %% ../nbs/00_core.ipynb #c2", "# %% ../nbs/00_core.ipynb #c4"]
    before = cell_sources(notebook)

    module.write_text(text.replace("    return 1", "    total = 41\n    return total + 1"), encoding="utf-8")
    nbdev(project, "nbdev-update")

    after = cell_sources(notebook)
    assert after["c2"] == "#| export\ndef f():\n    total = 41\n    return total + 1"
    assert {key: value for key, value in after.items() if key != "c2"} == {
        key: value for key, value in before.items() if key != "c2"}
    # llmdev agrees that the notebook now holds the module's code
    code, out, err = run(capsys, "sync", "glib/core.py")
    assert code == 0 and "Nothing to sync" in out, out + err


OLD_FORMAT = '''# AUTOGENERATED by jupyter-llmdev from ../nbs/00_core.ipynb. Do not edit by hand:
# edit the notebook, or edit here and run `llmdev sync`.
"""The core."""

# %% auto
__all__ = ['X', 'f']

# %% ../nbs/00_core.ipynb cell=c2 hash={c2}
def f():
    return 1

# %% ../nbs/00_core.ipynb cell=c4 hash={c4}
from .util import g
X = 2
'''


def test_modules_in_the_old_marker_format_still_sync_and_export_migrates_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(tmp_path / "proj", settings=PYPROJECT + 'allowed_metadata_keys = ["jupyter_llmdev"]\n'
                           'allowed_cell_metadata_keys = ["jupyter_llmdev"]\n')
    notebook, module = project / "nbs" / "00_core.ipynb", project / "glib" / "core.py"
    monkeypatch.chdir(project)
    assert run(capsys, "export")[0] == 0
    # the module as the previous release wrote it (checksums in the markers); then edited
    old = OLD_FORMAT.format(c2=code_hash("def f():\n    return 1"), c4=code_hash("from .util import g\nX = 2"))
    module.write_text(old.replace("return 1", "return 5").replace("X = 2", "X = 3"), encoding="utf-8")
    # ...while cell c4 changed in the notebook too: the old checksum still tells a conflict
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[4].source = "#| export\nfrom glib.util import g\nX = 4"
    nbformat.write(nb, notebook)
    code, _, err = run(capsys, "sync", "glib/core.py")
    assert code == 4 and "cell c4 of 00_core.ipynb" in err, err
    module.write_text(old.replace("return 1", "return 5"), encoding="utf-8")
    code, out, err = run(capsys, "sync", "glib/core.py")
    assert code == 0, err
    assert cell_sources(notebook)["c2"] == "#| export\ndef f():\n    return 5"
    assert "the notebook changed since core.py was exported" in err  # c4: the notebook is newer

    code, out, _ = run(capsys, "export", "--check")
    assert code == 1 and "glib/core.py" in out
    assert run(capsys, "export")[0] == 0
    text = module.read_text(encoding="utf-8")
    assert "cell=" not in text and "# %% ../nbs/00_core.ipynb #c2" in text and "# %% auto #0" in text
    assert "X = 4" in text and "return 5" in text


@pytest.mark.parametrize("kind", ["pyproject.toml", "settings.ini"])
def test_recursive_false_leaves_subfolder_notebooks_out(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    if kind == "pyproject.toml":
        settings = PYPROJECT + "recursive = false\n"
    else:
        settings = "[DEFAULT]\nlib_name = glib\nnbs_path = nbs\nrecursive = False\n"
    project = make_project(tmp_path / "proj", settings="")
    (project / "pyproject.toml").unlink()
    (project / kind).write_text(settings, encoding="utf-8")
    make_notebook(project / "nbs" / "sub" / "10_deep.ipynb", ["#| default_exp deep", "#| export\nD = 1"], "d")
    monkeypatch.chdir(project)

    for argv in (["export"], ["export", "nbs"]):
        code, out, err = run(capsys, *argv)
        assert code == 0, err
        assert not (project / "glib" / "deep.py").exists(), out
        assert (project / "glib" / "core.py").is_file()
    if kind == "pyproject.toml":  # nbdev's own notebook list agrees
        listed = nbdev_notebooks(project)
        assert listed == ["nbs/00_core.ipynb", "nbs/01_util.ipynb"]

    (project / kind).write_text(settings.replace("recursive = false", "recursive = true")
                                .replace("recursive = False", "recursive = True"), encoding="utf-8")
    code, _, err = run(capsys, "export")
    assert code == 0 and (project / "glib" / "deep.py").is_file(), err
    if kind == "pyproject.toml":
        assert nbdev_notebooks(project) == ["nbs/00_core.ipynb", "nbs/01_util.ipynb", "nbs/sub/10_deep.ipynb"]


def nbdev_notebooks(project: Path) -> list[str]:
    """The notebooks nbdev's ``nbglob`` finds in the project (what nbdev_export would export)."""
    env = {name: value for name, value in os.environ.items() if name != "IN_TEST"}
    env["XDG_CONFIG_HOME"] = str(project.parent / "xdg")
    done = subprocess.run(
        [sys.executable, "-c", "from pathlib import Path; from nbdev.doclinks import nbglob; "
         "print('\\n'.join(sorted(Path(p).relative_to(Path.cwd()).as_posix() for p in nbglob())))"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


# --- nbdev's reader and llmdev's agree on every module llmdev writes ----------------------------

_PIECES = ["# %% ", "# %%", " ", "  ", "\t", "\n", "#", "=", "auto", " #1", "../nbs/", "a.ipynb", " cell=",
           "c1", " hash=", "0badf00d", "'''", '"""', "def f():", "    return 1", "x = 1", "é", "\\",
           "# cell checksums for llmdev sync: c1=00000000", "%time", "!ls"]
_bodies = st.lists(st.sampled_from(_PIECES), max_size=12).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(_bodies, min_size=1, max_size=4), st.lists(_bodies, max_size=3).map("".join),
       st.sampled_from(["core", "my nb", "my  nb", "a #b", "x cell=y", "00_core"]))
def test_nbdev_reads_every_module_llmdev_writes_as_llmdev_does(
        tmp_path: Path, bodies: list[str], docstring: str, name: str) -> None:
    """nbdev's own ``_iter_py_cells`` (what nbdev_update and _modidx use) on rendered modules."""
    from hypothesis import assume
    from nbdev.doclinks import _iter_py_cells

    from jupyter_llmdev.errors import ExportError
    from jupyter_llmdev.export.module_reader import read_module_text
    from jupyter_llmdev.export.render import ModuleSpec, cell_code, render_module
    from jupyter_llmdev.export.scrub import scrub_code
    from jupyter_llmdev.export.selection import ExportedCell

    notebook = tmp_path / "nbs" / f"{name}.ipynb"
    cells = tuple(ExportedCell(notebook=notebook, cell_id=f"c{index}", index=index, kind="export", target=None,
                               code=scrub_code(body), head_lines=1) for index, body in enumerate(bodies))
    module = tmp_path / "lib" / "core.py"
    try:
        text = render_module(ModuleSpec("core", module, cells, docstring))
    except ExportError:
        return
    written = [(cell.cell_id, cell_code(cell, None).text) for cell in cells if cell_code(cell, None).text.strip()]
    # known limit, shared with nbdev_export's own modules: a code line starting with `# %% `
    assume(text.count("\n# %% ") == len(written) + 1)
    module.parent.mkdir(parents=True, exist_ok=True)
    module.write_text(text, encoding="utf-8")
    theirs = [(cell.nb, cell.cell_id, cell.code) for cell in _iter_py_cells(module)]
    assert theirs == [(f"../nbs/{name}.ipynb", cell_id, code) for cell_id, code in written]
    if written:
        ours = read_module_text(text, "core.py").cells
        assert [(s.notebook, s.cell_id, s.digest) for s in ours] == [
            (f"../nbs/{name}.ipynb", cell_id, code_hash(code)) for cell_id, code in written]
