"""``GET /jupyter-llmdev/info``: versions and the model of each role (never keys or URLs)."""

from __future__ import annotations

import json

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler

from .chat import AUTH_RESOURCE
from .runner import ChatRunner

__all__ = ["InfoHandler"]


class InfoHandler(APIHandler):
    """Package and protocol versions, and which model answers each role."""

    auth_resource = AUTH_RESOURCE

    def initialize(self, runner: ChatRunner) -> None:
        self.runner = runner

    @tornado.web.authenticated
    @authorized
    def get(self) -> None:
        """The info as JSON (``?path=NOTEBOOK``: as seen from that notebook's folder); a
        configuration problem is reported in ``config_error``."""
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(self.runner.info(self.get_argument("path", None) or None)))
