"""Trusting a test project the way a user does: ``llmdev trust DIR`` through the real CLI."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from jupyter_llmdev.cli.main import main

__all__ = ["trust_project"]


def trust_project(folder: Path) -> str:
    """Run ``llmdev trust FOLDER``; its output. The test's JUPYTER_CONFIG_DIR holds the record."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["trust", str(folder)])
    assert code == 0, out.getvalue()
    return out.getvalue()
