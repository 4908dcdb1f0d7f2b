"""Read and write .ipynb files: clear read errors; validated, atomic writes in Jupyter's format."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

from ..errors import NotebookError, NotebookReadError
from ..safety.nesting import MAX_DEPTH, json_text_too_deep

__all__ = ["notebook_text", "read_notebook", "read_notebook_data", "write_notebook"]


def read_notebook(path: str | os.PathLike[str]) -> Any:
    """The notebook at ``path`` as an nbformat v4.5 ``NotebookNode``.

    Older v4 files are upgraded in memory to 4.5 (cells get ids; ChangeSets need them) and v3
    files are converted; the file itself is not touched. Raises :class:`NotebookReadError`,
    naming the path, for a missing or unreadable file, a file that is not JSON, not a
    notebook, or not a valid one, and for JSON nested deeper than
    :data:`~jupyter_llmdev.safety.nesting.MAX_DEPTH` levels (the decoder and nbformat recurse
    per level; such a file is an attack or an accident, never a real notebook).
    """
    path = Path(path)
    text, _ = _load(path)
    return _to_v45(text, path)


def read_notebook_data(path: str | os.PathLike[str], *, strict: bool = False) -> Any:
    """The notebook at ``path`` as plain JSON data (dicts, lists) in nbformat 4.5 form, fast.

    What :func:`read_notebook` gives, without importing nbformat (1-5 s of start-up) in the usual
    case: the file is parsed with ``json`` and put in 4.5 form by :func:`.jsonform.as_v45`. With
    ``strict`` it is also checked against nbformat's own schema (:func:`.jsonform.nbformat_problem`):
    for commands that write the notebook back. Without it only what reading a history needs is
    checked (the cells' shape and ids; the ``jupyter_llmdev`` section is checked by
    :func:`.metadata.read_section`): for ``log``, ``show`` and ``diff``, which write nothing.
    Anything unusual (another version, odd cells, repeated ids, a schema problem) goes through
    :func:`read_notebook`, so its errors and repairs are the same; the result is then an
    nbformat ``NotebookNode`` (a dict too).
    """
    from .jsonform import as_v45, nbformat_problem

    path = Path(path)
    text, data = _load(path)
    nb = as_v45(data)
    if nb is not None and (not strict or nbformat_problem(nb) is None):
        return nb
    return _to_v45(text, path)


def _load(path: Path) -> tuple[str, Any]:
    """The text of the file at ``path`` and its JSON, checked to be a v4-or-older notebook."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotebookReadError(f"{path}: no such file.", hint="Check the path.") from None
    except IsADirectoryError:
        raise NotebookReadError(f"{path} is a directory, not a notebook.") from None
    except OSError as error:
        raise NotebookReadError(f"Cannot read {path}: {error.strerror or error}.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise NotebookReadError(f"{path} is not a notebook: it is not UTF-8 text.") from None
    if json_text_too_deep(text, MAX_DEPTH):
        raise NotebookReadError(
            f"{path} is not read: its JSON is nested deeper than {MAX_DEPTH} levels. Nothing was changed.",
            hint="Real notebooks nest far less; restore it from version control if it was damaged.",
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise NotebookReadError(
            f"{path} is not a notebook: it is not valid JSON "
            f"(line {error.lineno}, column {error.colno}: {error.msg}).",
            hint="Restore it from version control or a Jupyter checkpoint (.ipynb_checkpoints/).",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("nbformat"), int):
        raise NotebookReadError(f"{path} is JSON but not a Jupyter notebook (no nbformat version).")
    if data["nbformat"] > 4:
        raise NotebookReadError(
            f"{path} uses nbformat {data['nbformat']}, newer than this nbformat reads.",
            hint="Upgrade nbformat (pip install -U nbformat).",
        )
    return text, data


def write_notebook(path: str | os.PathLike[str], nb: Any) -> None:
    """Write ``nb`` to ``path`` atomically, in the exact format Jupyter itself writes.

    The notebook is validated first: an invalid one raises :class:`NotebookError` and the file
    is not touched. The text goes to a temporary file in the same folder, which then replaces
    the original in one step (``os.replace``), so a crash never leaves a half-written notebook.
    The original file's permission bits are kept; a symlink is followed and its target written.
    A plain-dict notebook (from :func:`read_notebook_data`) that nbformat's schema accepts is
    written without importing nbformat (:mod:`.jsonform`: same checks, same text); anything else
    goes through nbformat itself.
    """
    from ..atomicfile import write_atomic  # here: reading needs no tempfile (fast `llmdev log`)

    path = Path(path)
    if type(nb) is dict:
        from .jsonform import dumps, nbformat_problem

        if nbformat_problem(nb) is None:
            write_atomic(path, dumps(nb))
            return
    import nbformat

    if type(nb) is dict:
        nb = nbformat.from_dict(nb)
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        raise NotebookError(
            f"Not writing {path}: the notebook would be invalid ({_first_line(error)}).",
            hint="The file was not changed. This is a bug in jupyter-llmdev; please report it.",
        ) from None
    write_atomic(path, notebook_text(nb))


def notebook_text(nb: Any) -> str:
    """The file text of ``nb`` as Jupyter writes it (nbformat's JSON, indent 1, final newline)."""
    import nbformat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = nbformat.writes(nb, version=nbformat.NO_CONVERT)
    return text if text.endswith("\n") else text + "\n"


def _to_v45(text: str, path: Path) -> Any:
    import nbformat
    from nbformat.v4 import upgrade

    captured: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.reads(text, as_version=4, capture_validation_error=captured)
            if nb.nbformat_minor < 5:
                nb = upgrade(nb, from_version=4, from_minor=nb.nbformat_minor)
            nbformat.validate(nb)
    except nbformat.ValidationError as error:
        raise NotebookReadError(
            f"{path} is not a valid notebook: {_first_line(error)}.",
            hint="Open it in Jupyter to repair it, or restore it from version control.",
        ) from None
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise NotebookReadError(f"{path} is not a valid notebook ({error}).") from None
    return nb


def _first_line(error: Exception) -> str:
    message = getattr(error, "message", None) or str(error)
    return str(message).strip().splitlines()[0] if str(message).strip() else type(error).__name__
