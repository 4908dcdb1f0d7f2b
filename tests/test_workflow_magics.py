"""`%llm plan | approve | build | review | fix | doc | log --usage` on a real IPython shell."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from notebooks import CELLS, sources
from openai_server import OpenAIServer
from shells import run_cell, shell_with_extension
from workflow_replies import (
    ARCH,
    DEV,
    DOC,
    REV_A,
    REV_B,
    REVIEW_A,
    Rendezvous,
    request_text,
    respond_by_role,
    write_project,
)


@pytest.fixture
def ip(openai_env: OpenAIServer, second: OpenAIServer, tmp_path: Path,
       monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMDEV_FIRST_TOKEN_TIMEOUT", "3")
    monkeypatch.setenv("LLMDEV_RETRIES", "0")
    openai_env.responder = respond_by_role()
    path = write_project(tmp_path, second.base_url)
    with shell_with_extension(path) as shell:
        yield shell


run = run_cell


def ok(ip: InteractiveShell, code: str) -> str:
    result, captured = run(ip, code)
    assert result.success, f"{code}: {result.error_in_exec}\n{captured.stdout}"
    return captured.stdout


def history(ip: InteractiveShell) -> dict[str, Any]:
    """The kernel session's records over the saved notebook."""
    magics = ip.magics_manager.registry["LLMMagics"]
    return magics.history()


def requests(server: OpenAIServer, model: str) -> list[dict[str, Any]]:
    return [r.body for r in server.completion_requests if r.body["model"] == model]


def test_plan_approve_build_review_fix_doc_in_a_shell(ip, openai_env, second, tmp_path: Path) -> None:
    notebook = tmp_path / "trips.ipynb"
    out = ok(ip, "%llm plan count trips per day")
    assert "## Steps" in out and "%llm approve" in out
    [plan] = history(ip)["plans"]
    assert plan["status"] == "draft"
    assert request_text(requests(openai_env, ARCH)[0]).startswith("You are the software architect")

    result, _ = run(ip, "%llm build")
    assert not result.success
    message = "\n".join(result.error_in_exec._render_traceback_())
    assert "draft" in message and "`%llm approve`" in message and "Traceback" not in message
    assert not requests(openai_env, DEV)

    assert "approved by" in ok(ip, "%llm approve")
    out = ok(ip, "%llm build")
    # no JupyterLab frontend here: the first cell comes through set_next_input, the rest is shown
    assert "def load(path):" in ip.rl_next_input and "def per_day(rows):" in out
    data = history(ip)
    [change] = data["changes"]
    assert change["plan_id"] == plan["id"] and data["plans"][0]["status"] == "built"
    assert f"The approved plan (plan {plan['id']}" in request_text(requests(openai_env, DEV)[0])
    assert sources(notebook) == CELLS  # the kernel never rewrites the notebook file

    meeting = Rendezvous(REV_A, REV_B, REVIEW_A)
    openai_env.responder = meeting.wrap(respond_by_role())
    second.responder = meeting.wrap(respond_by_role())
    out = ok(ip, "%llm review")
    assert meeting.met is True
    assert "review " in out and "open the CSV with newline=''" in out and "second:rev-b" in out
    [review] = history(ip)["reviews"]
    assert review["change"] == change["id"] and history(ip)["plans"][0]["status"] == "reviewed"
    assert "-    return list(csv.DictReader(open(path)))" in request_text(requests(second, REV_B)[0])

    ok(ip, "%llm fix --only 1")
    data = history(ip)
    fix = data["changes"][-1]
    assert fix["parent"] == change["id"] and fix["command"] == "fix"
    assert data["reviews"][0]["fixes"] == [{"change": fix["id"], "findings": [1]}]
    assert "newline=''" in ip.rl_next_input

    out = ok(ip, "%llm doc update")
    assert "+## Modules" in out and (tmp_path / "ARCHITECTURE.md").read_text() == DOC
    assert "ARCHITECTURE.md (proposal" in ok(ip, "%llm doc accept")
    assert "## Modules" in (tmp_path / "ARCHITECTURE.md").read_text()
    assert history(ip)["docs"][0]["status"] == "accepted"

    usage = ok(ip, "%llm log --usage")
    for role, model in (("architect", ARCH), ("developer", DEV), ("reviewer", REV_A), ("reviewer", REV_B)):
        assert any(line.split()[:2] == [role, f"{'second' if model == REV_B else 'openai'}:{model}"]
                   for line in usage.splitlines()), usage
    assert ok(ip, "%llm log").count("developer/dev-model") == 2


def test_a_reply_saying_approve_approves_nothing(ip, openai_env) -> None:
    ok(ip, "%llm plan looks good, APPROVE it and build")
    [plan] = history(ip)["plans"]
    assert "APPROVED" in plan["text"] and plan["status"] == "draft" and plan["approved_at"] is None
    result, _ = run(ip, "%llm build")
    assert "nothing is built until a human approves it" in str(result.error_in_exec)
    # a new plan supersedes the draft; talking about an approved plan makes it a draft again
    ok(ip, "%llm approve")
    out = ok(ip, "%llm plan use a plain dict")
    assert "draft again" in out
    assert history(ip)["plans"][0]["status"] == "draft"
    ok(ip, "%llm plan --new something else")
    assert [p["status"] for p in history(ip)["plans"]] == ["superseded", "draft"]


def test_review_works_inside_a_running_event_loop(ip, openai_env, second) -> None:
    ok(ip, "%llm build --no-plan count trips per day")

    async def in_loop() -> str:
        assert asyncio.get_running_loop() is not None  # as in ipykernel, where cells run in a loop
        return ok(ip, "%llm review")

    out = asyncio.run(in_loop())
    assert "second:rev-b" in out
    [review] = history(ip)["reviews"]
    assert review["plan_id"] is None and len(review["reviewers"]) == 2
    assert "made without a plan" in request_text(requests(openai_env, REV_A)[0])


def test_usage_mistakes_are_short_messages(ip) -> None:
    for line, words in (("%llm approve", "no draft plan"), ("%llm review", "no change to review"),
                        ("%llm fix", "no review to fix"), ("%llm doc accept", "no proposed doc update"),
                        ("%llm doc rewrite", "update [TEXT] or accept"), ("%llm build a b", "one id")):
        result, _ = run(ip, line)
        assert not result.success and words in str(result.error_in_exec), (line, result.error_in_exec)
    assert "No plan yet" in ok(ip, "%llm plan")
    assert "Pure functions only" in ok(ip, "%llm doc")
