"""The CLI's one way to load the configuration: the untrusted-project warning goes to stderr once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__all__ = ["JUPYTER_CONFIG_NAMES", "cli_config", "jupyter_config"]

#: the Jupyter config files the CLI reads ``c.LLMDevConfig`` from, like the server does
JUPYTER_CONFIG_NAMES = ("jupyter_config", "jupyter_server_config")


def cli_config(start: Path, **kwargs: Any) -> Any:
    """:func:`~jupyter_llmdev.config.load_config` from ``start`` (a notebook or folder), warning
    on stderr when project settings were ignored because the project is not trusted."""
    from ..config import load_config
    from ..safety.terminal import printable

    begin = start.resolve()
    folder = begin.parent if begin.suffix == ".ipynb" or begin.is_file() else begin
    kwargs.setdefault("traitlets_config", jupyter_config())
    config = load_config(start_dir=folder, **kwargs)
    if config.untrusted is not None:
        hint = f"`llmdev trust {config.untrusted.pyproject.parent}`"
        print(f"llmdev: {printable(config.untrusted.message(hint))}", file=sys.stderr)
    return config


def jupyter_config() -> Any:
    """``c.LLMDevConfig`` of the user's Jupyter config files (the ones the server reads), in
    Jupyter's order (system, environment, user; later wins); these are trusted configuration."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

    from ..errors import ConfigError

    merged = Config()
    for folder in reversed(jupyter_config_path()):
        for name in JUPYTER_CONFIG_NAMES:
            for loader in (PyFileConfigLoader(f"{name}.py", path=folder), JSONFileConfigLoader(f"{name}.json", path=folder)):
                try:
                    merged.merge(loader.load_config())
                except ConfigFileNotFound:
                    continue
                except Exception as error:  # a broken config file of the user's: say which
                    raise ConfigError(f"Cannot read {Path(folder) / loader.filename}: {type(error).__name__}.",
                                      hint="Fix that Jupyter config file.") from None
    return merged
