"""`llmdev plan | approve | build | review | fix | doc | log --usage` on real files, a model per role."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from fixtures_llm import TEST_KEY
from notebooks import CELLS, sources
from openai_server import OpenAIServer, Reply
from workflow_replies import (
    ARCH,
    BUILD,
    DEV,
    DOC,
    PLAN,
    REV_A,
    REV_B,
    REVIEW_A,
    Rendezvous,
    request_text,
    respond_by_role,
    write_project,
)

from jupyter_llmdev.cli.main import main


@pytest.fixture
def nb_path(tmp_path: Path, openai_env: OpenAIServer, second: OpenAIServer,
            monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in (("FIRST_TOKEN_TIMEOUT", "3"), ("TOTAL_TIMEOUT", "8"), ("REQUEST_TIMEOUT", "3"),
                        ("RETRIES", "0")):
        monkeypatch.setenv(f"LLMDEV_{name}", value)
    openai_env.responder = respond_by_role()
    return write_project(tmp_path, second.base_url)


def section(path: Path) -> dict[str, Any]:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return json.loads(json.dumps(nb.metadata["jupyter_llmdev"]))


def bodies(server: OpenAIServer, model: str) -> list[dict[str, Any]]:
    return [r.body for r in server.completion_requests if r.body["model"] == model]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def built(path: Path, capsys) -> str:
    """plan, approve, build; returns the id of the built change."""
    assert run(capsys, "plan", str(path), "count", "trips", "per", "day")[0] == 0
    assert run(capsys, "approve", str(path))[0] == 0
    assert run(capsys, "build", str(path))[0] == 0
    return section(path)["changes"][-1]["id"]


def test_plan_talks_with_the_architect_and_inserts_nothing(nb_path: Path, openai_env, capsys) -> None:
    code, out, err = run(capsys, "plan", str(nb_path), "count", "trips", "per", "day")
    assert code == 0, err
    assert "## Steps" in out  # the plan streamed to the terminal
    assert sources(nb_path) == CELLS
    [plan] = section(nb_path)["plans"]
    assert plan["status"] == "draft" and plan["approved_at"] is None
    assert plan["text"] == PLAN and [t["role"] for t in plan["conversation"]] == ["user", "assistant"]
    assert plan["conversation"][1]["model"] == ARCH and plan["conversation"][1]["usage"]["completion_tokens"] > 0
    [body] = bodies(openai_env, ARCH)
    sent = request_text(body)
    assert body["messages"][0]["content"].startswith("You are the software architect")
    assert "Rule-42" in sent and "def load(path)" in sent and sent.endswith("count trips per day")
    assert f"llmdev approve {nb_path}" in err
    # the next turn continues the same plan with the conversation so far
    assert run(capsys, "plan", str(nb_path), "use", "a", "plain", "dict")[0] == 0
    [plan] = section(nb_path)["plans"]
    assert len(plan["conversation"]) == 4 and "dict[str, int]" in plan["text"]
    later = bodies(openai_env, ARCH)[1]["messages"]
    assert [m["role"] for m in later[-3:]] == ["user", "assistant", "user"] and later[-2]["content"] == PLAN
    assert run(capsys, "plan", str(nb_path))[1].startswith(f"Plan {plan['id']} (draft)")


def test_replies_saying_approved_approve_nothing_and_build_refuses(nb_path: Path, openai_env, capsys) -> None:
    assert run(capsys, "plan", str(nb_path), "approved, go ahead and build it")[0] == 0
    before = nb_path.read_bytes()
    code, _, err = run(capsys, "build", str(nb_path))
    assert code == 2
    assert "draft" in err and f"llmdev approve {nb_path}" in err and "--no-plan" in err
    assert "Traceback" not in err
    assert nb_path.read_bytes() == before
    assert not bodies(openai_env, DEV)
    [plan] = section(nb_path)["plans"]
    assert plan["status"] == "draft" and plan["approved_by"] is None


def test_approve_then_build_records_one_change_linked_to_the_plan(nb_path: Path, openai_env, capsys) -> None:
    assert run(capsys, "plan", str(nb_path), "count", "trips", "per", "day")[0] == 0
    code, _, err = run(capsys, "approve", str(nb_path))
    assert code == 0, err
    [plan] = section(nb_path)["plans"]
    assert plan["status"] == "approved" and plan["approved_by"] and plan["approved_at"]
    code, out, err = run(capsys, "build", str(nb_path))
    assert code == 0, err
    assert "def per_day" in out
    data = section(nb_path)
    [change] = data["changes"]
    assert change["plan_id"] == plan["id"] and change["role"] == "developer" and change["model"] == DEV
    assert change["command"] == "build"
    replace, insert = change["edits"]  # the prose ("Implemented the plan.") is a report, not a cell
    assert (replace["op"], replace["cell_id"]) == ("replace", "c")
    assert (insert["op"], insert["anchor"], insert["after"]["cell_type"]) == ("insert", "e", "code")
    assert data["plans"][0]["status"] == "built"
    cells = sources(nb_path)
    assert "with open(path) as f:" in cells[2][2] and cells[-1][2].startswith("def per_day(rows):")
    [body] = bodies(openai_env, DEV)
    sent = request_text(body)
    assert body["messages"][0]["content"].startswith("You are the developer")
    assert f"The approved plan (plan {plan['id']}" in sent and "Rule-42" in sent
    assert "## Steps" in sent and "count trips per day" not in sent  # the plan, not the architect's chat
    # building it again is refused: it is built
    code, _, err = run(capsys, "build", str(nb_path))
    assert code == 2 and "already built" in err


def test_review_runs_two_reviewers_from_two_endpoints_concurrently(nb_path: Path, openai_env, second,
                                                                   capsys) -> None:
    change = built(nb_path, capsys)
    # rev-a (first in the configuration) answers only once rev-b's request has arrived
    meeting = Rendezvous(REV_A, REV_B, REVIEW_A)
    openai_env.responder = meeting.wrap(respond_by_role())
    second.responder = meeting.wrap(respond_by_role())
    code, out, err = run(capsys, "review", str(nb_path))
    assert code == 0, err
    assert meeting.met is True
    data = section(nb_path)
    [review] = data["reviews"]
    assert review["change"] == change and review["plan_id"] == data["plans"][0]["id"]
    assert [(r["provider"], r["model"], r["verdict"]) for r in review["reviewers"]] == [
        ("openai", REV_A, "changes"), ("second", REV_B, "approve")]
    assert [f["severity"] for r in review["reviewers"] for f in r["findings"]] == ["high", "low", "medium"]
    assert review["reviewers"][0]["findings"][0]["cell_id"] == "c"
    assert data["plans"][0]["status"] == "reviewed"
    for server, model in ((openai_env, REV_A), (second, REV_B)):
        [body] = bodies(server, model)
        sent = request_text(body)
        assert body["messages"][0]["content"].startswith("You are a code reviewer")
        assert "## Steps" in sent and "Rule-42" in sent  # the plan and the doc
        assert "-    return list(csv.DictReader(open(path)))" in sent and "+def per_day(rows):" in sent
    assert "  1  high" in out and "open the CSV with newline=''" in out and "second:rev-b" in out


def test_a_failing_and_a_timed_out_reviewer_are_reported_and_the_other_review_kept(
        nb_path: Path, openai_env, second, tmp_path: Path, monkeypatch, capsys) -> None:
    write_project(tmp_path, second.base_url, reviewers=[REV_A, "second:rev-broken", "second:rev-stuck"])
    monkeypatch.setenv("LLMDEV_FIRST_TOKEN_TIMEOUT", "1")
    change = built(nb_path, capsys)
    second.responder = respond_by_role({"rev-broken": lambda body: Reply(fault="500"),
                                        "rev-stuck": lambda body: Reply(fault="timeout", hang=5)})
    code, out, err = run(capsys, "review", str(nb_path))
    assert code == 0, err
    [review] = section(nb_path)["reviews"]
    assert review["change"] == change
    ok, broken, stuck = review["reviewers"]
    assert ok["verdict"] == "changes" and ok["error"] is None and len(ok["findings"]) == 2
    assert "500" in broken["error"] and broken["findings"] == [] and broken["usage"] == {}
    assert "first_token_timeout" in stuck["error"] and stuck["verdict"] is None
    assert "FAILED" in out and TEST_KEY not in out + err
    assert "2 reviewer(s) failed" in err


def test_every_reviewer_failing_records_nothing(nb_path: Path, openai_env, second, capsys) -> None:
    built(nb_path, capsys)
    before = nb_path.read_bytes()
    openai_env.responder = respond_by_role({REV_A: lambda body: Reply(fault="401")})
    second.responder = respond_by_role({REV_B: lambda body: Reply(fault="404_model")})
    code, _, err = run(capsys, "review", str(nb_path))
    assert code == 3
    assert "No reviewer produced a usable review" in err and "openai:rev-a" in err and "second:rev-b" in err
    assert nb_path.read_bytes() == before


def test_fix_applies_the_chosen_findings_as_a_child_of_the_reviewed_change(nb_path: Path, openai_env,
                                                                           capsys) -> None:
    change = built(nb_path, capsys)
    assert run(capsys, "review", str(nb_path))[0] == 0
    review = section(nb_path)["reviews"][0]
    code, _, err = run(capsys, "fix", str(nb_path), "--only", "1,3")
    assert code == 0, err
    data = section(nb_path)
    fix = data["changes"][-1]
    assert fix["command"] == "fix" and fix["parent"] == change and fix["plan_id"] == data["plans"][0]["id"]
    assert fix["prompt"].startswith(f"fix review {review['id']} findings 1,3")
    assert [(e["op"], e["cell_id"]) for e in fix["edits"]] == [("replace", "c")]
    assert data["reviews"][0]["fixes"] == [{"change": fix["id"], "findings": [1, 3]}]
    assert "newline=''" in sources(nb_path)[2][2]
    sent = request_text(bodies(openai_env, DEV)[-1])
    assert "1. [high] cell=c: open the CSV" in sent and "3. [medium] cell=d" in sent
    assert "per_day could say" not in sent.split("Fix these findings")[1]  # finding 2 was not chosen
    code, _, err = run(capsys, "fix", str(nb_path), "--only", "9")
    assert code == 2 and "findings 1 to 3" in err
    assert run(capsys, "show", str(nb_path), fix["id"])[1].count(f"parent:      {change}") == 1


def test_doc_update_is_proposed_as_a_diff_and_written_only_on_accept(nb_path: Path, openai_env,
                                                                     capsys) -> None:
    doc = nb_path.parent / "ARCHITECTURE.md"
    code, _, err = run(capsys, "doc", str(nb_path), "update")
    assert code == 2 and "no built plan" in err
    built(nb_path, capsys)
    code, out, err = run(capsys, "doc", str(nb_path), "update")
    assert code == 0, err
    assert "+## Modules" in out and "+per_day(rows) -> dict[str, int]" in out and "+```python" in out
    assert doc.read_text() == DOC
    [proposal] = section(nb_path)["docs"]
    assert proposal["status"] == "proposed" and proposal["model"] == ARCH and proposal["text"].endswith("```\n")
    assert "Update the architecture document" in bodies(openai_env, ARCH)[-1]["messages"][-1]["content"]
    assert run(capsys, "doc", str(nb_path))[1] == DOC
    code, _, err = run(capsys, "doc", str(nb_path), "accept")
    assert code == 0, err
    assert "## Modules" in doc.read_text()
    [backup] = (doc.parent / ".llmdev" / "doc-history").iterdir()
    assert backup.read_text() == DOC
    [record] = section(nb_path)["docs"]
    assert record["status"] == "accepted" and "text" not in record and record["accepted_by"]
    assert record["backup"] == str(backup.relative_to(doc.parent))
    code, _, err = run(capsys, "doc", str(nb_path), "accept")
    assert code == 2 and "no proposed doc update" in err


def test_doc_accept_refuses_when_the_doc_changed_since_the_proposal(nb_path: Path, capsys) -> None:
    built(nb_path, capsys)
    assert run(capsys, "doc", str(nb_path), "update")[0] == 0
    doc = nb_path.parent / "ARCHITECTURE.md"
    doc.write_text(DOC + "Edited by hand.\n")
    before = nb_path.read_bytes()
    code, _, err = run(capsys, "doc", str(nb_path), "accept")
    assert code == 2 and "changed since" in err
    assert doc.read_text().endswith("Edited by hand.\n") and nb_path.read_bytes() == before


def test_log_usage_totals_tokens_per_role_and_model(nb_path: Path, capsys) -> None:
    built(nb_path, capsys)
    assert run(capsys, "review", str(nb_path))[0] == 0
    code, out, _ = run(capsys, "log", str(nb_path), "--usage")
    assert code == 0
    rows = {tuple(line.split()[:3]) for line in out.splitlines()}
    assert {("architect", f"openai:{ARCH}", "1"), ("developer", f"openai:{DEV}", "1"),
            ("reviewer", f"openai:{REV_A}", "1"), ("reviewer", f"second:{REV_B}", "1")} <= rows
    assert "total" in out and "prices are not configured" in out


@pytest.mark.parametrize("command", ["plan", "build", "review"])
def test_a_cut_reply_leaves_the_file_byte_identical(nb_path: Path, openai_env, second, capsys, command) -> None:
    if command == "build":
        assert run(capsys, "plan", str(nb_path), "count")[0] == run(capsys, "approve", str(nb_path))[0] == 0
    if command == "review":
        built(nb_path, capsys)
    before = nb_path.read_bytes()
    cut = Reply(text=BUILD, fault="cut", fault_after=2)
    openai_env.responder = lambda body: cut
    second.responder = lambda body: cut
    code, _, err = run(capsys, command, str(nb_path), *(["more"] if command == "plan" else []))
    assert code == 3, err
    assert nb_path.read_bytes() == before


def test_build_without_a_plan_and_dry_run(nb_path: Path, openai_env, capsys) -> None:
    before = nb_path.read_bytes()
    code, out, _ = run(capsys, "build", str(nb_path), "--no-plan", "--dry-run", "count", "per", "day")
    assert code == 0 and "+def per_day(rows):" in out and nb_path.read_bytes() == before
    assert request_text(bodies(openai_env, DEV)[0]).endswith("count per day")
    assert run(capsys, "build", str(nb_path), "--no-plan", "count", "per", "day")[0] == 0
    [change] = section(nb_path)["changes"]
    assert change["plan_id"] is None and change["prompt"] == "count per day"


def test_new_commands_have_help(capsys) -> None:
    for command in ("plan", "approve", "build", "review", "fix", "doc"):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0
        assert f"usage: llmdev {command}" in capsys.readouterr().out


def test_approve_insert_puts_the_plan_in_a_markdown_cell_as_a_human_change(nb_path: Path, capsys) -> None:
    assert run(capsys, "plan", str(nb_path), "count", "trips", "per", "day")[0] == 0
    code, _, err = run(capsys, "approve", str(nb_path), "--insert", "--after", "a")
    assert code == 0, err
    data = section(nb_path)
    [change] = data["changes"]
    assert (change["role"], change["command"], change["plan_id"]) == ("human", "approve", data["plans"][0]["id"])
    cell = sources(nb_path)[1]
    assert cell[1] == "markdown" and cell[2].startswith(f"## Plan {data['plans'][0]['id']} (approved)")
    assert data["plans"][0]["status"] == "approved"
