"""Item 2 of the integrity issue, in the TypeScript applier the panel uses: on JupyterLab's real
shared notebook model (``@jupyter/ydoc``), undo takes an applied change's cells out and leaves its
record ``applied``; ``presenceOf`` says ``undone`` (and ``applied`` after redo), and a revert of an
undone change, or one that would write nothing, is refused (labextension/test/presence.test.ts)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LABEXT = Path(__file__).resolve().parents[2] / "labextension"


def test_typescript_history_tells_undone_from_applied() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH; the TypeScript tests need Node.js >= 20 and npm")
    if not (LABEXT / "node_modules" / "typescript").is_dir():
        pytest.fail("labextension/node_modules is missing: run `pip install -e .` or `npm ci` in labextension/")
    built = subprocess.run([npm, "run", "--silent", "build:test"], check=False, cwd=LABEXT,
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, (built.stdout + built.stderr)[-6000:]
    result = subprocess.run(["node", "--test", "build/node-test/test/presence.test.js"], check=False,
                            cwd=LABEXT, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", output, re.MULTILINE))
    assert int(counts["tests"]) == 4 and int(counts["pass"]) == 4 and counts["fail"] == "0", output[-2000:]
