"""Everything the browser and Python exchange, declared once here; ``labextension/src/wire.ts`` is generated.

Declared: the side panel's websocket messages, the ``GET /jupyter-llmdev/info`` answer
(``ServerInfo``), the kernel comm messages (``snapshot`` frontend -> kernel; ``apply`` and
``record`` kernel -> frontend) and every error code an ``error`` message may carry. The server
checks the frames it receives (:func:`parse_client_message`) and the kernel the snapshots
(:func:`comm_problem`) against these declarations; what they send is built with
:func:`server_message` / :func:`comm_message`, which refuse an undeclared shape.

Run ``python -m jupyter_llmdev.server.wire > labextension/src/wire.ts`` after changing a
declaration (``wire_ts.py`` renders it); ``tests/test_wire_protocol.py`` fails while the two differ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .._version import PROTOCOL_VERSION
from ..safety.nesting import MAX_DEPTH, too_deep

__all__ = [
    "CLIENT_MESSAGES",
    "COMM_MESSAGES",
    "ERROR_CODES",
    "MAX_FRAME",
    "MESSAGES",
    "SERVER_MESSAGES",
    "STRUCTS",
    "Field",
    "Message",
    "WireError",
    "comm_message",
    "comm_problem",
    "parse_client_message",
    "render_typescript",
    "server_message",
    "ts_type",
]

#: longest request id, cell id and model name accepted
MAX_ID = 64
#: longest typed message (characters)
MAX_LINE = 100_000
#: most cells a snapshot may hold, and the longest source or output text of one cell
MAX_CELLS = 5_000
MAX_CELL_TEXT = 1_000_000
#: longest client frame (characters); a longer one gets a ``bad_message`` error and is not decoded.
#: The chat handler lets the websocket layer read frames up to 4 times this many bytes (UTF-8), so
#: only a frame beyond that closes the connection (code 1009, "message too big").
MAX_FRAME = 16 * 1024 * 1024


class WireError(ValueError):
    """A client message that does not follow the protocol; ``str()`` says what is wrong."""

    def __init__(self, message: str, *, request_id: str | None = None) -> None:
        super().__init__(message)
        self.request_id = request_id


@dataclass(frozen=True)
class Field:
    """One field of a message: its name, kind (see ``_KINDS``) and meaning."""

    name: str
    kind: str
    doc: str


@dataclass(frozen=True)
class Message:
    """One message type: ``type`` is the value of its discriminator ``key``, ``name`` its TypeScript interface.

    Websocket messages (``client``/``server``) are told apart by ``type``, comm messages
    (``frontend`` -> kernel, ``kernel`` -> frontend) by ``method``.
    """

    type: str
    direction: Literal["client", "server", "frontend", "kernel"]
    name: str
    doc: str
    fields: tuple[Field, ...]
    key: str = "type"


def _f(name: str, kind: str, doc: str) -> Field:
    return Field(name, kind, doc)


#: nested objects, also mirrored as TypeScript interfaces
STRUCTS: dict[str, tuple[str, tuple[Field, ...]]] = {
    "WireCell": (
        "One cell of the notebook, as the panel sends it.",
        (
            _f("id", "id", "the cell's nbformat id"),
            _f("cell_type", "cell_type", "code, markdown or raw"),
            _f("source", "text", "the cell's source"),
            _f("outputs", "text", "its text outputs, already trimmed (no images)"),
        ),
    ),
    "WireSnapshot": (
        "The live notebook, including unsaved edits.",
        (
            _f("path", "string?", "the notebook's path relative to the server root"),
            _f("active_cell_id", "string?", "the cell the user works on"),
            _f("cells", "WireCell[]", "every cell the panel sends as context, in order"),
            _f("section", "object?", "the notebook's metadata.jupyter_llmdev (plans, reviews, changes; "
               "null: none yet)"),
        ),
    ),
    "WireRecord": (
        "A workflow record for the panel to store in metadata.jupyter_llmdev[kind] (same id: replaced).",
        (
            _f("kind", "record_kind", "the section list the record goes to"),
            _f("record", "object", "the record, valid against the metadata schema"),
        ),
    ),
    "RoleInfo": (
        "The model that answers one role.",
        (
            _f("model", "string", "`provider:model`"),
            _f("key_set", "boolean", "an API key is configured for it (the key itself is never sent)"),
        ),
    ),
    "Untrusted": (
        "Project settings ignored until the user trusts the notebook's project.",
        (
            _f("settings_file", "string", "the pyproject.toml, relative to the server root when inside it"),
            _f("ignored", "string[]", "the settings that are ignored"),
            _f("message", "string", "what is ignored and how to trust the project, for the panel"),
        ),
    ),
    "ServerInfo": (
        "`GET /jupyter-llmdev/info[?path=NOTEBOOK]`: versions and models (never keys or URLs).",
        (
            _f("name", "string", "always jupyter-llmdev"),
            _f("version", "string", "the server's jupyter-llmdev version"),
            _f("protocol_version", "string", "the server's PROTOCOL_VERSION"),
            _f("roles", "roles", "ask, architect and developer -> the model that answers"),
            _f("reviewers", "string[]", "`provider:model` of each configured reviewer"),
            _f("models", "string[]", "every model above, sorted, once each"),
            _f("config_error", "string?", "why the configuration could not be read (null: it could)"),
            _f("untrusted", "Untrusted?", "project settings ignored until the user trusts the project"),
        ),
    ),
    "CommOpen": (
        "The data each side opens its comm with (`jupyter_llmdev`, `jupyter_llmdev_front`).",
        (_f("protocol_version", "string", "the opener's PROTOCOL_VERSION (another major: closed)"),),
    ),
}

CLIENT_MESSAGES: tuple[Message, ...] = (
    Message("request", "client", "ChatRequest", "Run one typed message: a slash command or a prompt.", (
        _f("id", "id", "chosen by the panel; every answer to this request carries it"),
        _f("protocol_version", "string", "the panel's PROTOCOL_VERSION (major must match)"),
        _f("line", "line", "what the user typed: `/command ...` or a prompt for /ask"),
        _f("snapshot", "WireSnapshot", "the notebook the request is about"),
        _f("target_cell_id", "id?", "new cells go after this cell (null: at the end)"),
        _f("model", "id?", "model for this request, `model` or `provider:model` (null: configured)"),
    )),
    Message("cancel", "client", "ChatCancel", "Stop a running request; it ends with error `cancelled`.", (
        _f("id", "id", "the request to stop"),
    )),
)

SERVER_MESSAGES: tuple[Message, ...] = (
    Message("status", "server", "ChatStatus", "A progress line (context used, retries).", (
        _f("id", "id", "the request"),
        _f("text", "string", "one line for the user"),
    )),
    Message("delta", "server", "ChatDelta", "The next piece of the reply text.", (
        _f("id", "id", "the request"),
        _f("text", "string", "text to append"),
    )),
    Message("done", "server", "ChatDone", "The request finished; nothing more comes for this id.", (
        _f("id", "id", "the request"),
        _f("command", "string", "the command that ran (ask, help, ...)"),
        _f("text", "string", "the whole reply, or the answer of a command without a model"),
        _f("changeset", "changeset?", "the proposed change (status proposed), null when none"),
        _f("records", "WireRecord[]", "records to store (with the change when there is one: on Insert)"),
        _f("prose", "string[]", "reply text kept out of the cells, to show the user"),
        _f("context_summary", "string", "what context was sent and what was cut"),
        _f("usage", "usage", "token counts reported by the provider"),
        _f("truncated", "boolean", "the reply hit the output limit"),
        _f("model", "string?", "`provider:model` that answered (null: no model was asked)"),
    )),
    Message("error", "server", "ChatError", "The request failed (or a message was not understood).", (
        _f("id", "string?", "the request (null when the message could not be read)"),
        _f("code", "error_code", "machine-readable: one of ERROR_CODES"),
        _f("message", "string", "1-3 lines: what happened and what to do"),
    )),
)

MESSAGES: dict[str, Message] = {m.type: m for m in CLIENT_MESSAGES + SERVER_MESSAGES}

#: the kernel comm messages (ARCHITECTURE.md, "Kernel <-> frontend protocol"), by ``method``
COMM_MESSAGES: dict[str, Message] = {m.type: m for m in (
    Message("snapshot", "frontend", "CommSnapshot",
            "Frontend -> kernel on `jupyter_llmdev`, before a cell using `%llm` executes.", (
                _f("protocol_version", "string?", "the frontend's PROTOCOL_VERSION (the open message "
                   "already carried it)"),
                _f("executing_cell_id", "id?", "the cell about to run (null: the snapshot's active cell)"),
                _f("snapshot", "WireSnapshot", "the live notebook, unsaved edits included"),
            ), key="method"),
    Message("apply", "kernel", "CommApply",
            "Kernel -> frontend on `jupyter_llmdev_front`: a ChangeSet to insert into the live notebook.", (
                _f("protocol_version", "string", "the kernel's PROTOCOL_VERSION"),
                _f("client", "string?", "kernel clientId of the page that ran the cell; only it "
                   "applies the change (null: any page)"),
                _f("notebook_path", "string?", "the notebook the cell ran in (null: unknown)"),
                _f("changeset", "changeset", "the change to apply"),
            ), key="method"),
    Message("record", "kernel", "CommRecord",
            "Kernel -> frontend on `jupyter_llmdev_front`: a workflow record to store (same id: replaced).", (
                _f("protocol_version", "string", "the kernel's PROTOCOL_VERSION"),
                _f("client", "string?", "kernel clientId of the page that ran the cell; only it "
                   "stores the record (null: any page)"),
                _f("notebook_path", "string?", "the notebook the cell ran in (null: unknown)"),
                _f("kind", "record_kind", "the section list the record goes to"),
                _f("record", "object", "the record, valid against the metadata schema"),
            ), key="method"),
)}

#: codes of the wire itself, beside every ``LLMDevError.code`` (``errors.py``); ``disconnected`` is
#: the panel's own (``connection.ts``), declared so its union type holds every code it handles
_WIRE_ERRORS = {
    "bad_message": "A frame was not a declared message; nothing was run.",
    "busy": "Too many requests run at once on this connection; nothing was run.",
    "cancelled": "The user stopped the request; nothing was applied.",
    "internal": "A bug in jupyter-llmdev; the server log has the details.",
    "disconnected": "The panel lost its websocket; it ends each running request with this (the server never sends it).",
}


def _error_codes() -> dict[str, str]:
    """code -> what it means: the ``LLMDevError`` tree of ``errors.py`` in declaration order, then the wire's own."""
    from .. import errors

    codes: dict[str, str] = {}
    for value in vars(errors).values():
        if isinstance(value, type) and issubclass(value, errors.LLMDevError) and value.__module__ == errors.__name__:
            first = " ".join((value.__doc__ or "").strip().split("\n\n")[0].split())
            sentence = first.split("; ")[0].split(": ")[0].rstrip(".").replace("``", "`")
            codes.setdefault(value.code, f"{value.__name__}: {sentence}.")
    for code, doc in _WIRE_ERRORS.items():
        codes.setdefault(code, doc)
    return codes


