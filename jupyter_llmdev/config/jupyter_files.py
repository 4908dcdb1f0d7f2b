"""The user's Jupyter config files (``c.LLMDevConfig.*``), read the way Jupyter Server reads them.

The server gets these files through its own config object; the CLI and the kernel read them here,
so one ``c.LLMDevConfig.context_budget = ...`` in ``jupyter_config.py`` or
``jupyter_server_config.py`` holds in all three front ends. Each file is its own layer, so
``llmdev config`` names the file a value came from. The files are the user's own (trusted)
configuration. They are read once per process and again only when one of them changes (a kernel
asks on every ``%llm``, and executing config files is not free).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["JUPYTER_CONFIG_NAMES", "jupyter_config_files"]

#: the Jupyter config files read for ``c.LLMDevConfig``, like the server does (base file first)
JUPYTER_CONFIG_NAMES = ("jupyter_config", "jupyter_server_config")

#: (path, mtime_ns, size) of every file found -> what they hold; one entry, the latest
_cache: dict[tuple[tuple[str, int, int], ...], list[tuple[Path, Any]]] = {}


def _candidates() -> list[Path]:
    """Existing config files in Jupyter's order: system, environment, user (later wins)."""
    from jupyter_core.paths import jupyter_config_path

    found = []
    for folder in reversed(jupyter_config_path()):
        for name in JUPYTER_CONFIG_NAMES:
            for suffix in (".py", ".json"):
                path = Path(folder) / f"{name}{suffix}"
                if path.is_file():
                    found.append(path)
    return found


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
    paths = _candidates()
    key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)
    if key not in _cache:
        layers = [(path, _load(path)) for path in paths]
        _cache.clear()
        _cache[key] = [(path, config) for path, config in layers if "LLMDevConfig" in config]
    return _cache[key]
