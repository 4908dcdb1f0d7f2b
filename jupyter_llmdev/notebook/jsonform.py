"""Notebooks as plain JSON data, read and written the way nbformat does, without importing it.

Why: ``import nbformat`` imports jsonschema, whose optional ``rfc3987_syntax`` compiles a grammar;
that is 1-5 s before ``llmdev log`` or ``llmdev sync`` can do anything. The common case, a well-
formed nbformat 4.5 (or older 4.x) file, needs none of it:

* :func:`as_v45` turns freshly parsed JSON into what ``nbformat.reads(..., as_version=4)`` plus
  the 4.5 upgrade give (list sources and texts joined, transient keys dropped, ids given to the
  cells of a 4.0-4.4 file), as plain dicts and lists. It answers ``None`` for anything unusual
  (another version, a cell of an unknown shape, missing or repeated ids): the caller then takes
  nbformat's path, whose messages and repairs stay the reference.
* :func:`nbformat_problem` checks a notebook against nbformat's own v4.5 JSON schema, compiled
  by fastjsonschema (one of the validators nbformat itself offers), and its cell id rules.
* :func:`dumps` writes the text ``nbformat.writes`` writes (lines split, sorted keys, indent 1).
"""

from __future__ import annotations

import copy
import json
import os
import re
from functools import cache
from typing import Any

__all__ = ["as_v45", "dumps", "nbformat_problem"]

_CELL_KEYS = {
    "code": ({"id", "cell_type", "metadata", "source", "outputs", "execution_count"}, set()),
    "markdown": ({"id", "cell_type", "metadata", "source"}, {"attachments"}),
    "raw": ({"id", "cell_type", "metadata", "source"}, {"attachments"}),
}
_NOTEBOOK_KEYS = {"nbformat", "nbformat_minor", "metadata", "cells"}
#: nbformat 4.5's cell id rule, ``$`` as the very end (ECMA 262) as its schema means it
_CELL_ID = re.compile(r"[a-zA-Z0-9_-]{1,64}\Z")
_SPLIT_MIMES = {"application/javascript", "image/svg+xml"}


def as_v45(data: Any) -> dict[str, Any] | None:
    """``data`` (parsed JSON, changed in place) as an nbformat 4.5 notebook, or ``None``."""
    if not isinstance(data, dict) or set(data) != _NOTEBOOK_KEYS or data["nbformat"] != 4:
        return None
    minor, cells = data["nbformat_minor"], data["cells"]
    if isinstance(minor, bool) or not isinstance(minor, int) or not 0 <= minor <= 5:
        return None
    if not isinstance(data["metadata"], dict) or not isinstance(cells, list):
        return None
    if not all(_cell_shape_ok(cell, with_id=minor == 5) for cell in cells):
        return None
    ids = [cell.get("id") for cell in cells]
    if minor == 5 and len(set(ids)) != len(ids):
        return None
    metadata = data["metadata"]
    for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
        metadata.pop(key, None)
    for cell in cells:
        cell["metadata"].pop("trusted", None)
        _rejoin(cell)
    if minor < 5:  # what nbformat's upgrade does: fresh ids, the old minor remembered
        from .changeset import fresh_cell_id

        taken: set[str] = set()
        for cell in cells:
            cell["id"] = fresh_cell_id(taken)
        metadata["orig_nbformat_minor"] = minor
        data["nbformat_minor"] = 5
    return data


def nbformat_problem(nb: Any) -> str | None:
    """The first reason ``nb`` is not a valid nbformat 4.5 notebook, or ``None`` when it is."""
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or nb.get("nbformat_minor") != 5:
        return "it is not an nbformat 4.5 notebook"
    import fastjsonschema

    try:
        _nbformat_validator()(nb)
    except fastjsonschema.JsonSchemaValueException as error:
        return str(error.message)
    ids = [cell["id"] for cell in nb["cells"]]
    if len(set(ids)) != len(ids):
        return "cell ids are not unique"
    return None


def dumps(nb: dict[str, Any]) -> str:
    """The file text of ``nb`` exactly as ``nbformat.writes(nb)`` gives it, with a final newline."""
    data = copy.deepcopy(nb)
    for cell in data["cells"]:
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(True)
        for attachment in (cell.get("attachments") or {}).values():
            _split_bundle(attachment)
        if cell["cell_type"] == "code":
            for output in cell["outputs"]:
                if output["output_type"] in ("execute_result", "display_data"):
                    _split_bundle(output.get("data", {}))
                elif output["output_type"] == "stream" and isinstance(output["text"], str):
                    output["text"] = output["text"].splitlines(True)
    for key in ("orig_nbformat", "orig_nbformat_minor", "signature"):
        data["metadata"].pop(key, None)
    for cell in data["cells"]:
        cell["metadata"].pop("trusted", None)
    text = json.dumps(data, sort_keys=True, indent=1, separators=(",", ": "), ensure_ascii=False)
    return text + "\n"


def _cell_shape_ok(cell: Any, *, with_id: bool) -> bool:
    if not isinstance(cell, dict) or cell.get("cell_type") not in _CELL_KEYS:
        return False
    required, optional = _CELL_KEYS[cell["cell_type"]]
    if not with_id:
        required = required - {"id"}
    keys = set(cell)
    if not required <= keys or not keys <= required | optional:
        return False
    if with_id and not (isinstance(cell["id"], str) and _CELL_ID.match(cell["id"])):
        return False
    source = cell["source"]
    if not isinstance(source, str) and not (
        isinstance(source, list) and all(isinstance(line, str) for line in source)
    ):
        return False
    if not isinstance(cell["metadata"], dict):
        return False
    if cell["cell_type"] == "code" and not (
        isinstance(cell["outputs"], list) and all(isinstance(output, dict) for output in cell["outputs"])
    ):
        return False
    attachments = cell.get("attachments", {})
    return isinstance(attachments, dict) and all(isinstance(item, dict) for item in attachments.values())


def _rejoin(cell: dict[str, Any]) -> None:
    """nbformat's ``rejoin_lines`` for one cell."""
    if isinstance(cell["source"], list):
        cell["source"] = "".join(cell["source"])
    for attachment in cell.get("attachments", {}).values():
        _rejoin_bundle(attachment)
    if cell["cell_type"] == "code":
        for output in cell["outputs"]:
            kind = output.get("output_type", "")
            if kind in ("execute_result", "display_data"):
                data = output.get("data", {})
                if isinstance(data, dict):
                    _rejoin_bundle(data)
            elif kind and isinstance(output.get("text", ""), list):
                output["text"] = "".join(output["text"])


def _is_json_mime(mime: str) -> bool:
    return mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))


def _rejoin_bundle(data: dict[str, Any]) -> None:
    for key, value in list(data.items()):
        if not _is_json_mime(key) and isinstance(value, list) and all(isinstance(line, str) for line in value):
            data[key] = "".join(value)


def _split_bundle(data: dict[str, Any]) -> None:
    for key, value in list(data.items()):
        if isinstance(value, str) and (key.startswith("text/") or key in _SPLIT_MIMES):
            data[key] = value.splitlines(True)


@cache
def _nbformat_validator() -> Any:
    """nbformat's v4.5 schema, read from its installed files without importing nbformat."""
    import importlib.util

    import fastjsonschema

    spec = importlib.util.find_spec("nbformat")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nbformat is not installed")
    folder = next(iter(spec.submodule_search_locations))
    with open(os.path.join(folder, "v4", "nbformat.v4.5.schema.json"), encoding="utf-8") as file:
        return fastjsonschema.compile(json.load(file), use_default=False)
