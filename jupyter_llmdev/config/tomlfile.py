"""The one TOML reader: configuration and export read pyproject.toml through it, with one error.

A project file is untrusted input and may be broken; whoever reads it first (``llmdev config``,
``%llm``, ``llmdev export``), the user gets the same two lines naming the file and the line to
fix. ``tomllib`` (or ``tomli`` on Python 3.10) is imported only when a file is parsed, so
commands that never need TOML never pay for it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["parse_toml", "read_toml", "read_toml_text"]


def read_toml_text(path: Path) -> str:
    """The text of ``path`` (UTF-8), or a ConfigError saying why it cannot be read."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            f"Cannot read {path}: {type(error).__name__}.",
            hint="Check the file's permissions and encoding (UTF-8).",
        ) from None


def parse_toml(path: Path, text: str) -> dict[str, Any]:
    """``text`` (the content of ``path``) parsed; invalid TOML is a ConfigError naming the line."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        try:
            import tomli as tomllib
        except ImportError:
            raise ConfigError(
                f"Reading {path} needs the package tomli on Python 3.10.",
                hint="Install it: pip install tomli",
            ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        reason = str(error)
        line = re.search(r"line (\d+)", reason)
        where = f"line {line.group(1)} of {path}" if line else str(path)
        raise ConfigError(f"{path} is not valid TOML: {reason}.", hint=f"Fix {where}.") from None


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed content of the TOML file ``path``."""
    return parse_toml(path, read_toml_text(path))
