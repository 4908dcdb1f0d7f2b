"""One declared wire (issue 10): what the browser and Python exchange is declared once, in Python.

``server/wire.py`` declares the websocket messages, the ``/info`` answer, the kernel comm
messages and the error codes; ``labextension/src/wire.ts`` is generated from it. The TypeScript
ChangeSet / section types are generated from ``notebook/metadata.schema.json``. Each test here
reads the real declaration against the real sender or receiver: the runner's ``info``, the
``LLMDevError`` tree, the kernel's comm channel in a real ipykernel, the checked-in TS files.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from kernels import execute, kernel_with_extension
from openai_server import Reply

from jupyter_llmdev import PROTOCOL_VERSION, errors
from jupyter_llmdev.kernel.comm import LiveChannel
from jupyter_llmdev.server.runner import ChatRunner
from jupyter_llmdev.server.schema_ts import load_schema
from jupyter_llmdev.server.schema_ts import render as render_schema_types
from jupyter_llmdev.server.wire import (
    COMM_MESSAGES,
    ERROR_CODES,
    STRUCTS,
    comm_message,
    comm_problem,
    render_typescript,
    server_message,
)

LAB = Path(__file__).resolve().parents[2] / "labextension"
METADATA_TYPES_TS = LAB / "src" / "applier" / "metadata-types.ts"


def declared(struct: str) -> set[str]:
    return {field.name for field in STRUCTS[struct][1]}


# -- the /info answer -----------------------------------------------------------------------------


def test_the_info_answer_has_exactly_the_declared_fields_trusted_or_not(tmp_path: Path, openai_env,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.llmdev.models]\nask = "evil:gpt"\n'
        '[tool.llmdev.providers.evil]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "SOME_SECRET"\n'
    )
    runner = ChatRunner(root_dir=tmp_path)
    for info in (runner.info(), runner.info("proj/nb.ipynb")):
        assert set(info) == declared("ServerInfo")
        for role in info["roles"].values():
            assert set(role) == declared("RoleInfo")
    untrusted = runner.info("proj/nb.ipynb")["untrusted"]
    assert untrusted is not None and set(untrusted) == declared("Untrusted")


def test_the_panel_reads_server_info_from_the_generated_file() -> None:
    generated = (LAB / "src" / "wire.ts").read_text(encoding="utf-8")
    for name in ("ServerInfo", "RoleInfo", "Untrusted"):
        assert f"export interface {name} {{" in generated
    info_ts = (LAB / "src" / "panel" / "info.ts").read_text(encoding="utf-8")
    assert "interface ServerInfo" not in info_ts and "ServerInfo } from '../wire.js'" in info_ts


# -- error codes ----------------------------------------------------------------------------------


def test_every_llmdev_error_code_and_the_wires_own_are_declared() -> None:
    classes = [value for value in vars(errors).values()
               if isinstance(value, type) and issubclass(value, errors.LLMDevError)]
    assert {cls.code for cls in classes} | {"bad_message", "busy", "cancelled", "internal"} <= set(ERROR_CODES)
    generated = render_typescript()
    for code in ERROR_CODES:
        assert f"  | '{code}'" in generated and f"  {code}: '{code}'" in generated
    assert "  code: ErrorCode;" in generated


def test_an_undeclared_error_code_cannot_leave_the_server() -> None:
    assert server_message("error", id="r1", code="cut", message="cut")["code"] == "cut"
    with pytest.raises(ValueError, match="not declared"):
        server_message("error", id="r1", code="made_up", message="nope")


# -- kernel comm messages -------------------------------------------------------------------------


def snapshot_message(**changes: Any) -> dict[str, Any]:
    cells = [{"id": "run-me", "cell_type": "code", "source": "%llm hi", "outputs": ""}]
    message = {"method": "snapshot", "protocol_version": PROTOCOL_VERSION, "executing_cell_id": "run-me",
               "snapshot": {"path": "nb.ipynb", "active_cell_id": "run-me", "cells": cells}}
    message.update(changes)
    return message


@pytest.mark.parametrize(("cells", "words"), [
    ([{"id": "run-me", "cell_type": "image", "source": "x", "outputs": ""}], "code, markdown or raw"),
    ([{"id": "run-me", "cell_type": "code", "source": "x", "outputs": "", "extra": 1}], "unknown field 'extra'"),
    ([{"id": "", "cell_type": "code", "source": "x", "outputs": ""}], "must not be empty"),
    ([{"id": "run-me", "cell_type": "code", "source": "x", "outputs": ""}] * 5001, "more than 5000"),
], ids=["cell-type", "unknown-field", "empty-id", "too-many-cells"])
def test_the_kernel_checks_a_snapshot_against_the_declaration(cells: Any, words: str) -> None:
    channel = LiveChannel()
    channel.connected = True
    message = snapshot_message()
    message["snapshot"]["cells"] = cells
    channel.receive(message)
    assert channel.snapshot_for("run-me", wait=0) is None
    assert channel.refused is not None and words in channel.refused
    channel.receive(snapshot_message())
    snapshot = channel.snapshot_for("run-me", wait=0)
    assert snapshot is not None and snapshot.cells[0].source == "%llm hi"


def test_comm_messages_are_checked_by_their_method() -> None:
    assert comm_problem(snapshot_message()) is None
    assert "unknown field 'surprise'" in (comm_problem(snapshot_message(surprise=1)) or "")
    apply = comm_problem({"method": "apply", "changeset": {}})
    assert apply is not None and "not one the kernel accepts" in apply
    with pytest.raises(ValueError):
        comm_message("apply", protocol_version=PROTOCOL_VERSION, client=None, notebook_path=None)
    with pytest.raises(ValueError):
        comm_message("snapshot", protocol_version=PROTOCOL_VERSION, executing_cell_id=None, snapshot={})


def test_a_real_kernel_sends_apply_with_exactly_the_declared_fields(openai_env, tmp_path: Path) -> None:
    env = {"LLMDEV_MODEL": "test-model", "LLMDEV_FIRST_TOKEN_TIMEOUT": "5"}
    with kernel_with_extension(tmp_path, env) as kernel:
        comm_id = uuid.uuid4().hex
        kernel.shell_channel.send(kernel.session.msg(
            "comm_open", {"comm_id": comm_id, "target_name": "jupyter_llmdev",
                          "data": {"protocol_version": PROTOCOL_VERSION}}))
        kernel.shell_channel.send(kernel.session.msg(
            "comm_msg", {"comm_id": comm_id, "data": snapshot_message()}))
        openai_env.script(Reply(text="```python\nx = 1\n```\n"))
        result = execute(kernel, "%llm hi", cell_id="run-me")
    assert result["reply"]["status"] == "ok", result
    [apply] = [m["content"]["data"] for m in result["iopub"] if m["msg_type"] == "comm_msg"]
    assert set(apply) == {"method"} | {field.name for field in COMM_MESSAGES["apply"].fields}
    assert apply["method"] == "apply" and apply["changeset"]["edits"][0]["after"]["source"] == "x = 1"


def test_the_bridge_uses_the_generated_comm_types() -> None:
    bridge = (LAB / "src" / "live" / "bridge.ts").read_text(encoding="utf-8")
    assert "interface ApplyMessage" not in bridge and "interface RecordMessage" not in bridge
    for name in ("CommSnapshot", "KernelCommMessage", "CommOpen"):
        assert name in bridge
    generated = render_typescript()
    for message in COMM_MESSAGES.values():
        assert f"export interface {message.name} {{\n  method: '{message.type}';" in generated


# -- ChangeSet / section types from the metadata schema -------------------------------------------


def test_the_metadata_types_are_generated_from_the_schema() -> None:
    assert METADATA_TYPES_TS.read_text(encoding="utf-8") == render_schema_types(), (
        "labextension/src/applier/metadata-types.ts is out of date: run `python -m "
        "jupyter_llmdev.server.schema_ts > labextension/src/applier/metadata-types.ts`"
    )


def test_every_schema_property_has_a_typescript_field() -> None:
    schema = load_schema()
    generated = render_schema_types()
    for name, node in [("root", schema), *schema["definitions"].items()]:
        required = set(node.get("required", []))
        for key in node.get("properties", {}):
            assert f"  {key}{'' if key in required else '?'}: " in generated, (name, key)


def test_a_schema_change_shows_in_the_generated_types() -> None:
    schema = json.loads(json.dumps(load_schema()))
    schema["definitions"]["change"]["properties"]["status"]["enum"].append("parked")
    assert "status: 'applied' | 'reverted' | 'proposed' | 'parked';" in render_schema_types(schema)
    schema["definitions"]["brand_new"] = {"type": "string"}
    with pytest.raises(ValueError, match="brand_new"):
        render_schema_types(schema)


def test_the_applier_takes_its_changeset_types_from_the_generated_file() -> None:
    changeset = (LAB / "src" / "applier" / "changeset.ts").read_text(encoding="utf-8")
    assert "from './metadata-types.js'" in changeset and "interface ChangeSet" not in changeset
    section = (LAB / "src" / "applier" / "section.ts").read_text(encoding="utf-8")
    assert "MetadataSection" in section and "interface Section" not in section
