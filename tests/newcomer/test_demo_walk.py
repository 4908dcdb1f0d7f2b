"""Issue 14, item 4: the demo server answers every command, so the whole workflow runs offline.

``scripts/run.sh`` starts ``scripts/demo_server.py`` when no key or base URL is set and the README
says every command can be tried with it. Before, ``doc update`` always failed (its reply held no
```markdown block) and ``fix`` always answered with the build's cells. This test starts the demo
server as ``run.sh`` does (a subprocess printing its URL), points the real CLI at it with
``LLMDEV_MODEL=demo`` and walks plan -> approve -> build -> review -> fix -> doc update -> doc
accept -> export on a copy of ``examples/``; then imports the exported module and calls what the
scripted build wrote.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from jupyter_llmdev.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def demo_url() -> Iterator[str]:
    """``scripts/demo_server.py`` running on 127.0.0.1; its base URL (the first line it prints)."""
    process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "demo_server.py")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), process.stderr.read() if process.poll() is not None else url
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def example(tmp_path: Path, demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/ configured as run.sh configures it for the demo server."""
    folder = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", folder, ignore=shutil.ignore_patterns(".llmdev", ".ipynb_checkpoints",
                                                                             "__pycache__"))
    monkeypatch.setenv("OPENAI_BASE_URL", demo_url)
    monkeypatch.setenv("LLMDEV_MODEL", "demo")
    monkeypatch.chdir(folder)
    return folder


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    assert code == 0, f"llmdev {' '.join(argv)} exited {code}:\n{out.out}\n{out.err}"
    return out.out, out.err


def section(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return json.loads(json.dumps(nb.metadata["jupyter_llmdev"]))


def test_the_whole_workflow_walks_offline_against_the_demo_server(
        example: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notebook = "quickstart.ipynb"
    doc_before = (example / "ARCHITECTURE.md").read_text(encoding="utf-8")

    out, _ = run(capsys, "plan", notebook, "add a greeting function")
    assert "Scripted demo reply" in out and "## Steps" in out
    run(capsys, "approve", notebook)
    run(capsys, "build", notebook)
    data = section(example / notebook)
    [build] = data["changes"]
    assert data["plans"][0]["status"] == "built" and len(build["edits"]) == 2

    out, _ = run(capsys, "review", notebook)
    inserted = [edit["cell_id"] for edit in build["edits"]]
    assert "demo  changes, 2 findings" in out and "FAILED" not in out, out
    assert inserted[0] in out  # the findings name the cells the build inserted

    run(capsys, "fix", notebook, "--only", "1")
    fix = section(example / notebook)["changes"][-1]
    assert fix["command"] == "fix" and fix["parent"] == build["id"]
    [edit] = fix["edits"]
    assert edit["op"] == "replace" and edit["cell_id"] == inserted[0]
    assert "# demo fix: finding 1 of the review" in edit["after"]["source"]

    out, err = run(capsys, "doc", notebook, "update")
    assert "+* `demo_greeting(name)`" in out, out + err
    run(capsys, "doc", notebook, "accept")
    doc_after = (example / "ARCHITECTURE.md").read_text(encoding="utf-8")
    assert doc_after.startswith(doc_before.rstrip()) and "demo_greeting" in doc_after

    out, err = run(capsys, "export", notebook)
    [written] = [line.split()[1] for line in out.splitlines() if line.startswith("wrote ") and "(from " in line]
    module = (example / written).resolve()
    assert "def demo_greeting" in module.read_text(encoding="utf-8")
    call = subprocess.run([sys.executable, "-c", "import sys, importlib; sys.path.insert(0, sys.argv[1]); "
                           "print(importlib.import_module(sys.argv[2]).demo_greeting('trips'))",
                           str(module.parent), module.stem], capture_output=True, text=True, timeout=60)
    assert call.stdout.strip() == "hello, trips, from the jupyter-llmdev demo server", call.stderr

    out, _ = run(capsys, "log", notebook)
    assert [line.split()[0] for line in out.splitlines()] == [build["id"], fix["id"]]
