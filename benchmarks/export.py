"""Benchmark ``llmdev export`` against ``nbdev_export`` on generated nbdev projects.

Usage: ``python benchmarks/export.py [--sizes 50,200] [--cells 40] [--repeat 5]``

For each size it generates one nbdev 3 project (pyproject.toml with ``[tool.nbdev]``) of
notebooks with the usual mix of cells, copies it, exports one copy with each tool in this
process and as fresh processes (best of ``--repeat``, the tools taking turns, the library
folder removed before every run), measures peak memory (tracemalloc in a separate run, max
RSS of the processes), and compares the modules: same files, same code (ignoring comments and blank lines), same
``__all__``. nbdev is a benchmark-only dependency (``pip install nbdev``); without it the
script says so, times jupyter-llmdev alone and exits 0.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from random import Random

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(REPO))

LIB = "benchlib"
PYPROJECT = f"""[project]
name = "{LIB}"
version = "0.0.1"
urls = {{Documentation = "https://example.org/{LIB}/"}}

[tool.nbdev]
lib_path = "{LIB}"
nbs_path = "nbs"
# nbdev keeps magics unless told; jupyter-llmdev always scrubs them
export_procs = ["nbdev.scrubmagics:scrub_magics"]
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200", help="numbers of notebooks, comma-separated")
    parser.add_argument("--cells", type=int, default=40, help="cells per notebook")
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs per tool (best is reported)"
    )
    args = parser.parse_args()
    try:
        import nbdev  # noqa: F401
        from nbdev.doclinks import nbdev_export
    except ImportError:
        nbdev_export = None
        print(
            "nbdev is not installed (pip install nbdev): timing jupyter-llmdev alone, no comparison."
        )
    from jupyter_llmdev.export import export_notebooks

    for size in (int(text) for text in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="llmdev-bench-") as temp:
            ours_root, nbdev_root = Path(temp, "ours"), Path(temp, "nbdev")
            generate_project(ours_root, size, args.cells)
            shutil.copytree(ours_root, nbdev_root)
            print(f"\n== {size} notebooks x {args.cells} cells ==")
            tools = [
                Tool(
                    "jupyter-llmdev",
                    ours_root,
                    lambda root=ours_root: export_notebooks([], cwd=root),
                    "from jupyter_llmdev.export import export_notebooks; "
                    f"export_notebooks([], cwd={str(ours_root)!r})",
                )
            ]
            if nbdev_export is not None:
                tools.append(
                    Tool(
                        "nbdev_export",
                        nbdev_root,
                        lambda root=nbdev_root: _run_nbdev(nbdev_export, root),
                        "from nbdev.doclinks import nbdev_export; "
                        f"nbdev_export(path={str(nbdev_root / 'nbs')!r})",
                    )
                )
            _measure(tools, args.repeat)
            for tool in tools:
                print(
                    f"  {tool.label:15} in-process {tool.best:7.3f} s  peak {tool.peak / 2**20:6.1f} MiB"
                    f"  | cold process {tool.cold:6.3f} s  max RSS {tool.rss / 1024:6.1f} MiB"
                )
            if len(tools) == 2:
                ours, theirs = tools
                print(
                    f"  speed-up: {theirs.best / ours.best:.1f}x in-process, "
                    f"{theirs.cold / ours.cold:.1f}x as processes"
                )
                _compare(ours_root / LIB, nbdev_root / LIB)
    return 0


@dataclass
class Tool:
    """One exporter under test and its best times."""

    label: str
    root: Path
    run: Callable[[], object]
    #: the same export as a one-line script for a fresh interpreter
    script: str
    best: float = float("inf")
    cold: float = float("inf")
    peak: int = 0
    rss: int = 0


def generate_project(root: Path, notebooks: int, cells: int) -> None:
    """An nbdev project of ``notebooks`` notebooks with ``cells`` cells each (seeded, reproducible)."""
    (root / "nbs").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    for number in range(notebooks):
        random = Random(number)
        module = f"sub.mod{number}" if number % 7 == 3 else f"mod{number}"
        sources: list[tuple[str, str]] = [
            (
                "markdown",
                f"# Module {number}\n\n> Helpers number {number}.\n\nLonger text about it.",
            ),
            ("code", f"#| default_exp {module}"),
        ]
        if number % 2 == 0:
            sources.append(("code", "#| export\nfrom __future__ import annotations"))
        imports = "#| export\nimport os, re\nfrom collections import defaultdict"
        if number and (number - 1) % 7 != 3:
            imports += f"\nfrom {LIB}.mod{number - 1} import *"
        sources += [
            ("code", imports),
            ("code", "#| hide\nfrom nbdev.showdoc import *"),
            ("code", "%load_ext autoreload\n%autoreload 2"),
            ("code", f"#| export\n%config Completer.use_jedi = False\nVALUE_{number} = {number}"),
            ("code", f"#| export\n_all_ = ['_helper_{number}']\ndef _helper_{number}(x): return x"),
        ]
        if number % 10 == 9:
            sources.append(
                ("code", f"#| export mod0\ndef extra_{number}(x):\n    return x + {number}")
            )
        while len(sources) < cells:
            sources.append(_cell(random, number, len(sources)))
        (root / "nbs" / f"{number:03d}_mod{number}.ipynb").write_text(
            json.dumps(_notebook(sources), indent=1)
        )


