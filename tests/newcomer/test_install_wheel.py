"""Issue 14, item 1: the README's install section, tried as a user would, in a fresh virtual environment.

The wheel is built the way the README says (``pip wheel --no-deps``) from a copy of this checkout
without its built labextension, so hatch-jupyter-builder runs npm and builds the labextension
for production, as for a release. It is then installed with the ``lab`` extra into a new venv,
whose own ``jupyter`` must list the labextension and the server extension as enabled and whose
``llmdev --version`` must answer.

Cost: the checkout's ``labextension/node_modules`` is hard-linked into the copy when it can be
(``npm install`` then finds it up to date; nothing in it is written), and pip's cache is used as
it is. On a fresh machine npm and pip download what they need instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from jupyter_llmdev import __version__

ROOT = Path(__file__).resolve().parents[2]
#: what a user's copy never holds: VCS data, environments, build outputs, test leftovers
_SKIP_NAMES = {".git", ".venv", "node_modules", "test-artifacts", "__pycache__", ".pytest_cache",
               ".hypothesis", ".ipynb_checkpoints", "dist", ".llmdev"}
#: build outputs at these places (relative to the root) are left out so the wheel build makes them
_SKIP_PATHS = {"jupyter_llmdev/labextension", "labextension/lib", "labextension/build"}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: a step taking longer than this is a failure (a fresh machine downloads npm and pip packages)
STEP_TIMEOUT = 900


def _ignore(folder: str, names: list[str]) -> set[str]:
    relative = Path(folder).relative_to(ROOT).as_posix()
    prefix = "" if relative == "." else relative + "/"
    return {name for name in names if name in _SKIP_NAMES or prefix + name in _SKIP_PATHS}


def _copy_checkout(target: Path) -> None:
    """This checkout without generated files; node_modules hard-linked when the filesystem allows."""
    shutil.copytree(ROOT, target, ignore=_ignore, symlinks=True)
    modules = ROOT / "labextension" / "node_modules"
    if not modules.is_dir():
        return
    linked = subprocess.run(["cp", "-al", str(modules), str(target / "labextension" / "node_modules")],
                            capture_output=True, text=True)
    if linked.returncode != 0:  # another filesystem: npm installs from the registry instead
        shutil.rmtree(target / "labextension" / "node_modules", ignore_errors=True)
        return
    hidden = target / "labextension" / "node_modules" / ".package-lock.json"
    if hidden.exists():  # npm may rewrite this file in place: never through a link into the checkout
        data = hidden.read_bytes()
        hidden.unlink()
        hidden.write_bytes(data)


def _run(command: list[str], *, env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=STEP_TIMEOUT)
    output = _ANSI.sub("", result.stdout + result.stderr)
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n{output[-4000:]}"
    return output


def test_the_wheel_installs_with_the_lab_extra_into_a_fresh_venv(tmp_path: Path) -> None:
    source, wheels, venv = tmp_path / "src", tmp_path / "wheels", tmp_path / "venv"
    _copy_checkout(source)
    env = {name: value for name, value in os.environ.items()
           if name not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH")}
    # the user-level Jupyter folders are empty ones: only what the venv installed can be found
    env.update(JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
               NO_COLOR="1")

    # README: "Build a wheel: pip wheel --no-deps -w dist ." (npm builds the labextension)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), "."], env=env, cwd=source)
    [wheel] = wheels.glob("jupyter_llmdev-*.whl")
    assert (source / "jupyter_llmdev" / "labextension" / "static" / "style.js").is_file()  # npm built it
    with zipfile.ZipFile(wheel) as archive:  # the license pyproject.toml declares goes with it
        [license_file] = [name for name in archive.namelist() if name.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(license_file).decode().startswith("BSD 3-Clause License")

    # README: pip install "jupyter_llmdev-VERSION-py3-none-any.whl[lab]" into a fresh venv
    _run([sys.executable, "-m", "venv", str(venv)], env=env, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run([str(python), "-m", "pip", "install", f"{wheel}[lab]"], env=env, cwd=tmp_path)

    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    labextensions = _run([str(venv / "bin" / "jupyter"), "labextension", "list"], env=env, cwd=tmp_path)
    # listed under the venv's own share/jupyter/labextensions, enabled and OK
    venv_section = labextensions.split(str(venv / "share" / "jupyter" / "labextensions"), 1)
    assert len(venv_section) == 2, labextensions
    assert re.search(rf"jupyter-llmdev v{re.escape(__version__)} enabled OK", venv_section[1]), labextensions

    servers = _run([str(venv / "bin" / "jupyter"), "server", "extension", "list"], env=env, cwd=tmp_path)
    assert re.search(r"^\s*jupyter_llmdev enabled\s*$", servers, re.MULTILINE), servers
    assert re.search(rf"jupyter_llmdev {re.escape(__version__)} OK", servers), servers
    assert re.search(r"^\s*jupyterlab enabled\s*$", servers, re.MULTILINE), servers  # the lab extra brought it

    version = _run([str(venv / "bin" / "llmdev"), "--version"], env=env, cwd=tmp_path)
    assert version.strip() == f"jupyter-llmdev {__version__}"
