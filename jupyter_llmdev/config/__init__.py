"""Configuration: one Configurable, five sources, one resolved view with provenance."""

from __future__ import annotations

from .display import format_config_table, mask_key, mask_url
from .models import parse_model
from .resolved import ResolvedConfig, load_config
from .settings import LLMDevConfig, Provider
from .sources import find_pyproject

__all__ = [
    "LLMDevConfig",
    "Provider",
    "ResolvedConfig",
    "find_pyproject",
    "format_config_table",
    "load_config",
    "mask_key",
    "mask_url",
    "parse_model",
]
