"""The kernel side of the live channel to the JupyterLab frontend (protocol in ARCHITECTURE.md).

Two comms, so that frontend messages are never queued behind the running cell:

* ``jupyter_llmdev`` -- opened by the frontend; carries frontend -> kernel traffic only
  (``snapshot`` before a ``%llm`` cell executes). With comms over subshells its handler runs
  on another thread, so it only stores the snapshot and notifies a condition.
* ``jupyter_llmdev_front`` -- opened by the kernel on first use; carries kernel -> frontend
  traffic (``apply``: a ChangeSet to insert into the live notebook; ``record``: a plan, review
  or doc record to store in the notebook's metadata), addressed to the ``client`` that ran the
  cell: every open page receives it, only that one applies it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from .._version import PROTOCOL_VERSION
from ..notebook.snapshot import NotebookSnapshot
from ..server.wire import comm_message, comm_problem

__all__ = [
    "FRONT_TARGET", "KERNEL_TARGET", "LiveChannel", "compatible", "executing_client", "snapshot_problem",
]

KERNEL_TARGET = "jupyter_llmdev"
FRONT_TARGET = "jupyter_llmdev_front"
#: how long a ``%llm`` cell waits for the snapshot of its own execution (subshell race)
SNAPSHOT_WAIT = 1.0


def compatible(version: object) -> bool:
    """True when a peer's protocol version has our major version."""
    return isinstance(version, str) and version.split(".")[0] == PROTOCOL_VERSION.split(".")[0]


class LiveChannel:
    """Snapshots received from the frontend, and the comm to send ChangeSets back."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._snapshots: dict[str, NotebookSnapshot] = {}
        self._latest: NotebookSnapshot | None = None
        self._front: Any = None
        self.connected = False
        self.rejected: str | None = None
        #: why the last malformed snapshot was dropped (the cell then reads the saved notebook)
        self.refused: str | None = None

    # -- frontend -> kernel ----------------------------------------------------------------

    def register(self) -> None:
        """Register the comm target; called by ``load_ipython_extension`` in a kernel."""
        from comm import get_comm_manager

        get_comm_manager().register_target(KERNEL_TARGET, self._on_open)

    def _on_open(self, comm: Any, open_msg: dict[str, Any]) -> None:
        data = open_msg.get("content", {}).get("data") or {}
        version = data.get("protocol_version")
        if not compatible(version):
            self.rejected = (
                f"the JupyterLab extension speaks protocol {version}, this kernel {PROTOCOL_VERSION}; "
                "install the same jupyter-llmdev version in the kernel and the server"
            )
            comm.close()
            return
        self.connected = True
        comm.on_msg(self._on_msg)

    def _on_msg(self, msg: dict[str, Any]) -> None:
        self.receive(msg.get("content", {}).get("data") or {})

    def receive(self, data: dict[str, Any]) -> None:
        """Handle one frontend message (thread-safe; also the entry point for tests)."""
        if not isinstance(data, dict) or data.get("method") != "snapshot":
            return
        problem = snapshot_problem(data)
        if problem:
            self.refused = f"a snapshot from the frontend was ignored: {problem}"
            return
        snapshot = NotebookSnapshot.from_wire(data["snapshot"])
        cell_id = data.get("executing_cell_id") or snapshot.active_cell_id
        with self._lock:
            self.connected = True
            self._latest = snapshot
            if cell_id:
                snapshot.active_cell_id = cell_id
                self._snapshots[cell_id] = snapshot
                # keep only the last few: a snapshot is needed only while its cell runs
                while len(self._snapshots) > 8:
                    self._snapshots.pop(next(iter(self._snapshots)))
            self._lock.notify_all()

    def snapshot_for(self, cell_id: str | None, wait: float = SNAPSHOT_WAIT) -> NotebookSnapshot | None:
        """The snapshot pushed for ``cell_id``; waits briefly when the frontend is connected."""
        if not self.connected:
            return None
        deadline = time.monotonic() + wait
        with self._lock:
            while True:
                if cell_id is None:
                    return self._latest
                found = self._snapshots.pop(cell_id, None)
                remaining = deadline - time.monotonic()
                if found is not None or remaining <= 0:
                    return found
                self._lock.wait(remaining)

    # -- kernel -> frontend ----------------------------------------------------------------

    def send(self, method: str, **fields: Any) -> bool:
        """Send ``{method, protocol_version, client, **fields}`` to the frontend; False when none listens.

        Every page with the notebook open (collaboration: several browsers) receives the comm's
        messages; ``client`` names the one whose execute request is running, which alone applies
        it (the others see the result through the shared model).
        """
        if not self.connected:
            return False
        message = comm_message(method, protocol_version=PROTOCOL_VERSION, client=executing_client(), **fields)
        self._front_comm().send(message)
        return True

    def send_apply(self, changeset: dict[str, Any], *, notebook_path: str | None) -> bool:
        """Send a ChangeSet for the frontend to apply; False when no frontend is listening."""
        return self.send("apply", notebook_path=notebook_path, changeset=changeset)

    def _front_comm(self) -> Any:
        if self._front is None:
            from comm import create_comm

            self._front = create_comm(
                target_name=FRONT_TARGET, data={"protocol_version": PROTOCOL_VERSION}
            )
            self._front.on_close(self._forget_front)
        return self._front

    def _forget_front(self, msg: dict[str, Any]) -> None:
        del msg
        self._front = None


def executing_client() -> str | None:
    """The session id of the frontend whose execute request is running (``header.session``).

    A JupyterLab kernel connection stamps its own ``clientId`` there, so the page that ran the
    ``%llm`` cell recognises the messages meant for it. ``None`` outside a kernel.
    """
    from IPython import get_ipython

    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return None
    parent = kernel.get_parent() or {}
    session = (parent.get("header") or {}).get("session")
    return session if isinstance(session, str) and session else None


def snapshot_problem(data: dict[str, Any]) -> str | None:
    """What is wrong with a ``snapshot`` message, or ``None``; checked before anything reads it.

    The cells come from the notebook (untrusted): the message must follow its declaration in
    ``server/wire.py`` (``CommSnapshot``: the same ``WireSnapshot`` the panel sends the server),
    and nothing may nest deeper than :data:`~jupyter_llmdev.safety.nesting.MAX_DEPTH`.
    """
    return comm_problem(data)
