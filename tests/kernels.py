"""A real ipykernel with jupyter-llmdev loaded, and running code in it as JupyterLab does."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jupyter_client.manager import KernelManager


@contextmanager
def kernel_with_extension(cwd: Path, env: dict[str, str]) -> Iterator[Any]:
    """A started kernel client in ``cwd`` with ``env`` added and ``%load_ext jupyter_llmdev`` run."""
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env={**os.environ, "IPYTHONDIR": str(cwd / "ipython"), **env}, cwd=str(cwd))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        loaded = execute(client, "%load_ext jupyter_llmdev")
        assert loaded["reply"]["status"] == "ok", loaded
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def execute(client, code: str, *, cell_id: str | None = None, timeout: float = 30) -> dict[str, Any]:
    """Run ``code``; returns the reply content plus every iopub message of that execution."""
    content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
               "allow_stdin": False, "stop_on_error": True}
    msg = client.session.msg("execute_request", content, metadata={"cellId": cell_id} if cell_id else {})
    client.shell_channel.send(msg)
    msg_id = msg["header"]["msg_id"]
    iopub: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            message = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no idle status for {code!r} within {timeout} s") from None
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        iopub.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=timeout)
    return {"reply": reply["content"], "iopub": iopub}
