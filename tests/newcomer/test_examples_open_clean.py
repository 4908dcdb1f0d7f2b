"""Issue 14, item 9: the example notebooks open clean in JupyterLab (not marked unsaved at once).

On open, JupyterLab starts the notebook's kernel and writes ``metadata.kernelspec`` as
``{name, display_name, language}`` of the kernel's spec and ``metadata.language_info`` as the
kernel's ``kernel_info`` reply says (``NotebookPanel._updateSpec`` / ``_updateLanguage``); it
skips a write only when the value is already equal. So each example carries exactly those values
for the default ``python3`` kernel: the kernelspec from ``jupyter_client``'s kernel spec manager
and the language_info from a real kernel's ``kernel_info`` reply. (``language_info.version`` is
the Python that runs the kernel; it is checked only for its form, since it is the machine's.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.ipynb"))


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 2


@pytest.mark.parametrize("notebook", EXAMPLES, ids=lambda path: path.name)
def test_example_kernelspec_is_the_one_jupyterlab_writes(notebook: Path) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec("python3")
    written = {"name": "python3", "display_name": spec.display_name, "language": spec.language}
    assert json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["kernelspec"] == written


@pytest.fixture(scope="module")
def language_info() -> dict[str, Any]:
    """``language_info`` of a real python3 kernel's ``kernel_info`` reply."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        reply = client.kernel_info(reply=True, timeout=60)
        return dict(reply["content"]["language_info"])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.parametrize("notebook", EXAMPLES, ids=lambda path: path.name)
def test_example_language_info_is_the_kernels(notebook: Path, language_info: dict[str, Any]) -> None:
    stored = json.loads(notebook.read_text(encoding="utf-8"))["metadata"]["language_info"]
    assert set(stored) == set(language_info)
    assert {k: v for k, v in stored.items() if k != "version"} == {
        k: v for k, v in language_info.items() if k != "version"}
    assert stored["version"].count(".") == 2 and stored["version"].startswith("3.")
