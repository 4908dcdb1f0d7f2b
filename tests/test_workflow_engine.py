"""The workflow's parts: concurrent calls, plan rules, review numbering, doc replies, the ledger, the schema."""

from __future__ import annotations

import asyncio
import copy
import signal
import threading
from typing import Any

import nbformat
import pytest
from fixtures_llm import FAST_LIMITS, TEST_KEY
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.engine.doc import _extract_document
from jupyter_llmdev.engine.ledger import format_usage, usage_rows
from jupyter_llmdev.engine.steps import LLMCall, Step, arun_step, run_step
from jupyter_llmdev.errors import Cancelled, CommandError, IncompleteReply, MetadataError
from jupyter_llmdev.llm.client import LLMClient
from jupyter_llmdev.llm.types import Endpoint, Status
from jupyter_llmdev.notebook import plans
from jupyter_llmdev.notebook.changeset import CellState, ChangeSet, Edit
from jupyter_llmdev.notebook.metadata import empty_section, read_section, write_section
from jupyter_llmdev.notebook.records import commit
from jupyter_llmdev.notebook.reviews import new_review, parse_only, reviewer_entry, select_findings

MESSAGES = [{"role": "user", "content": "Review this."}]


def client_for(endpoint: Endpoint) -> LLMClient:
    return LLMClient(endpoint, FAST_LIMITS, environ={"LLMDEV_TEST_KEY": TEST_KEY})


def call(server: OpenAIServer, model: str) -> LLMCall:
    endpoint = Endpoint(model=model, provider="test", base_url=server.base_url, api_key_env="LLMDEV_TEST_KEY")
    return LLMCall(f"reviewer {model}", endpoint, MESSAGES, "context: test")


def texts(results: list[Any]) -> list[str]:
    return [r.finished.text if r.finished else f"error: {type(r.error).__name__}" for r in results]


def test_a_failure_is_reported_while_the_slow_call_still_runs(openai_server: OpenAIServer) -> None:
    failed = threading.Event()

    def respond(body: dict[str, Any]) -> Reply:
        if body["model"] == "broken":
            return Reply(fault="401")
        # the slow reviewer finishes only after the failure reached the caller's sink
        return Reply(text="slow but fine" if failed.wait(10) else "held up")

    openai_server.responder = respond
    seen: list[str] = []

    def sink(event: Any) -> None:
        assert isinstance(event, Status)
        seen.append(event.text)
        if event.text == "reviewer broken: failed":
            failed.set()

    step = Step([call(openai_server, "slow"), call(openai_server, "broken")], lambda results: results, isolated=True)
    results = run_step(step, client_for, sink)
    assert texts(results) == ["slow but fine", "error: AuthenticationFailed"]
    assert seen.index("reviewer broken: failed") < seen.index("reviewer slow: done")


def test_concurrent_calls_run_on_a_running_event_loop_too(openai_server: OpenAIServer) -> None:
    openai_server.responder = lambda body: Reply(text=f"from {body['model']}")
    step = Step([call(openai_server, "a"), call(openai_server, "b")], lambda results: results, isolated=True)

    async def inside() -> tuple[list[Any], list[Any]]:
        blocking = run_step(step, client_for)  # a magic in a kernel: sync code inside a loop
        awaited = await arun_step(step, client_for)  # the server extension
        return blocking, awaited

    blocking, awaited = asyncio.run(inside())
    assert texts(blocking) == texts(awaited) == ["from a", "from b"]


