"""``/jupyter-llmdev/chat``: the side panel's websocket (request, cancel; status, delta, done, error)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from jupyter_core.utils import ensure_async
from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.base.websocket import WebSocketMixin
from tornado import web
from tornado.websocket import WebSocketClosedError, WebSocketHandler

from .runner import ChatRunner
from .wire import WireError, parse_client_message, server_message

__all__ = ["ChatHandler"]

#: requests one connection may run at the same time
MAX_RUNNING = 4
#: the authorizer's resource name for this extension
AUTH_RESOURCE = "jupyter_llmdev"


class ChatHandler(WebSocketMixin, WebSocketHandler, JupyterHandler):  # type: ignore[misc]
    """One panel connection; each request runs as an asyncio task on the server's loop."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, runner: ChatRunner) -> None:
        self.runner = runner
        self._tasks: dict[str, asyncio.Task[None]] = {}

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
        try:
            data = parse_client_message(message)
        except WireError as error:
            self._send(server_message("error", id=error.request_id, code="bad_message", message=str(error)))
            return
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
            self._send(server_message("error", id=request_id, code="internal",
                                      message="jupyter-llmdev hit an unexpected error; the Jupyter server log has the details."))
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
