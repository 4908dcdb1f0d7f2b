"""A real ``jupyter server`` with jupyter-llmdev in a subprocess, for the attacks on the server.

A subprocess (not pytest-jupyter's in-process server) because these tests watch the server from
outside: whether ``GET /api/status`` still answers while the extension works (a blocked event
loop cannot time out its own clients), and what the server writes to its log (stdout and stderr
go to one file, read after the attack).
"""

from __future__ import annotations

import asyncio
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

import tornado.httpclient
import tornado.websocket

from jupyter_llmdev import PROTOCOL_VERSION

__all__ = ["JupyterProcess", "chat_request", "read_until_final", "start_jupyter_server"]

#: variables of the developer's shell that must not reach the server
_LEAKY = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "LLMDEV_MODEL", "LLMDEV_CONTEXT_BUDGET", "LLMDEV_TIMEOUT",
          "LLMDEV_DOC_PATH", "LLMDEV_MAX_OUTPUT_TOKENS", "JPY_SESSION_NAME", "JUPYTER_CONFIG_DIR",
          "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR")


@dataclass
class JupyterProcess:
    """A running server: where it listens, its token, its root folder and its log file."""

    port: int
    token: str
    root: Path
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def chat_url(self) -> str:
        """The panel's websocket URL, with the token in the query as browsers send it."""
        return f"ws://127.0.0.1:{self.port}/jupyter-llmdev/chat?token={self.token}"

    async def status(self, timeout: float) -> int:
        """``GET /api/status`` with a client-side timeout (raises when it does not answer)."""
        client = tornado.httpclient.AsyncHTTPClient(force_instance=True)
        try:
            response = await client.fetch(f"{self.url}/api/status", headers={"Authorization": f"token {self.token}"},
                                           connect_timeout=timeout, request_timeout=timeout)
            return response.code
        finally:
            client.close()

    async def connect(self) -> Any:
        return await tornado.websocket.websocket_connect(self.chat_url(), max_message_size=64 * 1024 * 1024)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """Terminate the server (its own PID only); kill it if it does not stop (a blocked loop)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_jupyter_server(base: Path, environ: dict[str, str]) -> JupyterProcess:
    """Start ``jupyter server`` with only our extension, in private config folders under ``base``."""
    root = base / "root"
    for folder in (root, base / "config", base / "runtime", base / "data"):
        folder.mkdir(parents=True, exist_ok=True)
    port, token = _free_port(), secrets.token_hex(16)
    env = {key: value for key, value in os.environ.items() if key not in _LEAKY}
    env.update(environ)
    env.update(JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTER_DATA_DIR=str(base / "data"), JUPYTER_PLATFORM_DIRS="1")
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--ServerApp.log_level=DEBUG"]
    (base / "config" / "jupyter_server_config.json").write_text(json.dumps(
        {"ServerApp": {"jpserver_extensions": {"jupyter_llmdev": True, "jupyter_server_terminals": False}}}),
        encoding="utf-8")
    log = base / "server.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=root)
    server = JupyterProcess(port, token, root, log, process)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter server exited with {process.returncode}:\n{server.log_text()[-3000:]}")
        try:
            request = urllib.request.Request(f"{server.url}/api/status", headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=5):
                return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"jupyter server did not answer within 60 s:\n{server.log_text()[-3000:]}")


def chat_request(request_id: str, line: str, *, cells: list[dict[str, Any]], section: Any = None,
                 target: str | None = None) -> str:
    """A panel ``request`` frame."""
    return json.dumps({"type": "request", "id": request_id, "protocol_version": PROTOCOL_VERSION, "line": line,
                       "snapshot": {"path": "nb.ipynb", "active_cell_id": target, "cells": cells, "section": section},
                       "target_cell_id": target, "model": None})


async def read_until_final(ws: Any, request_id: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Messages for ``request_id`` up to its ``done`` or ``error`` (others are skipped)."""
    seen = []
    while True:
        raw = await asyncio.wait_for(ws.read_message(), timeout=timeout)
        assert raw is not None, "the server closed the websocket"
        message = json.loads(raw)
        if message.get("id") == request_id:
            seen.append(message)
            if message["type"] in ("done", "error"):
                return seen