#: every code an ``error`` message (and an ``LLMDevError``) may carry -> what it means
ERROR_CODES: dict[str, str] = _error_codes()

# kind -> (TypeScript type, Python check returning a problem or None)
_Check = Callable[[Any], "str | None"]


def _string(limit: int | None = None, *, nullable: bool = False, empty: bool = True) -> _Check:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if not isinstance(value, str):
            return "must be a string" + (" or null" if nullable else "")
        if not empty and not value:
            return "must not be empty"
        if limit is not None and len(value) > limit:
            return f"is longer than {limit} characters"
        return None

    return check


def _cell_type(value: Any) -> str | None:
    return None if value in ("code", "markdown", "raw") else "must be code, markdown or raw"


def _struct_list(name: str, limit: int) -> _Check:
    def check(value: Any) -> str | None:
        if not isinstance(value, list):
            return "must be a list"
        if len(value) > limit:
            return f"holds more than {limit} items"
        for number, item in enumerate(value):
            problem = _struct_problem(name, item)
            if problem:
                return f"[{number}] {problem}"
        return None

    return check


def _object(nullable: bool) -> _Check:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        return None if isinstance(value, dict) else "must be an object" + (" or null" if nullable else "")

    return check


def _never(value: Any) -> str | None:  # kinds only the server sends are never parsed
    del value
    return "is not accepted from a client"


