"""The TypeScript ChangeSet applier (labextension/src/applier) against every tests/vectors case.

The node tests run each vector twice: on an nbformat JSON notebook and on JupyterLab's real
shared notebook model (``@jupyter/ydoc``), the one the live extension edits.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LABEXT = ROOT / "labextension"
VECTORS = sorted((ROOT / "tests" / "vectors").glob("*.json"))
SCHEMA = ROOT / "jupyter_llmdev" / "notebook" / "metadata.schema.json"
SCHEMA_COPY = LABEXT / "src" / "applier" / "metadata-schema.ts"


def _npm() -> str:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH; the TypeScript applier tests need Node.js >= 20 and npm")
    if not (LABEXT / "node_modules" / "typescript").is_dir():
        pytest.fail("labextension/node_modules is missing: run `pip install -e .` or `npm ci` in labextension/")
    return npm


def test_typescript_applier_passes_every_vector() -> None:
    result = subprocess.run(
        [_npm(), "test", "--silent"], check=False, cwd=LABEXT, capture_output=True, text=True, timeout=300
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", output, re.MULTILINE))
    # one directory check + every vector on a JSON notebook and on the shared model
    assert int(counts["tests"]) == 1 + 2 * len(VECTORS), output[-2000:]
    assert int(counts["pass"]) == int(counts["tests"]) and counts["fail"] == "0"
    # the build generated the applier's schema from the Python one (history is checked alike)
    text = SCHEMA_COPY.read_text(encoding="utf-8")
    match = re.search(r"export const METADATA_SCHEMA: Schema = (\{.*\});\s*$", text, re.DOTALL)
    assert match, f"{SCHEMA_COPY} is not in the generated form"
    assert json.loads(match.group(1)) == json.loads(SCHEMA.read_text(encoding="utf-8"))
