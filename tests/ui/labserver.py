"""Start and stop a real ``jupyter lab`` (or Notebook 7) subprocess for the browser tests."""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openai_server import OpenAIServer

__all__ = ["ARTIFACTS", "CHROMIUM_ARGS", "LABEXT_BUILD", "LabServer", "llm_environ", "start_jupyter",
           "stop_jupyter"]

ROOT = Path(__file__).resolve().parents[2]
#: the freshly built extension (npm run build); served ahead of any installed copy
LABEXT_BUILD = ROOT / "jupyter_llmdev" / "labextension"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-quic",
]
#: environment variables of the developer's shell that must not reach the lab server
_LEAKY = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLMDEV_MODEL", "LLMDEV_CONTEXT_BUDGET",
          "LLMDEV_TIMEOUT", "LLMDEV_DOC_PATH", "JPY_SESSION_NAME", "JUPYTER_CONFIG_DIR",
          "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")
#: settings that keep dialogs and toasts from covering the page
_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings":
        {"renameUntitledFileOnSave": False},
}


@dataclass
class LabServer:
    """A running ``jupyter lab`` (or ``jupyter notebook``) subprocess."""

    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    def page_url(self, notebook: str | None = None, *, app: str = "lab") -> str:
        """The URL opening ``notebook`` (or the launcher) with a reset workspace."""
        if app == "notebook":
            return f"{self.url}/notebooks/{notebook}?token={self.token}"
        where = f"/lab/tree/{notebook}" if notebook else "/lab"
        return f"{self.url}{where}?reset&token={self.token}"

    def get_json(self, path: str) -> Any:
        """``GET path`` with the token, as JSON."""
        request = urllib.request.Request(f"{self.url}{path}", headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_jupyter(
    base: Path, environ: dict[str, str], *, app: str = "lab", server_extension: bool = True,
    collaborative: bool = False,
) -> LabServer:
    """Start ``jupyter lab`` (``app="notebook"``: Notebook 7) in ``base`` and wait until it answers.

    With jupyter-collaboration installed every lab would be collaborative: real-time collaboration
    stays off (its documented ``YDocExtension.disable_rtc``) unless ``collaborative``, so the other
    tests exercise the plain document model on purpose.
    """
    root, config, settings = base / "root", base / "config", base / "settings"
    for folder in (root, config, settings, base / "workspaces", base / "runtime", base / "ipython"):
        folder.mkdir(parents=True, exist_ok=True)
    for name, value in _SETTINGS.items():
        target = settings / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(value), encoding="utf-8")
    # JupyterLab serves an extension from <labextensions dir>/<its name>/: link the fresh build there
    labextensions = base / "labextensions"
    labextensions.mkdir(exist_ok=True)
    if not (labextensions / "jupyter-llmdev").exists():
        (labextensions / "jupyter-llmdev").symlink_to(LABEXT_BUILD, target_is_directory=True)
    (config / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"jpserver_extensions": {"jupyter_llmdev": server_extension}},
        "YDocExtension": {"disable_rtc": not collaborative},
        # window.jupyterapp: tests read the live document (cell ids) through it
        "LabApp": {"expose_app_in_browser": True},
    }), encoding="utf-8")
    port, token = _free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    env.update(environ)
    env.update(JUPYTER_CONFIG_DIR=str(config), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTER_PLATFORM_DIRS="1", IPYTHONDIR=str(base / "ipython"))
    # LabServerApp settings reach every app built on it (LabApp, Notebook 7, and the /lab handlers
    # Notebook 7 also loads)
    command = [
        sys.executable, "-m", "jupyter", app, "--no-browser", "--allow-root",
        "--LabApp.extension_manager=readonly",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        f"--LabServerApp.user_settings_dir={settings}", f"--LabServerApp.workspaces_dir={base / 'workspaces'}",
        f"--LabServerApp.extra_labextensions_path={labextensions}",
    ]
    log = base / f"{app}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=root)
    server = LabServer(f"http://127.0.0.1:{port}", token, root, log, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter {app} exited with {process.returncode}:\n{server.log_tail()}")
        try:
            server.get_json("/api/status")
            return server
        except OSError:
            time.sleep(0.2)
    stop_jupyter(server)
    raise RuntimeError(f"jupyter {app} did not answer within 60 s:\n{server.log_tail()}")


def stop_jupyter(server: LabServer) -> None:
    """Terminate the server (its PID only) and wait for it."""
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=5)


def llm_environ(llm_server: OpenAIServer) -> dict[str, str]:
    """The environment that sends the lab server's (and its kernels') model requests to ``llm_server``."""
    return {"OPENAI_BASE_URL": llm_server.base_url, "OPENAI_API_KEY": "test", "LLMDEV_MODEL": "test-model"}
