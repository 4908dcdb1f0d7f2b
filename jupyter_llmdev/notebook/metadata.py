"""The ``jupyter_llmdev`` metadata of notebooks and cells: versions, validation, migration."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from .._version import __version__
from ..errors import MetadataError, MetadataVersionError
from ..safety.nesting import MAX_DEPTH, too_deep

__all__ = [
    "MIN_READABLE_VERSION",
    "NAMESPACE",
    "SCHEMA_PATH",
    "SCHEMA_VERSION",
    "change_record_problem",
    "empty_section",
    "migrate",
    "origin_for_role",
    "read_section",
    "stamp_cell",
    "store_section",
    "validate_cell_meta",
    "validate_section",
    "write_section",
]

#: the key under ``metadata`` of the notebook and of each cell
NAMESPACE = "jupyter_llmdev"

# Versions of metadata["jupyter_llmdev"]["schema_version"] (an integer), oldest first:
#
# 0  on 2026-10-20  prototype builds: no "schema_version" key; the section held only
#                   "changes", whose records could lack "parent", "model", "provider",
#                   "plan_id", "command", "prompt", "usage" and "status" (a change counted as
#                   reverted when a later change named it in "reverts").
# 1  on 2026-11-25  jupyter-llmdev 0.1.0: {"schema_version", "changes", "plans", "reviews",
#                   "usage"?}; every change record complete with its "status"; delete edits
#                   record "position". Cell level: {"change", "revision", "origin"}.
SCHEMA_VERSION = 1
#: the oldest schema_version this version still reads (anything older than current is migrated)
MIN_READABLE_VERSION = 0
#: the JSON Schema (draft 7) of the notebook section; ``definitions/cell_meta`` is the cell level
SCHEMA_PATH = Path(__file__).with_name("metadata.schema.json")

_FIX_HINT = (
    "Nothing was changed. Fix or remove metadata.jupyter_llmdev in the notebook (removing it "
    "drops the change history), or restore the file from version control."
)


def empty_section() -> dict[str, Any]:
    """A fresh notebook-level section of the current version."""
    return {"schema_version": SCHEMA_VERSION, "changes": [], "plans": [], "reviews": []}


def origin_for_role(role: str) -> str:
    """The cell-level ``origin`` recorded for a change made in ``role``."""
    return "human" if role == "human" else "llm"


def read_section(nb: Any, *, path: str | Path | None = None) -> dict[str, Any]:
    """The notebook's ``jupyter_llmdev`` section as plain data, migrated to the current version.

    Returns a fresh empty section when the notebook has none; the result is a copy, so changes
    to it reach the notebook only through :func:`write_section`. Raises
    :class:`MetadataVersionError` for a section written by a newer schema and
    :class:`MetadataError` for a corrupt one; ``path`` only names the file in those messages.
    """
    where = str(path) if path else "this notebook"
    metadata = nb.get("metadata") if isinstance(nb, dict) else None
    raw = metadata.get(NAMESPACE) if isinstance(metadata, dict) else None
    if raw is None:
        return empty_section()
    if not isinstance(raw, dict):
        raise _corrupt(where, f"metadata.{NAMESPACE} is {_kind(raw)}, not an object")
    section = _plain(raw, where)
    _check_version(section, where)
    if section.get("schema_version", 0) < SCHEMA_VERSION:
        section = migrate(section)
    problem = _section_problem(section)
    if problem:
        raise _corrupt(where, problem)
    return section


def write_section(nb: Any, section: dict[str, Any]) -> None:
    """Validate ``section`` and store it as the notebook's ``jupyter_llmdev`` metadata."""
    data = _plain(section, "the section to write")
    data["schema_version"] = SCHEMA_VERSION
    validate_section(data)
    store_section(nb, data)


def store_section(nb: Any, section: dict[str, Any]) -> None:
    """Store an already validated section (no checks; see :func:`write_section`)."""
    metadata = nb.setdefault("metadata", _like(nb, {}))
    metadata[NAMESPACE] = _like(nb, section)


def validate_section(section: dict[str, Any]) -> None:
    """Raise :class:`MetadataError` unless ``section`` is a valid current-version section."""
    problem = _section_problem(section)
    if problem:
        raise MetadataError(
            f"Refusing to write invalid jupyter-llmdev metadata: {problem}.",
            hint="This is a bug in jupyter-llmdev; the notebook was not changed.",
        )


def change_record_problem(record: Any) -> str | None:
    """The first schema problem of one stored change record (a ChangeSet dict), or ``None``."""
    problem = _validator("change")(record)
    return problem


def validate_cell_meta(data: Any) -> None:
    """Raise :class:`MetadataError` unless ``data`` is a valid cell-level section."""
    problem = _validator("cell_meta")(data)
    if problem:
        raise MetadataError(f"Invalid cell metadata: {problem}.", hint=_FIX_HINT)


def stamp_cell(cell: Any, change_id: str, *, origin: str) -> None:
    """Record on ``cell`` that change ``change_id`` touched it: its id, revision + 1, origin.

    An unreadable previous stamp counts as revision 0 (the cell-level section is only a
    convenience: the notebook-level history is the record).
    """
    metadata = cell.setdefault("metadata", _like(cell, {}))
    previous = metadata.get(NAMESPACE)
    revision = previous.get("revision") if isinstance(previous, dict) else None
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
        revision = 0
    metadata[NAMESPACE] = _like(
        cell, {"change": change_id, "revision": revision + 1, "origin": origin}
    )