_KINDS: dict[str, tuple[str, _Check]] = {
    "string": ("string", _string()),
    "string?": ("string | null", _string(nullable=True)),
    "id": ("string", _string(MAX_ID, empty=False)),
    "id?": ("string | null", _string(MAX_ID, nullable=True, empty=False)),
    "line": ("string", _string(MAX_LINE)),
    "text": ("string", _string(MAX_CELL_TEXT)),
    "cell_type": ("'code' | 'markdown' | 'raw'", _cell_type),
    "WireCell[]": ("WireCell[]", _struct_list("WireCell", MAX_CELLS)),
    "WireSnapshot": ("WireSnapshot", lambda value: _struct_problem("WireSnapshot", value)),
    "object": ("{ [key: string]: unknown }", _object(False)),
    "object?": ("{ [key: string]: unknown } | null", _object(True)),
    "WireRecord[]": ("WireRecord[]", _never),
    "string[]": ("string[]", _never),
    "boolean": ("boolean", _never),
    "usage": ("{ [key: string]: number }", _never),
    "changeset?": ("ChangeSet | null", _never),
    "changeset": ("ChangeSet", _never),
    "error_code": ("ErrorCode", _never),
    "record_kind": ("'plans' | 'reviews' | 'docs'", _never),
    "roles": ("{ [role: string]: RoleInfo }", _never),
    "Untrusted?": ("Untrusted | null", _never),
}


