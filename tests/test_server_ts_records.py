"""The TypeScript record store (labextension/src/applier/records.ts) the panel and the live bridge use.

Plans, reviews and doc proposals from the kernel (``record`` comm messages) and from the server's
workflow commands (``done.records``) go through ``storeRecords``; its node tests run it on an
nbformat JSON notebook and on JupyterLab's real shared notebook model.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

LABEXT = Path(__file__).resolve().parent.parent / "labextension"


def test_typescript_record_store_upserts_and_validates() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not on PATH; the TypeScript tests need Node.js >= 20 and npm")
    if not (LABEXT / "node_modules" / "typescript").is_dir():
        pytest.fail("labextension/node_modules is missing: run `pip install -e .` or `npm ci` in labextension/")
    result = subprocess.run([npm, "run", "--silent", "test:records"], check=False, cwd=LABEXT,
                            capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    counts = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", output, re.MULTILINE))
    # the store's own tests, plus every shared record vector on the JSON notebook and the shared model
    vectors = len(list((LABEXT.parent / "tests" / "vectors" / "records").glob("*.json")))
    expected = 12 + 2 * vectors
    assert int(counts["tests"]) >= expected and counts["pass"] == counts["tests"] and counts["fail"] == "0", \
        output[-2000:]
