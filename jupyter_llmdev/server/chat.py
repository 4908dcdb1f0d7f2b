"""``/jupyter-llmdev/chat``: the side panel's websocket (request, cancel; status, delta, done, error).

Frames are untrusted (they carry the notebook): a frame that is not a valid message gets an
``error`` (``bad_message``) and changes nothing else, and nothing a frame holds can end the
connection or the requests running on it. Errors are logged without the request URL, which holds
the server token (see :mod:`.logscrub`).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
from types import TracebackType
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from . import logscrub
from .runner import ChatRunner
from .wire import MAX_FRAME, WireError, parse_client_message, server_message

__all__ = ["ChatHandler"]

#: requests one connection may run at the same time
MAX_RUNNING = 4
#: the authorizer's resource name for this extension
AUTH_RESOURCE = "jupyter_llmdev"
#: the message of an ``internal`` error (the details go to the server log, never to the browser)
_INTERNAL = "jupyter-llmdev hit an unexpected error; the Jupyter server log has the details."

# tornado's loggers get the token filter when the extension loads (this module is imported then),
# before any of its handlers (this one, /info) can log; the server app's logger on first connection
logscrub.install()

#: what the first ``ask`` imports; about a second of imports that, done by the first request on
#: the server's loop, held up every other request and the whole Jupyter server (benchmarks/server_load.py)
_FIRST_REQUEST_IMPORTS = ("openai", "jupyter_llmdev.llm.client", "jupyter_llmdev.engine.ask",
                          "jupyter_llmdev.context", "jupyter_llmdev.replies", "jupyter_llmdev.notebook.placement",
                          "jupyter_llmdev.commands", "jupyter_llmdev.server.flow")


def _import_ahead() -> None:
    """Import :data:`_FIRST_REQUEST_IMPORTS` on a daemon thread when the extension loads."""
    def run() -> None:
        for name in _FIRST_REQUEST_IMPORTS:
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - the request that needs it reports the failure
                pass

    threading.Thread(target=run, name="jupyter-llmdev-import-ahead", daemon=True).start()


_import_ahead()


class ChatHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):  # type: ignore[misc]
    """One panel connection; each request runs as an asyncio task on the server's loop."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, runner: ChatRunner) -> None:
        self.runner = runner
        self._tasks: dict[str, asyncio.Task[None]] = {}
        logscrub.install([self.log])

    @property
    def max_message_size(self) -> int:
        """Bytes the websocket layer reads per frame: room for :data:`MAX_FRAME` characters of
        UTF-8, so an oversized frame still gets a ``bad_message`` answer (beyond this: code 1009)."""
        return 4 * MAX_FRAME

    def _request_summary(self) -> str:
        """What tornado puts in its log lines for this request: never the query (the token)."""
        return f"{self.request.method} {self.request.path} ({self.request.remote_ip})"

    def log_exception(self, typ: type[BaseException] | None, value: BaseException | None,
                      tb: TracebackType | None) -> None:
        """Log an uncaught error without the request (tornado's default prints its URL and token)."""
        if isinstance(value, web.HTTPError):
            if value.log_message:
                self.log.warning("%d %s: %s", value.status_code, self._request_summary(), value.get_message())
            return
        self.log.error("jupyter-llmdev: uncaught error on %s", self._request_summary(), exc_info=(typ, value, tb))

    async def pre_get(self) -> None:
        """Authorize: the panel runs models on the user's behalf, like executing code."""
        user = self.current_user
        allowed = await ensure_async(self.authorizer.is_authorized(self, user, "execute", AUTH_RESOURCE))
        if not allowed:
            raise web.HTTPError(403)

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        """Upgrade to a websocket after authentication and authorization."""
        await self.pre_get()
        result = super().get(*args, **kwargs)
        if result is not None:
            await result

    def on_message(self, message: str | bytes) -> None:
        """Answer one frame; whatever it holds, the connection and its other requests go on."""
        try:
            data = parse_client_message(message)
        except WireError as error:
            self._send(server_message("error", id=error.request_id, code="bad_message", message=str(error)))
            return
        try:
            self._dispatch(data)
        except Exception:
            self.log.exception("jupyter-llmdev: a %s message could not be handled", data["type"])
            self._send(server_message("error", id=data["id"], code="internal", message=_INTERNAL))

    def _dispatch(self, data: dict[str, Any]) -> None:
        request_id = data["id"]
        if data["type"] == "cancel":
            task = self._tasks.get(request_id)
            if task is not None:
                task.cancel()
            return
        if request_id in self._tasks:
            self._send(server_message("error", id=request_id, code="bad_message",
                                      message=f"Request {request_id} is already running."))
            return
        if len(self._tasks) >= MAX_RUNNING:
            self._send(server_message("error", id=request_id, code="busy",
                                      message=f"{MAX_RUNNING} requests are already running; stop one first."))
            return
        self._tasks[request_id] = asyncio.ensure_future(self._run(data))

    async def _run(self, data: dict[str, Any]) -> None:
        request_id = data["id"]
        try:
            await self.runner.run(data, self._send)
        except asyncio.CancelledError:
            self._send(server_message("error", id=request_id, code="cancelled",
                                      message="Stopped: nothing was inserted."))
        except Exception:
            self.log.exception("jupyter-llmdev: request %s failed", request_id)
            self._send(server_message("error", id=request_id, code="internal", message=_INTERNAL))
        finally:
            self._tasks.pop(request_id, None)

    def _send(self, message: dict[str, Any]) -> None:
        if self.ws_connection is None or self.ws_connection.is_closing():
            return
        try:
            self.write_message(json.dumps(message))
        except WebSocketClosedError:
            pass

    def on_close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