def ts_type(kind: str) -> str:
    """The TypeScript type of a field kind (for ``wire_ts.py``)."""
    return _KINDS[kind][0]


def _struct_problem(name: str, value: Any) -> str | None:
    return _fields_problem(STRUCTS[name][1], value, f"a {name}")


def _fields_problem(fields: tuple[Field, ...], value: Any, what: str, key: str = "type") -> str | None:
    if not isinstance(value, dict):
        return f"must be {what} object"
    names = {field.name for field in fields}
    unknown = sorted(set(value) - names - {key})
    if unknown:
        return f"has unknown field {unknown[0][:40]!r}"
    for field in fields:
        if field.name not in value:
            if field.kind.endswith("?"):
                continue
            return f"lacks the field {field.name!r}"
        problem = _KINDS[field.kind][1](value[field.name])
        if problem:
            return f"field {field.name!r} {problem}"
    return None


def parse_client_message(raw: str | bytes) -> dict[str, Any]:
    """The client message in ``raw``, checked against its declaration (optional fields filled).

    Raises :class:`WireError` for anything else: a frame longer than :data:`MAX_FRAME`, not JSON,
    JSON nested deeper than :data:`~jupyter_llmdev.safety.nesting.MAX_DEPTH` levels, an unknown
    type, a missing, unknown or mistyped field, an oversized value, or a different major protocol
    version. Nothing here recurses per level of the frame, so no frame can raise anything else.
    """
    if not isinstance(raw, (str, bytes)):
        raise WireError("The message is not text.")
    if len(raw) > MAX_FRAME:
        raise WireError(f"The message is longer than {MAX_FRAME} characters; nothing was run.")
    try:
        data = json.loads(raw)
    except RecursionError:  # the decoder recurses per level and stops at Python's recursion limit
        raise WireError(f"The message is nested deeper than {MAX_DEPTH} levels.") from None
    except (TypeError, ValueError):
        raise WireError("The message is not JSON.") from None
    if not isinstance(data, dict):
        raise WireError("The message is not a JSON object.")
    request_id = _request_id(data.get("id"))
    kind = data.get("type")
    message = MESSAGES.get(kind) if isinstance(kind, str) else None
    if message is None or message.direction != "client":
        shown = repr(kind[:40]) if isinstance(kind, str) else f"of JSON type {_json_type(kind)}"
        raise WireError(f"Unknown message type {shown}.", request_id=request_id)
    problem = _fields_problem(message.fields, data, f"a {message.type}")
    if problem:
        raise WireError(f"Bad {message.type} message: it {problem}.", request_id=request_id)
    if too_deep(data, MAX_DEPTH):
        raise WireError(f"Bad {message.type} message: it is nested deeper than {MAX_DEPTH} levels.",
                        request_id=request_id)
    version = data.get("protocol_version")
    if version is not None and version.split(".")[0] != PROTOCOL_VERSION.split(".")[0]:
        raise WireError(
            f"The panel speaks protocol {version}, the server {PROTOCOL_VERSION}: reload the page "
            "after upgrading jupyter-llmdev.",
            request_id=request_id,
        )
    for field in message.fields:
        data.setdefault(field.name, None)
    return data


