"""Issue 14, item 3: ``scripts/run.sh`` and ``scripts/test.sh`` say what they do and skip an install
that would change nothing.

Both source ``scripts/setup_venv.sh``, which reinstalls only when ``scripts/install_stamp.py``'s hash
of the install's inputs differs from the one kept in ``.venv`` after the last successful install.
These tests run the real script on a copy of this checkout's inputs: with a matching stamp it skips
pip; after a change to the extension's sources it says it installs and runs pip (here a venv
without pip, so that step fails at once and the test stays fast), and keeps no stamp.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from install_stamp import install_stamp  # noqa: E402

#: the inputs the stamp reads, copied from this checkout
_COPIED = ("pyproject.toml", "install.json", "jupyter-config", "labextension/package.json",
           "labextension/package-lock.json", "labextension/tsconfig.json", "labextension/src", "labextension/style",
           "labextension/schema", "jupyter_llmdev", "scripts/install_stamp.py", "scripts/setup_venv.sh")


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    folder = tmp_path / "checkout"
    for name in _COPIED:
        source, target = ROOT / name, folder / name
        if source.is_dir():  # (the package without its built extension, made below)
            skip = ("__pycache__", "labextension") if name == "jupyter_llmdev" else ("__pycache__",)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns(*skip))
        elif source.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    built = folder / "jupyter_llmdev" / "labextension" / "static" / "style.js"
    built.parent.mkdir(parents=True)
    built.write_text("// the built extension\n")
    return folder


def test_the_stamp_follows_the_install_inputs_only(checkout: Path) -> None:
    first = install_stamp(checkout)
    assert install_stamp(checkout) == first
    # not inputs: module content (an editable install reads it live), build outputs, caches
    (checkout / "jupyter_llmdev" / "errors.py").write_text("# edited\n", encoding="utf-8")
    (checkout / "labextension" / "src" / "applier" / "metadata-schema.ts").write_text("// generated\n")
    (checkout / "labextension" / "lib").mkdir()
    (checkout / "labextension" / "lib" / "index.js").write_text("// tsc output\n")
    (checkout / "jupyter_llmdev" / "__pycache__").mkdir(exist_ok=True)
    (checkout / "jupyter_llmdev" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    (checkout / "jupyter_llmdev" / "labextension" / "static" / "extra.js").write_text("// build output\n")
    assert install_stamp(checkout) == first
    # inputs: each change below makes the next start reinstall
    seen = {first}
    for change in (
        lambda: (checkout / "labextension" / "src" / "index.ts").write_text("// edited\n"),
        lambda: (checkout / "labextension" / "package-lock.json").write_text("{}\n"),
        lambda: (checkout / "pyproject.toml").write_text("[project]\nname = 'x'\n"),
        lambda: (checkout / "jupyter_llmdev" / "new_module.py").write_text(""),
        lambda: (checkout / "jupyter_llmdev" / "notebook" / "metadata.schema.json").write_text("{}\n"),
        lambda: (checkout / "jupyter_llmdev" / "labextension" / "static" / "style.js").unlink(),
    ):
        change()
        stamp = install_stamp(checkout)
        assert stamp not in seen
        seen.add(stamp)


def _setup(checkout: Path) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in ("VIRTUAL_ENV", "PYTHONPATH")}
    return subprocess.run(["bash", "-c", 'set -euo pipefail; . scripts/setup_venv.sh; echo "active: $VIRTUAL_ENV"'],
                          cwd=checkout, env=env, capture_output=True, text=True, timeout=120)


def test_setup_skips_an_install_that_would_change_nothing_and_runs_it_after_a_change(checkout: Path) -> None:
    # a venv without pip: the test sees whether the script runs pip without paying for an install
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(checkout / ".venv")], check=True, timeout=120)
    stamp_file = checkout / ".venv" / ".llmdev-install-stamp"
    stamp_file.write_text(install_stamp(checkout) + "\n")

    skipped = _setup(checkout)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "jupyter-llmdev: .venv is up to date with this checkout; skipping pip install" in skipped.stdout
    assert f"active: {checkout / '.venv'}" in skipped.stdout
    assert "installing" not in skipped.stdout

    (checkout / "labextension" / "src" / "index.ts").write_text("// edited\n")
    installing = _setup(checkout)
    assert installing.returncode == 1
    # it says what it does before the slow step, then pip runs (and fails here: no pip in this venv)
    assert 'jupyter-llmdev: installing this checkout and its Python packages into .venv (pip install -e ".[test]")' \
        in installing.stdout
    assert "npm builds the JupyterLab extension" in installing.stdout
    assert "No module named pip" in installing.stderr
    assert 'pip install -e ".[test]" failed' in installing.stderr
    assert not stamp_file.exists()  # a failed install is retried on the next start
    assert "active:" not in installing.stdout