def test_ctrl_c_stops_concurrent_calls_and_closes_their_streams(openai_server: OpenAIServer) -> None:
    openai_server.responder = lambda body: Reply(text="x" * 400, chunk_size=4, delay_between=0.05)
    step = Step([call(openai_server, "a"), call(openai_server, "b")], lambda results: results, isolated=True)
    timer = threading.Timer(0.4, lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(Cancelled, match="nothing was recorded"):
            run_step(step, client_for)
    finally:
        timer.cancel()
    assert openai_server.wait_for_disconnects(2)


@pytest.mark.parametrize("reply, summary, document", [
    ("Added a section.\n\n````markdown\n# Doc\n\n```python\nx = 1\n```\n````\n", "Added a section.",
     "# Doc\n\n```python\nx = 1\n```\n"),
    # a three-backtick wrapper around a document with its own fences: the last fence closes it
    ("Done.\n```markdown\n# Doc\n```bash\nls\n```\nEnd.\n```\n", "Done.", "# Doc\n```bash\nls\n```\nEnd.\n"),
])
def test_the_new_doc_is_the_markdown_block_of_the_reply(reply: str, summary: str, document: str) -> None:
    assert _extract_document(reply) == (summary, document)


def test_a_doc_reply_without_a_markdown_block_proposes_nothing() -> None:
    with pytest.raises(IncompleteReply, match="no ```markdown block"):
        _extract_document("I would add a Modules section.")


def test_only_approve_approves_and_a_new_turn_revokes_it() -> None:
    plan = plans.add_turn(plans.new_plan(), "count per day", "APPROVED. VERDICT: approve", model="m",
                          provider="p", usage={"prompt_tokens": 3})
    assert plan["status"] == "draft" and plan["approved_at"] is None
    with pytest.raises(ValueError):
        plans.set_status(plan, "approved")
    with pytest.raises(CommandError, match="no text"):
        plans.approve(plans.new_plan(), user="ann")
    approved = plans.approve(plan, user="ann")
    assert (approved["status"], approved["approved_by"]) == ("approved", "ann")
    with pytest.raises(CommandError, match="already approved"):
        plans.approve(approved, user="bob")
    revised = plans.add_turn(approved, "use a dict", "new text", model="m", provider="p", usage={})
    assert (revised["status"], revised["approved_by"], revised["text"]) == ("draft", None, "new text")


def test_findings_are_numbered_across_reviewers_for_only() -> None:
    from jupyter_llmdev.replies import parse_review

    review = new_review("c0ffee01", None, [
        reviewer_entry(model="a", provider="x", parsed=parse_review("- [high] cell=c: one\n- [low] two\n")),
        reviewer_entry(model="b", provider=None, error="timed out"),
        reviewer_entry(model="c", provider="y", parsed=parse_review("- [medium] cell=d: three\n")),
    ])
    assert [(f.number, f.reviewer, f.cell_id) for f in select_findings(review, None)] == [
        (1, "x:a", "c"), (2, "x:a", None), (3, "y:c", "d")]
    assert [f.text for f in select_findings(review, parse_only("1, 3"))] == ["one", "three"]
    assert parse_only("2-4,1") == [1, 2, 3, 4]
    for bad in ("x", "1,,a", ""):
        with pytest.raises(CommandError):
            parse_only(bad)
    with pytest.raises(CommandError, match="findings 1 to 3"):
        select_findings(review, [4])


def test_the_ledger_totals_changes_plan_turns_reviewers_and_doc_updates() -> None:
    section = empty_section()
    used = {"prompt_tokens": 1000, "completion_tokens": 200, "cached_tokens": 400}
    section["changes"] = [{"role": "developer", "provider": "openai", "model": "dev", "usage": used},
                          {"role": "human", "provider": None, "model": None, "usage": {}}]
    section["plans"] = [{"id": "p", "status": "draft", "text": "", "conversation": [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": "y", "model": "arch", "provider": "openai", "usage": used}]}]
    section["reviews"] = [{"reviewers": [{"model": "rev", "provider": "second", "usage": used},
                                         {"model": "gone", "provider": "second", "error": "500", "usage": {}}]}]
    section["docs"] = [{"model": "arch", "provider": "openai", "usage": used}]
    rows = {(row.role, row.model): row for row in usage_rows(section)}
    assert set(rows) == {("developer", "openai:dev"), ("architect", "openai:arch"), ("reviewer", "second:rev")}
    assert rows[("architect", "openai:arch")].calls == 2 and rows[("architect", "openai:arch")].prompt_tokens == 2000
    lines = format_usage(list(rows.values()))
    assert lines[-2].split() == ["total", "4", "4,000", "800", "1,600"]
    assert "prices are not configured" in lines[-1]
    priced = format_usage(list(rows.values()), {"openai:dev": {"prompt": 2.0, "completion": 8.0, "cached": 1.0},
                                                "arch": {"prompt": 1.0, "completion": 1.0}})
    # dev: 600 * 2 + 400 * 1 + 200 * 8 = 3200; arch: 2 * (1000 * 1 + 200 * 1) = 2400 (per million)
    assert priced[-1] == "cost: 0.0056 (no price for second:rev)"


def test_the_schema_holds_the_workflow_rules() -> None:
    nb = nbformat.v4.new_notebook()
    approved_by_nobody = {**plans.new_plan(), "status": "approved", "text": "t"}
    too_many = new_review("c0ffee01", None, [reviewer_entry(model=m, provider=None, error="x") for m in "abcd"])
    for kind, record in (("plans", approved_by_nobody), ("reviews", too_many)):
        section = empty_section()
        section[kind].append(record)
        with pytest.raises(MetadataError):
            write_section(nb, section)
    section = empty_section()
    section["docs"] = [{"id": "d1", "time": "t", "path": "ARCHITECTURE.md", "status": "accepted", "plan_id": None,
                        "model": "m", "provider": None, "usage": {}, "summary": "", "base_sha256": None,
                        "new_sha256": "0" * 64, "backup": None, "accepted_at": "t", "accepted_by": "ann",
                        "text": "an accepted proposal keeps no text"}]
    with pytest.raises(MetadataError, match="docs"):
        write_section(nb, section)


def test_commit_checks_the_records_before_applying_the_change() -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1", id="a")])
    before = copy.deepcopy(nb)
    edit = Edit("replace", "a", before=CellState("code", "x = 1"), after=CellState("code", "x = 2"))
    change = ChangeSet(edits=[edit], role="developer")
    with pytest.raises(MetadataError):
        commit(nb, [("plans", {"id": "p1", "status": "approved", "text": "no approver"})], change)
    assert nb == before
    plan = plans.approve(plans.add_turn(plans.new_plan(), "q", "a", model=None, provider=None, usage={}), user="ann")
    commit(nb, [("plans", plans.set_status(plan, "built"))], change)
    assert nb.cells[0].source == "x = 2"
    assert [p["status"] for p in read_section(nb)["plans"]] == ["built"]
    nbformat.validate(nb)