def migrate(section: dict[str, Any]) -> dict[str, Any]:
    """Upgrade a section of any readable ``schema_version`` to :data:`SCHEMA_VERSION`.

    The input is not modified. A section without ``schema_version`` is version 0. The result is
    not validated here (:func:`read_section` does that); a newer version raises
    :class:`MetadataVersionError`.
    """
    data = copy.deepcopy(dict(section))
    _check_version(data, "this notebook")
    version = data.get("schema_version", 0)
    while version < SCHEMA_VERSION:
        data = _MIGRATIONS[version](data)
        version = data["schema_version"]
    return data


def _from_0(data: dict[str, Any]) -> dict[str, Any]:
    """Version 0 -> 1: complete each change record; derive ``status`` from ``reverts`` links."""
    changes = data.get("changes", [])
    if isinstance(changes, list):
        records = [record for record in changes if isinstance(record, dict)]
        status = {record.get("id"): "applied" for record in records}
        by_id = {record.get("id"): record for record in records}
        for record in records:
            target = record.get("reverts")
            if target in status:
                status[target] = "reverted"
                # reverting a revert puts the change it undid back in force
                undone = by_id[target].get("reverts")
                if undone in status:
                    status[undone] = "applied"
        for record in records:
            for key in ("parent", "model", "provider", "plan_id"):
                record.setdefault(key, None)
            record.setdefault("command", "revert" if record.get("reverts") else "ask")
            record.setdefault("prompt", "")
            record.setdefault("usage", {})
            record.setdefault("status", status[record.get("id")])
    data["changes"] = changes
    data.setdefault("plans", [])
    data.setdefault("reviews", [])
    data["schema_version"] = 1
    return data


_MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {0: _from_0}


def _check_version(section: dict[str, Any], where: str) -> None:
    version = section.get("schema_version", 0)
    if isinstance(version, bool) or not isinstance(version, int):
        raise _corrupt(where, f"schema_version is {json.dumps(version)}, not an integer")
    if version > SCHEMA_VERSION:
        raise MetadataVersionError(
            f"The jupyter-llmdev history in {where} has schema version {version}, but "
            f"jupyter-llmdev {__version__} reads versions up to {SCHEMA_VERSION}. "
            "Nothing was changed.",
            hint="Upgrade jupyter-llmdev (pip install -U jupyter-llmdev) to work with it.",
        )
    if version < MIN_READABLE_VERSION:
        raise _corrupt(where, f"schema_version {version} was never written by jupyter-llmdev")


def _section_problem(section: Any) -> str | None:
    problem = _validator(None)(section)
    if problem:
        return problem
    seen: set[str] = set()
    for record in section["changes"]:
        if record["id"] in seen:
            return f"change id {record['id']} appears twice in metadata.jupyter_llmdev.changes"
        seen.add(record["id"])
    return None


def _corrupt(where: str, problem: str) -> MetadataError:
    return MetadataError(
        f"The jupyter-llmdev history in {where} is corrupt: {problem}.", hint=_FIX_HINT
    )


def _kind(value: Any) -> str:
    names = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return names.get(type(value), type(value).__name__)


def _plain(value: Any, where: str) -> Any:
    """A deep copy made of plain dicts and lists (and a check that it is JSON).

    The section may come from the panel or a kernel rather than a file read through
    :func:`~jupyter_llmdev.notebook.io.read_notebook`, so its depth is checked first, without
    recursion: ``json.dumps``, ``deepcopy`` and the validators recurse per level.
    """
    if too_deep(value, MAX_DEPTH):
        raise _corrupt(where, f"it is nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as error:
        raise _corrupt(where, f"it holds a value that is not JSON ({error})") from None


def _like(template: Any, data: dict[str, Any]) -> Any:
    """``data`` as the same kind of mapping as ``template`` (NotebookNode or plain dict)."""
    if type(template) is dict:
        return data
    from nbformat import from_dict

    return from_dict(data)


@lru_cache(maxsize=1)
def _schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def _validator(definition: str | None) -> Callable[[Any], str | None]:
    """A check of the schema root (``None``) or one of its definitions.

    Returns a function giving the first problem as text, or ``None`` when the data is valid.
    The verdict comes from :mod:`.section_check` (no imports, nothing to compile, so reading a
    history costs no start-up); only data it refuses is given to the full validator, for the
    message.
    """
    from .section_check import compile_check

    fast = compile_check(_schema(), definition)

    def check(data: Any) -> str | None:
        return None if fast(data) else _full_validator(definition)(data)

    return check


@cache
def _full_validator(definition: str | None) -> Callable[[Any], str | None]:
    """The schema compiled by fastjsonschema (or jsonschema): slower to load, precise messages."""
    schema = _schema()
    label = f"metadata.{NAMESPACE}"
    if definition is not None:
        schema = {
            "$schema": schema["$schema"],
            "definitions": schema["definitions"],
            "$ref": f"#/definitions/{definition}",
        }
        label = f"cell metadata.{NAMESPACE}" if definition == "cell_meta" else definition
    try:
        import fastjsonschema
    except ImportError:  # nbformat usually brings it; jsonschema is the slower fallback
        return _jsonschema_validator(schema, label)
    compiled = fastjsonschema.compile(schema)

    def check(data: Any) -> str | None:
        try:
            compiled(data)
        except fastjsonschema.JsonSchemaValueException as error:
            message = error.message
            return label + message[4:] if message.startswith("data") else message
        return None

    return check


def _jsonschema_validator(schema: dict[str, Any], label: str) -> Callable[[Any], str | None]:
    import jsonschema

    validator = jsonschema.Draft7Validator(schema)

    def check(data: Any) -> str | None:
        error = jsonschema.exceptions.best_match(validator.iter_errors(data))
        if error is None:
            return None
        where = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path
        )
        return f"{label}{where}: {error.message}"

    return check