def _request_id(value: Any) -> str | None:
    """The id to answer an invalid message with (only one that is valid as an id)."""
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID else None


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def server_message(type_: str, **fields: Any) -> dict[str, Any]:
    """A server message with exactly its declared fields (a mismatch is a bug: ValueError)."""
    message = MESSAGES[type_]
    declared = [field.name for field in message.fields]
    if message.direction != "server" or sorted(fields) != sorted(declared):
        raise ValueError(f"{type_} takes the fields {declared}, got {sorted(fields)}")
    if type_ == "error" and fields["code"] not in ERROR_CODES:
        raise ValueError(f"error code {fields['code']!r} is not declared in wire.ERROR_CODES")
    return {"type": type_, **fields}


def comm_message(method: str, **fields: Any) -> dict[str, Any]:
    """A kernel -> frontend comm message with exactly its declared fields (a mismatch is a bug: ValueError)."""
    message = COMM_MESSAGES[method]
    declared = [field.name for field in message.fields]
    if message.direction != "kernel" or sorted(fields) != sorted(declared):
        raise ValueError(f"{method} takes the fields {declared}, got {sorted(fields)}")
    return {"method": method, **fields}


def comm_problem(data: Any) -> str | None:
    """What is wrong with a frontend -> kernel comm message, or ``None`` (checked against its declaration).

    Checks the nesting first (without recursion), so nothing a message holds can raise.
    """
    if too_deep(data, MAX_DEPTH):
        return f"it is nested deeper than {MAX_DEPTH} levels"
    if not isinstance(data, dict):
        return "it is not an object"
    method = data.get("method")
    message = COMM_MESSAGES.get(method) if isinstance(method, str) else None
    if message is None or message.direction != "frontend":
        shown = repr(method[:40]) if isinstance(method, str) else f"of JSON type {_json_type(method)}"
        return f"its method {shown} is not one the kernel accepts"
    problem = _fields_problem(message.fields, data, f"a {message.type}", key="method")
    return f"it {problem}" if problem else None


def render_typescript() -> str:
    """The text of ``labextension/src/wire.ts``, generated from the declarations above."""
    from .wire_ts import render

    return render()


if __name__ == "__main__":
    print(render_typescript(), end="")
