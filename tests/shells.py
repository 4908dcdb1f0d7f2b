"""A real IPython InteractiveShell with jupyter-llmdev loaded, and running cells in it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output


@contextmanager
def shell_with_extension(notebook: Path | None = None) -> Iterator[InteractiveShell]:
    """A fresh shell after ``%load_ext jupyter_llmdev``; ``notebook`` becomes its ``__session__``."""
    shell = InteractiveShell()
    shell.run_line_magic("load_ext", "jupyter_llmdev")
    if notebook is not None:
        shell.user_ns["__session__"] = str(notebook)
    try:
        yield shell
    finally:
        shell.run_line_magic("unload_ext", "jupyter_llmdev")
        InteractiveShell.clear_instance()


def run_cell(shell: InteractiveShell, code: str) -> tuple[Any, Any]:
    """Run ``code`` as a cell; (ExecutionResult, captured stdout/stderr/outputs)."""
    with capture_output() as captured:
        result = shell.run_cell(code)
    return result, captured