def _cell(random: Random, number: int, index: int) -> tuple[str, str]:
    name = f"{number}_{index}"
    kind = index % 6
    if kind == 0:
        lines = [f"    total = x * {random.randint(1, 9)}"] + [
            f"    total += {random.randint(1, 99)}  # step {step}"
            for step in range(random.randint(3, 8))
        ]
        body = "\n".join(lines)
        return (
            "code",
            f'#| export\ndef func_{name}(x: int) -> int:\n    "Compute {name}."\n{body}\n    return total',
        )
    if kind == 1:
        return (
            "code",
            f"assert func_{number}_{index - 1}(2) >= 0\n%time func_{number}_{index - 1}(3)",
        )
    if kind == 2:
        return "code", (
            f'#|export\nclass Thing{name}:\n    "A thing."\n    def __init__(self, a):\n        self.a = a\n'
            f"    def double(self):\n        return self.a * 2\n\nalias_{name} = Thing{name}"
        )
    if kind == 3:
        return "markdown", f"## Section {name}\n\nSome prose with `code`."
    if kind == 4:
        return (
            "code",
            f"#| exporti\ndef _private_{name}(y):\n    return y - 1\n\n_CACHE_{name} = {{}}",
        )
    return (
        "code",
        f"#| exports\nCONST_{name}: int = {random.randint(0, 1000)}\na_{name}, b_{name} = 1, 2",
    )


def _notebook(sources: list[tuple[str, str]]) -> dict:
    cells = []
    for index, (cell_type, source) in enumerate(sources):
        cell = {"cell_type": cell_type, "id": f"c{index:04d}", "metadata": {}, "source": source}
        if cell_type == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _run_nbdev(nbdev_export: Callable[..., None], root: Path) -> None:
    nbdev_export(path=str(root / "nbs"))


def _measure(tools: list[Tool], repeat: int) -> None:
    """Best of ``repeat`` runs from scratch, the tools taking turns (so load on the machine hits
    both alike), in this process and as fresh processes; then peak traced memory of one run."""
    for _ in range(repeat + 1):
        for tool in tools:
            shutil.rmtree(tool.root / LIB, ignore_errors=True)
            start = time.perf_counter()
            tool.run()
            tool.best = min(tool.best, time.perf_counter() - start)
    for _ in range(repeat):
        for tool in tools:
            elapsed, rss = _cold(tool.root, tool.script)
            tool.cold, tool.rss = min(tool.cold, elapsed), max(tool.rss, rss)
    for tool in tools:
        shutil.rmtree(tool.root / LIB, ignore_errors=True)
        tracemalloc.start()
        tool.run()
        tool.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


# VmHWM is reset by exec; ru_maxrss is not (it would report this process's size after a fork)
_PEAK_RSS = """
import resource
try:
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    print(int(status.split()[0]))
except (OSError, IndexError):
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _cold(root: Path, code: str) -> tuple[float, int]:
    """Wall time and max RSS (KiB) of a fresh Python process that imports the tool and exports."""
    shutil.rmtree(root / LIB, ignore_errors=True)
    script = f"{code}\n{_PEAK_RSS}"
    env = {key: value for key, value in os.environ.items() if key != "IN_TEST"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = time.perf_counter() - start
    return elapsed, int(done.stdout.strip().splitlines()[-1])


def _compare(ours: Path, theirs: Path) -> None:
    """Same module files, same code without comments, same ``__all__``."""
    extras = {"__init__.py", "_modidx.py"}
    ours_files = {
        p.relative_to(ours).as_posix() for p in ours.rglob("*.py") if p.name not in extras
    }
    their_files = {
        p.relative_to(theirs).as_posix() for p in theirs.rglob("*.py") if p.name not in extras
    }
    if ours_files != their_files:
        print(
            f"  DIFFERENT module sets: only ours {sorted(ours_files - their_files)[:5]}, "
            f"only nbdev {sorted(their_files - ours_files)[:5]}"
        )
    same_code = same_all = 0
    for name in sorted(ours_files & their_files):
        mine, other = (
            _module_parts((ours / name).read_text()),
            _module_parts((theirs / name).read_text()),
        )
        same_all += mine[0] == other[0]
        same_code += mine[1] == other[1]
        if mine[0] != other[0]:
            print(f"  {name}: __all__ differs:\n    ours  {mine[0]}\n    nbdev {other[0]}")
        if mine[1] != other[1]:
            first = next(
                i
                for i, (a, b) in enumerate(zip(mine[1] + [""], other[1] + [""], strict=False))
                if a != b
            )
            print(
                f"  {name}: code differs at line {first}: ours {mine[1][first : first + 1]} nbdev {other[1][first : first + 1]}"
            )
    total = len(ours_files & their_files)
    print(
        f"  compared {total} modules: same code {same_code}/{total}, same __all__ {same_all}/{total}"
        f" (nbdev also writes {', '.join(sorted(extras))})"
    )


def _module_parts(text: str) -> tuple[list[str], list[str]]:
    """(``__all__``, code lines without comments, blank lines and the ``__all__`` statement)."""
    tree = ast.parse(text)
    names: list[str] = []
    skip: set[int] = set()
    for statement in tree.body:
        if (
            isinstance(statement, ast.Assign)
            and getattr(statement.targets[0], "id", "") == "__all__"
        ):
            names = ast.literal_eval(statement.value)
            skip.update(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
    lines = [
        line.rstrip()
        for number, line in enumerate(text.splitlines(), 1)
        if number not in skip and line.strip() and not line.lstrip().startswith("#")
    ]
    return names, lines


if __name__ == "__main__":
    sys.exit(main())
