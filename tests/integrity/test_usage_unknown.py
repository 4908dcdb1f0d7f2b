"""Issue 9, item 9: a server that reports no usage is recorded as unknown, never as zeros.

llama.cpp without ``stream_options`` and some proxies send no usage chunk. Before, every record
of such a call said ``{prompt_tokens: 0, completion_tokens: 0, cached_tokens: 0}``: a free call
in the ledger, "0 in / 0 out tokens" in the notes. Now a model's record keeps ``usage: {}``
(the counts the server reported: none), `log --usage` says n/a and how many calls were unknown,
`show` says n/a, and the notes say "tokens n/a".

Real parts: the CLI and an IPython shell with the extension, real notebook files, the loopback
OpenAI-compatible server answering ``Reply(usage=None)`` (no usage chunk at all).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from openai_server import OpenAIServer, Reply
from shells import run_cell, shell_with_extension
from workflow_replies import ARCH, DEV, REV_A, REV_B, respond_by_role, write_project

from jupyter_llmdev.cli.main import main
from jupyter_llmdev.llm.types import Usage

Responder = Callable[[dict[str, Any]], Reply]

#: what the developer's server reports when it does report usage
DEV_USAGE = {"prompt_tokens": 40_000, "completion_tokens": 5_000, "total_tokens": 45_000}


#: the reply to ``ask`` (the default model, which the role responder does not know)
ASK_REPLY = "A test.\n\n```python\nassert callable(load)\n```\n"


def without_usage(respond: Responder) -> Responder:
    """``respond``'s replies, sent without a usage chunk (as llama.cpp does by default)."""

    def responder(body: dict[str, Any]) -> Reply:
        reply = respond(body)
        if reply.fault == "404_model":  # the ask model
            reply = Reply(text=ASK_REPLY)
        return dataclasses.replace(reply, usage=None)

    return responder


