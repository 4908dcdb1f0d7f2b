"""The panel <-> server websocket messages: declared once in Python, mirrored in TypeScript."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from jupyter_llmdev import PROTOCOL_VERSION
from jupyter_llmdev.server.wire import (
    COMM_MESSAGES,
    MAX_CELLS,
    MAX_LINE,
    MESSAGES,
    STRUCTS,
    WireError,
    parse_client_message,
    render_typescript,
    server_message,
)

WIRE_TS = Path(__file__).resolve().parent.parent / "labextension" / "src" / "wire.ts"


def test_the_typescript_mirror_is_generated_from_the_python_declarations() -> None:
    assert WIRE_TS.read_text(encoding="utf-8") == render_typescript(), (
        "labextension/src/wire.ts is out of date: run "
        "`python -m jupyter_llmdev.server.wire > labextension/src/wire.ts`"
    )


def test_every_message_and_field_appears_in_the_typescript_mirror() -> None:
    text = render_typescript()
    for message in [*MESSAGES.values(), *COMM_MESSAGES.values()]:
        assert f"export interface {message.name} {{\n  {message.key}: '{message.type}';" in text
        for field in message.fields:
            assert f"  {field.name}: " in text
    for name in STRUCTS:
        assert f"export interface {name} {{" in text


def _request(**changes: Any) -> dict[str, Any]:
    message = {
        "type": "request", "id": "r1", "protocol_version": PROTOCOL_VERSION, "line": "plot it",
        "snapshot": {"path": "a.ipynb", "active_cell_id": None,
                     "cells": [{"id": "c1", "cell_type": "code", "source": "x = 1", "outputs": ""}]},
    }
    message.update(changes)
    return message


def test_a_valid_request_parses_with_optional_fields_filled() -> None:
    data = parse_client_message(json.dumps(_request()))
    assert data["line"] == "plot it" and data["target_cell_id"] is None and data["model"] is None
    assert parse_client_message(json.dumps({"type": "cancel", "id": "r1"})) == {"type": "cancel", "id": "r1"}


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("{not json", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"type": "done", "id": "r1"}), "Unknown message type"),
        (json.dumps(_request(line=None)), "'line' must be a string"),
        (json.dumps(_request(line="x" * (MAX_LINE + 1))), "longer than"),
        (json.dumps(_request(id="")), "'id' must not be empty"),
        (json.dumps(_request(extra=1)), "unknown field 'extra'"),
        (json.dumps({k: v for k, v in _request().items() if k != "snapshot"}), "lacks the field 'snapshot'"),
        (json.dumps(_request(snapshot={"path": None, "active_cell_id": None, "cells": [
            {"id": "c1", "cell_type": "image", "source": "", "outputs": ""}]})), "code, markdown or raw"),
        (json.dumps(_request(snapshot={"path": None, "active_cell_id": None, "cells": [
            {"id": "c", "cell_type": "code", "source": "", "outputs": ""}] * (MAX_CELLS + 1)})), "more than"),
        (json.dumps(_request(protocol_version="2.0")), "protocol 2.0"),
    ],
)
def test_invalid_client_messages_are_refused_with_a_reason(raw: str, words: str) -> None:
    with pytest.raises(WireError) as info:
        parse_client_message(raw)
    assert words in str(info.value)


def test_a_refused_request_keeps_its_id_for_the_error_reply() -> None:
    with pytest.raises(WireError) as info:
        parse_client_message(json.dumps(_request(line=5)))
    assert info.value.request_id == "r1"


def test_server_messages_must_have_exactly_their_declared_fields() -> None:
    message = server_message("delta", id="r1", text="abc")
    assert message == {"type": "delta", "id": "r1", "text": "abc"}
    with pytest.raises(ValueError):
        server_message("delta", id="r1")
    with pytest.raises(ValueError):
        server_message("request", id="r1", text="abc")
