"""jupyter-llmdev: plan, approve, build and review notebook code with LLMs; every change versioned.

Importing this package is cheap: no ``openai``, no IPython, no server code until a front end
asks for it. Entry points:

* ``%load_ext jupyter_llmdev`` -- the ``%llm`` / ``%%llm`` magics and the kernel comm;
* ``llmdev`` -- the command line on .ipynb files (``jupyter_llmdev.cli.main``);
* the Jupyter server extension (``jupyter_llmdev.server``) and the prebuilt JupyterLab extension.
"""

from __future__ import annotations

from typing import Any

from ._version import PROTOCOL_VERSION, __version__

__all__ = ["PROTOCOL_VERSION", "__version__", "load_ipython_extension", "unload_ipython_extension"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where JupyterLab finds the prebuilt extension (built into ``labextension/`` by npm)."""
    return [{"src": "labextension", "dest": "jupyter-llmdev"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The server extension: this module's ``_load_jupyter_server_extension``."""
    return [{"module": "jupyter_llmdev"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    """Add the ``/jupyter-llmdev/*`` handlers (server code is imported only here)."""
    from .server import load_server_extension

    load_server_extension(server_app)


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics, the settings (``%config LLMDevConfig``), and in a kernel the comm
    target of the live channel."""
    from .config.configurable import register_in_shell
    from .kernel.comm import LiveChannel
    from .kernel.magics import LLMMagics

    register_in_shell(ipython)

    channel = None
    if getattr(ipython, "kernel", None) is not None:
        channel = LiveChannel()
        channel.register()
    ipython.register_magics(LLMMagics(ipython, channel))


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics (the comm target goes with the kernel)."""
    from .config.configurable import unregister_from_shell

    unregister_from_shell(ipython)
    ipython.magics_manager.magics["line"].pop("llm", None)
    ipython.magics_manager.magics["cell"].pop("llm", None)