@pytest.fixture
def nb_path(tmp_path: Path, openai_env: OpenAIServer, second: OpenAIServer,
            monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in (("FIRST_TOKEN_TIMEOUT", "3"), ("TOTAL_TIMEOUT", "8"), ("RETRIES", "0")):
        monkeypatch.setenv(f"LLMDEV_{name}", value)
    openai_env.responder = without_usage(respond_by_role())
    second.responder = without_usage(respond_by_role())
    return write_project(tmp_path, second.base_url)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def section(path: Path) -> dict[str, Any]:
    return json.loads(json.dumps(nbformat.read(path, as_version=4).metadata["jupyter_llmdev"]))


def model_usages(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The usage of every record a model call left."""
    usages = [change["usage"] for change in data["changes"] if change["model"]]
    usages += [turn["usage"] for plan in data["plans"] for turn in plan["conversation"] if turn["role"] == "assistant"]
    usages += [reviewer["usage"] for review in data["reviews"] for reviewer in review["reviewers"]]
    usages += [doc["usage"] for doc in data.get("docs", [])]
    return usages


def test_every_record_of_a_server_without_usage_is_unknown_not_zero(nb_path: Path, capsys) -> None:
    for argv in (("plan", "count", "trips"), ("approve",), ("build",), ("review",), ("doc", "update")):
        code, _, err = run(capsys, argv[0], str(nb_path), *argv[1:])
        assert code == 0, err
    data = section(nb_path)
    usages = model_usages(data)
    # a plan turn, the build, two reviewers, a doc proposal: every one says "no counts reported"
    assert len(usages) == 5 and usages == [{}] * 5


def test_log_usage_says_n_a_and_how_many_calls_were_unknown(nb_path: Path, capsys) -> None:
    for argv in (("plan", "count", "trips"), ("approve",), ("build",), ("review",)):
        assert run(capsys, argv[0], str(nb_path), *argv[1:])[0] == 0
    code, out, _ = run(capsys, "log", str(nb_path), "--usage")
    assert code == 0
    rows = {line.split()[0] + " " + line.split()[1]: line.split()[2:] for line in out.splitlines()[1:5]}
    assert rows == {f"architect openai:{ARCH}": ["1", "n/a", "n/a", "n/a", "1"],
                    f"developer openai:{DEV}": ["1", "n/a", "n/a", "n/a", "1"],
                    f"reviewer openai:{REV_A}": ["1", "n/a", "n/a", "n/a", "1"],
                    f"reviewer second:{REV_B}": ["1", "n/a", "n/a", "n/a", "1"]}
    assert out.splitlines()[0].split() == ["role", "model", "calls", "prompt", "completion", "cached", "unknown"]
    assert out.splitlines()[5].split() == ["total", "4", "n/a", "n/a", "n/a", "4"]
    assert "unknown: 4 calls of 4 whose server reported no token usage (n/a)" in out
    assert " 0 " not in out.replace(" 0 cached", "")  # no zero counts anywhere

    pyproject = nb_path.parent / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'\n[tool.llmdev.prices."{DEV}"]\nprompt = 0.15\ncompletion = 0.6\n')
    out = run(capsys, "log", str(nb_path), "--usage")[1]
    assert out.splitlines()[-1].startswith("cost: n/a (usage unknown for all 1 call of priced models")


def test_known_and_unknown_calls_total_the_known_and_say_how_many_were_left_out(
        nb_path: Path, openai_env: OpenAIServer, capsys) -> None:
    # the architect's server reports nothing, the developer's reports its counts
    openai_env.responder = respond_by_role({
        ARCH: without_usage(respond_by_role()),
        DEV: lambda body: Reply(text=respond_by_role()(body).text, usage=DEV_USAGE),
    })
    for argv in (("plan", "count", "trips"), ("approve",), ("build",)):
        assert run(capsys, argv[0], str(nb_path), *argv[1:])[0] == 0
    pyproject = nb_path.parent / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + f'\n[tool.llmdev.prices."{DEV}"]\nprompt = 0.15\ncompletion = 0.6\n'
                         f'[tool.llmdev.prices."{ARCH}"]\nprompt = 1\ncompletion = 1\n')
    code, out, _ = run(capsys, "log", str(nb_path), "--usage")
    assert code == 0
    lines = [line.split() for line in out.splitlines()]
    assert ["architect", f"openai:{ARCH}", "1", "n/a", "n/a", "n/a", "1"] in lines
    assert ["developer", f"openai:{DEV}", "1", "40,000", "5,000", "0", "0"] in lines
    assert ["total", "2", "40,000", "5,000", "0", "1"] in lines
    assert "unknown: 1 call of 2 whose server reported no token usage (n/a)" in out
    # 0.04 * 0.15 + 0.005 * 0.6; the architect's call is left out, and the line says so
    assert out.splitlines()[-1] == "cost: 0.0090 (without 1 call of unknown usage)"


def test_show_says_n_a_for_a_model_change_without_usage(nb_path: Path, capsys) -> None:
    code, _, err = run(capsys, "ask", str(nb_path), "add", "a", "test")
    assert code == 0, err
    [change] = section(nb_path)["changes"]
    assert change["usage"] == {}
    out = run(capsys, "show", str(nb_path), change["id"])[1]
    assert "usage:       n/a (the server reported no usage)" in out.splitlines()
    assert "prompt_tokens 0" not in out


@pytest.fixture
def ip(nb_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(nb_path.parent)
    with shell_with_extension(nb_path) as shell:
        yield shell


def ok(ip: InteractiveShell, code: str) -> str:
    result, captured = run_cell(ip, code)
    assert result.success, f"{code}: {result.error_in_exec}\n{captured.stdout}"
    return captured.stdout


@pytest.mark.parametrize("line", ["%llm add a test for load", "%llm plan count trips per day"])
def test_magic_notes_say_tokens_n_a_not_zero(ip: InteractiveShell, line: str) -> None:
    out = ok(ip, line)
    assert "tokens n/a (the server reported no usage)" in out
    assert "0 in / 0 out" not in out


def test_magic_doc_update_note_says_n_a(ip: InteractiveShell) -> None:
    for line in ("%llm plan count trips", "%llm approve", "%llm build"):
        ok(ip, line)
    out = ok(ip, "%llm doc update")
    assert "tokens n/a" in out and "0 in / 0 out" not in out


def test_a_continued_reply_is_unknown_when_either_part_is() -> None:
    known = Usage(prompt_tokens=10, completion_tokens=5, cached_tokens=2)
    assert (known + Usage()).to_dict() == {} and (Usage() + known).to_dict() == {}
    assert (known + known).to_dict() == {"prompt_tokens": 20, "completion_tokens": 10, "cached_tokens": 4}
    # a stored usage is untrusted: anything but a count is unknown
    assert Usage.from_dict({"prompt_tokens": -1, "completion_tokens": True, "cached_tokens": "3"}).to_dict() == {}
    assert Usage.from_dict(None).describe() == "tokens n/a (the server reported no usage)"
