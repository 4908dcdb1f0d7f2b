"""The Jupyter server extension: ``/jupyter-llmdev/info`` and the ``/jupyter-llmdev/chat`` websocket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["NAMESPACE", "load_server_extension"]

#: the URL namespace of every handler (under the server's base_url)
NAMESPACE = "jupyter-llmdev"


def load_server_extension(server_app: Any) -> None:
    """Register the handlers on ``server_app.web_app``; called by Jupyter Server at start."""
    from jupyter_server.utils import url_path_join

    from .chat import ChatHandler
    from .handlers import InfoHandler
    from .runner import ChatRunner

    runner = ChatRunner(root_dir=Path(server_app.root_dir), traitlets_config=server_app.config)
    web_app = server_app.web_app
    base_url = web_app.settings["base_url"]
    options = {"runner": runner}
    web_app.add_handlers(
        ".*$",
        [
            (url_path_join(base_url, NAMESPACE, "info"), InfoHandler, options),
            (url_path_join(base_url, NAMESPACE, "chat"), ChatHandler, options),
        ],
    )
    server_app.log.info("jupyter-llmdev: server extension loaded at %s%s/", base_url, NAMESPACE)
