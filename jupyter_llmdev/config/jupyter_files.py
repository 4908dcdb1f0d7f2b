"""The user's Jupyter config files (``c.LLMDevConfig.*``), read the way Jupyter Server reads them.

The server gets these files through its own config object; the CLI and the kernel read them here,
so one ``c.LLMDevConfig.context_budget = ...`` in ``jupyter_config.py`` or
``jupyter_server_config.py`` holds in all three front ends. Each file is its own layer, so
``llmdev config`` names the file a value came from. The files are the user's own (trusted)
configuration. They are read once per process and again only when one of them changes (a kernel
asks on every ``%llm``, and executing config files is not free).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["JUPYTER_CONFIG_NAMES", "jupyter_config_files"]

#: the Jupyter config files read for ``c.LLMDevConfig``, like the server does (base file first)
JUPYTER_CONFIG_NAMES = ("jupyter_config", "jupyter_server_config")

#: (path, mtime_ns, size) of every file found -> what they hold; one entry, the latest
_cache: dict[tuple[tuple[str, int, int], ...], list[tuple[Path, Any]]] = {}

#: the variables jupyter_config_path() depends on -> the files that may exist, lowest first
_places: dict[tuple[str | None, ...], list[Path]] = {}
_PATH_VARIABLES = (
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_PREFER_ENV_PATH",
    "JUPYTER_NO_CONFIG",
    "JUPYTER_PLATFORM_DIRS",
    "HOME",
)


def _candidates() -> list[Path]:
    """Existing config files in Jupyter's order: lowest priority first (later wins)."""
    key = tuple(os.environ.get(name) for name in _PATH_VARIABLES)
    if key not in _places:  # working the folders out costs more than the stats (per %llm)
        from jupyter_core.paths import jupyter_config_path

        _places[key] = [
            Path(folder) / f"{name}{suffix}"
            for folder in reversed(jupyter_config_path())
            for name in JUPYTER_CONFIG_NAMES
            for suffix in (".py", ".json")
        ]
    return [path for path in _places[key] if os.path.isfile(path)]


def _load(path: Path) -> Any:
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader

    loader_class = PyFileConfigLoader if path.suffix == ".py" else JSONFileConfigLoader
    try:
        return loader_class(path.name, path=str(path.parent)).load_config()
    except Exception as error:  # a broken config file of the user's: say which, never a traceback
        raise ConfigError(
            f"Cannot read {path}: {type(error).__name__}.", hint="Fix that Jupyter config file."
        ) from None


def jupyter_config_files() -> list[tuple[Path, Any]]:
    """``(path, traitlets Config)`` of each Jupyter config file that sets ``c.LLMDevConfig``."""
    stats = [(path, path.stat()) for path in _candidates()]
    key = tuple((str(path), stat.st_mtime_ns, stat.st_size) for path, stat in stats)
    if key not in _cache:
        layers = [(path, _load(path)) for path, _ in stats]
        _cache.clear()
        _cache[key] = [(path, config) for path, config in layers if "LLMDevConfig" in config]
    return _cache[key]
