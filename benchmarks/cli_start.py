"""Benchmark ``llmdev`` start-up: read-only commands and ``sync`` as processes, against their peers.

Usage: ``python benchmarks/cli_start.py [--repeat 7]``

Builds one nbdev 3 project in a temporary folder (``nbdev-export`` writes ``_modidx.py``, which
``nbdev-update`` needs; ``llmdev export`` writes the modules both tools read), records one change
in its notebook (an ``llmdev sync``), then times each command as a fresh process, the commands
taking turns, and prints the median wall time of each side by side with its ratio to its peer:

* ``python -c "import json"`` (the floor any Python command pays) against ``llmdev log NB``,
  ``llmdev show NB ID`` and ``llmdev diff NB ID``: goal, each within 3x of the floor;
* ``nbdev-update`` against ``llmdev sync MODULE`` on the same one-line edit of the same module,
  the project restored before every run: goal, sync at least as fast (ratio <= 1).

Why processes: what a user waits for is start-up (imports) plus the work, and the imports are
what this measures. nbdev is a benchmark and test dependency (in the test extra); without it the
script says so and exits 0.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
LIB = "startlib"
PYPROJECT = f"""[project]
name = "{LIB}"
version = "0.0.1"

[tool.nbdev]
lib_path = "{LIB}"
nbs_path = "nbs"
allowed_metadata_keys = ["jupyter_llmdev"]
allowed_cell_metadata_keys = ["jupyter_llmdev"]
"""
CELLS = 40  # export cells in the notebook: a typical module
EDIT_FROM, EDIT_TO = "    return 7", "    return 8"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per command (median reported)")
    args = parser.parse_args()
    if not (BIN / "nbdev-update").exists() or not (BIN / "llmdev").exists():
        print("nbdev (nbdev-update) or llmdev is not installed next to this Python; nothing to compare.")
        return 0
    with tempfile.TemporaryDirectory(prefix="llmdev-cli-start-") as temp:
        root = Path(temp)
        env = _environment(root)
        project = _build_project(root / "proj", env)
        change = _record_change(project, env)
        notebook, module = "nbs/core.ipynb", f"{LIB}/core.py"
        pristine = {path: (project / path).read_bytes() for path in (notebook, module)}
        edited = pristine[module].decode().replace(EDIT_FROM, EDIT_TO, 1).encode()

        def restore() -> None:
            (project / notebook).write_bytes(pristine[notebook])
            (project / module).write_bytes(edited)

        python = [sys.executable, "-c", "import json"]
        runs = {
            "python -c 'import json'": (python, None),
            "llmdev log NB": ([str(BIN / "llmdev"), "log", notebook], None),
            "llmdev show NB ID": ([str(BIN / "llmdev"), "show", notebook, change], None),
            "llmdev diff NB ID": ([str(BIN / "llmdev"), "diff", notebook, change, "--color", "never"], None),
            "nbdev-update": ([str(BIN / "nbdev-update")], restore),
            "llmdev sync MODULE": ([str(BIN / "llmdev"), "sync", module], restore),
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for round_ in range(args.repeat + 1):  # round 0 warms the bytecode cache, untimed
            for name, (argv, before) in runs.items():
                if before:
                    before()
                elapsed = _timed(argv, project, env)
                if round_:
                    times[name].append(elapsed)
                if before:
                    _check_synced(project / notebook)
    medians = {name: statistics.median(values) for name, values in times.items()}
    _report(medians, args.repeat)
    return 0


def _environment(root: Path) -> dict[str, str]:
    """No user-wide Jupyter or nbdev settings, no test-mode switches; bytecode cached as installed.

    An installed package runs from compiled bytecode (pip compiles it); a checkout run with
    PYTHONDONTWRITEBYTECODE would compile every module on every start and time the compiler.
    The cache goes to the temporary folder (PYTHONPYCACHEPREFIX), for both tools alike, and is
    warmed by the setup runs and one untimed run of each command.
    """
    skip = ("IN_TEST", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE")
    env = {name: value for name, value in os.environ.items() if name not in skip}
    env["PYTHONPYCACHEPREFIX"] = str(root / "pycache")
    env["JUPYTER_CONFIG_DIR"] = str(root / "jupyter")
    env["XDG_CONFIG_HOME"] = str(root / "xdg")
    env["NO_COLOR"] = "1"
    return env


def _build_project(project: Path, env: dict[str, str]) -> Path:
    """An nbdev project of one notebook with :data:`CELLS` exported functions, exported by both tools."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells.append(new_markdown_cell("# Core\n\n> The core.", id="m0"))
    nb.cells.append(new_code_cell("#| default_exp core", id="d0"))
    for index in range(CELLS):
        body = f"#| export\ndef f{index}(x: int) -> int:\n    \"Add {index}.\"\n    y = x + {index}\n    return {index}"
        nb.cells.append(new_code_cell(body, id=f"c{index}"))
        nb.cells.append(new_code_cell(f"f{index}(1)", id=f"t{index}"))
    (project / "nbs").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    nbformat.write(nb, project / "nbs" / "core.ipynb")
    _run([str(BIN / "nbdev-export")], project, env)  # writes _modidx.py, which nbdev-update needs
    _run([str(BIN / "llmdev"), "export"], project, env)
    return project


def _record_change(project: Path, env: dict[str, str]) -> str:
    """Give the notebook a history (one ``sync`` change, re-exported); the change's id."""
    module = project / LIB / "core.py"
    text = module.read_text(encoding="utf-8")
    module.write_text(text.replace("    return 3\n", "    return 3 + 0\n", 1), encoding="utf-8")
    out = _run([str(BIN / "llmdev"), "sync", str(module.relative_to(project))], project, env)
    _run([str(BIN / "llmdev"), "export"], project, env)
    return out.split("(change ", 1)[1].split(";", 1)[0]


def _check_synced(notebook: Path) -> None:
    if EDIT_TO not in notebook.read_text(encoding="utf-8"):
        raise SystemExit(f"the edit did not reach {notebook}: the comparison is void")


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if done.returncode != 0 or "Traceback" in done.stderr:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stdout}{done.stderr[-3000:]}")
    return done.stdout


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    _run(argv, cwd, env)
    return time.perf_counter() - start


def _report(medians: dict[str, float], repeat: int) -> None:
    floor, peer = medians["python -c 'import json'"], medians["nbdev-update"]
    print(f"median wall time of {repeat} runs each, as processes (Python {sys.version.split()[0]})\n")
    print(f"{'command':<26}{'median':>10}{'peer':>26}{'ratio':>8}  goal")
    print(f"{'python -c import json':<26}{floor * 1000:>8.0f}ms")
    for name in ("llmdev log NB", "llmdev show NB ID", "llmdev diff NB ID"):
        ratio = medians[name] / floor
        print(f"{name:<26}{medians[name] * 1000:>8.0f}ms{'python -c import json':>26}{ratio:>7.2f}x  <= 3x"
              f" {'ok' if ratio <= 3 else 'MISSED'}")
    print(f"{'nbdev-update':<26}{peer * 1000:>8.0f}ms")
    ratio = medians["llmdev sync MODULE"] / peer
    print(f"{'llmdev sync MODULE':<26}{medians['llmdev sync MODULE'] * 1000:>8.0f}ms{'nbdev-update':>26}"
          f"{ratio:>7.2f}x  <= 1x {'ok' if ratio <= 1 else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
