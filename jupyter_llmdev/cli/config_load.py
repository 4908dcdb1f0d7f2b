"""The CLI's one way to load the configuration: the untrusted-project warning goes to stderr once."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__all__ = ["cli_config"]


def cli_config(start: Path, **kwargs: Any) -> Any:
    """:func:`~jupyter_llmdev.config.load_config` from ``start`` (a notebook or folder), with the
    user's Jupyter config files (the ones the server reads), warning on stderr when project
    settings were ignored because the project is not trusted."""
    from ..config import load_config
    from ..config.jupyter_files import jupyter_config_files
    from ..safety.terminal import printable

    begin = start.resolve()
    folder = begin.parent if begin.suffix == ".ipynb" or begin.is_file() else begin
    kwargs.setdefault("config_files", jupyter_config_files())
    config = load_config(start_dir=folder, **kwargs)
    if config.untrusted is not None:
        hint = f"`llmdev trust {config.untrusted.pyproject.parent}`"
        print(f"llmdev: {printable(config.untrusted.message(hint))}", file=sys.stderr)
    return config
