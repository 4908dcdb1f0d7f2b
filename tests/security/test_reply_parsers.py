"""Finding 5: model replies are parsed in linear time, and never on a blocked server loop.

Before: ``VERDICT`` followed by 24,000 spaces (inside the default reply cap) took 17 s in the
review parser's regular expressions, on the Jupyter server's event loop: every other request
(``GET /api/status``: 20.7 s) waited. Now every parser of model text scans forward only, and the
workflow's finish step runs in a worker thread. The tests: pathological 200 kB replies that must
finish, fuzzing (the old regexes are the oracle on ordinary text), and the attack itself on a
real ``jupyter server``.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jupyter_process import chat_request, read_until_final, start_jupyter_server
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.engine.doc import _extract_document
from jupyter_llmdev.errors import IncompleteReply
from jupyter_llmdev.notebook import docs as doc_records
from jupyter_llmdev.notebook.changeset import ChangeSet, ProposedCell
from jupyter_llmdev.notebook.metadata import empty_section
from jupyter_llmdev.notebook.placement import plan_edits
from jupyter_llmdev.notebook.snapshot import NotebookSnapshot
from jupyter_llmdev.replies import ReplyParser, parse_reply, parse_review
from jupyter_llmdev.replies.review import SEVERITIES, Finding, Review

#: the size of every pathological reply (the reply cap is 6 characters per output token)
N = 200_000

# -- the oracle: the parsers' regular expressions before the fix (quadratic: short inputs only) ----

_OLD_FINDING = re.compile(
    r"^\s*(?:[-*+]|\d+[.)])?\s*\**\[(?P<severity>[a-z]+)\]\**\s*"
    r"(?:\(?cell\s*[=:]\s*`?(?P<cell>[A-Za-z0-9_-]+)`?\)?)?\s*[:\u2013\u2014-]?\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_OLD_VERDICT = re.compile(
    r"^\W*verdict\W*\s*(?P<verdict>approve|approved|changes|request changes|changes requested)\b",
    re.IGNORECASE,
)
_OLD_SEVERITY = {"high": "high", "medium": "medium", "low": "low", "critical": "high", "blocker": "high",
                 "major": "medium", "minor": "low", "nit": "low"}


def old_parse_review(text: str) -> Review:
    review = Review()
    other: list[str] = []
    current: dict[str, Any] | None = None
    found: list[dict[str, Any]] = []
    for line in text.splitlines():
        verdict = _OLD_VERDICT.match(line)
        if verdict:
            review.verdict = "approve" if verdict["verdict"].lower().startswith("approve") else "changes"
            current = None
            continue
        finding = _OLD_FINDING.match(line)
        severity = _OLD_SEVERITY.get(finding["severity"].lower()) if finding else None
        if finding and severity:
            cell = finding["cell"]
            current = {"severity": severity, "cell_id": None if cell in (None, "-") else cell,
                       "lines": [finding["text"].strip()]}
            found.append(current)
        elif current is not None and line[:1] in (" ", "\t") and line.strip():
            current["lines"].append(line.strip())
        else:
            current = None
            if line.strip():
                other.append(line.rstrip())
    review.findings = [Finding(i["severity"], "\n".join(i["lines"]).strip(), i["cell_id"]) for i in found]
    review.summary = "\n".join(other).strip()
    return review


_OLD_OPEN = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?:markdown|md)\s*$", re.IGNORECASE)


def old_extract_document(reply: str) -> tuple[str, str]:
    lines = reply.splitlines()
    for start, line in enumerate(lines):
        opening = _OLD_OPEN.match(line.strip())
        if not opening:
            continue
        fence = opening["fence"]
        ends = [n for n in range(start + 1, len(lines))
                if lines[n].strip() and set(lines[n].strip()) == {fence[0]} and len(lines[n].strip()) >= len(fence)]
        if ends:
            return "\n".join(lines[:start]).strip(), "\n".join(lines[start + 1:ends[-1]]).strip("\n") + "\n"
    raise IncompleteReply("no block")


# -- sanity checks ----------------------------------------------------------------------------------

_ID = re.compile(r"[A-Za-z0-9_-]+")


def assert_sane_review(text: str, review: Review) -> None:
    """Findings are well formed, and every non-blank line of ``text`` is accounted for."""
    assert review.verdict in (None, "approve", "changes")
    texts = [finding.text for finding in review.findings]
    for finding in review.findings:
        assert finding.severity in SEVERITIES
        assert finding.cell_id is None or (_ID.fullmatch(finding.cell_id) and finding.cell_id != "-")
        assert finding.text == finding.text.strip()
    assert review.summary == review.summary.strip()
    for line in text.splitlines():
        if not line.strip():
            continue
        alone = parse_review(line)
        if alone.verdict:
            continue
        if alone.findings:
            assert any(alone.findings[0].text in t for t in texts), line[:80]
        else:
            assert line.strip() in review.summary or any(line.strip() in t for t in texts), line[:80]


def parse_in_chunks(text: str, size: int, **options: bool) -> tuple[list[ProposedCell], ReplyParser]:
    parser = ReplyParser(**options)
    cells = []
    for start in range(0, len(text), size):
        cells += parser.feed(text[start:start + size])
    return cells + parser.finish(), parser


def assert_sane_cells(cells: list[ProposedCell]) -> None:
    for cell in cells:
        assert cell.cell_type in ("code", "markdown")
        assert cell.replaces is None or (cell.replaces and not any(c.isspace() for c in cell.replaces))


# -- pathological replies: each must finish (no timing), and parse to what it says -----------------

REVIEW_ATTACKS = {
    "verdict-spaces": ("verdict" + " " * N, dict(verdict=None, findings=0, summary="verdict")),
    "verdict-spaces-approve": ("VERDICT:" + " " * N + "approve", dict(verdict="approve", findings=0, summary="")),
    "verdict-dashes": ("**verdict" + "-*" * (N // 2), dict(verdict=None, findings=0)),
    "spaces-then-x": (" " * N + "x", dict(verdict=None, findings=0, summary="x")),
    "bullet-spaces": ("-" + " " * N + "x", dict(verdict=None, findings=0)),
    "finding-spaces": ("- [high]" + " " * N + "cell" + " " * N, dict(findings=1, text="cell")),
    "finding-cell-spaces": ("- [high] (cell=" + " " * N + "x", dict(findings=1, cell="x", text="")),
    "finding-cell-no-id": ("- [high] (cell=" + " " * N + ":", dict(findings=1, cell=None)),
    "finding-long-id": ("* [low] cell=`" + "a" * N + "`: t", dict(findings=1, cell="a" * N, text="t")),
    "stars": ("*" * N + "[high] x", dict(findings=1, text="x")),
    "stars-no-bracket": ("*" * N + " [high] x", dict(findings=0)),
    "digits": ("1" * N + ". [medium] x", dict(findings=1, text="x")),
    "brackets": ("[" * N, dict(findings=0)),
    "bracket-letters": ("- [" + "h" * N + "] x", dict(findings=0)),
    "many-lines": ("- [high] cell=a: x\n" + "  more\n" * (N // 7), dict(findings=1)),
    "tabs-and-returns": ("\t\r" * (N // 2) + "verdict", dict(verdict=None, findings=0, summary="verdict")),
    "control": ("\x1b\x00\x07verdict:\x1b approve\x0b\x0c\x1b[2J\n" * (N // 30), dict(verdict="approve", findings=0)),
}


@pytest.mark.parametrize("name", REVIEW_ATTACKS)
def test_pathological_review_replies_finish_and_parse_sanely(name: str) -> None:
    text, expected = REVIEW_ATTACKS[name]
    review = parse_review(text)
    if "verdict" in expected:
        assert review.verdict == expected["verdict"]
    assert len(review.findings) == expected["findings"]
    if "summary" in expected:
        assert review.summary == expected["summary"]
    if "text" in expected:
        assert review.findings[0].text == expected["text"]
    if "cell" in expected:
        assert review.findings[0].cell_id == expected["cell"]
    if len(text.splitlines()) < 100:
        assert_sane_review(text, review)


REPLY_ATTACKS = {
    "spaces": " " * N,
    "fence-then-spaces": "```" + " " * N + "x",
    "closing-then-spaces": "```python\nx = 1\n```" + " " * N + "\n",
    "not-closing": "```python\nx = 1\n```" + " " * N + "x\n",
    "indented-fence": " \t" * (N // 2) + "```python\nx\n```",
    "backticks": "`" * N,
    "open-fences": "````markdown\n" * (N // 13),
    "nested-fences": "".join(f"{'`' * (3 + n % 40)}python\n" for n in range(N // 40)) + "```\n" * 100,
    "info-tokens": "```python " + "replace= " * (N // 9) + "\nx\n```\n",
    "newlines": "\n" * N,
    "carriage-returns": "\r" * N,
    "control": "\x1b]0;title\x07\x1b[2K\x00" * (N // 20),
    "one-huge-line": "x = '" + "a" * N + "'",
}


@pytest.mark.parametrize("name", REPLY_ATTACKS)
def test_pathological_replies_finish_whole_and_in_chunks(name: str) -> None:
    text = REPLY_ATTACKS[name]
    whole = ReplyParser()
    cells = whole.feed(text) + whole.finish()
    assert_sane_cells(cells)
    chunked, parser = parse_in_chunks(text, 997)
    assert chunked == cells and parser.prose == whole.prose
    if name == "one-huge-line":
        assert whole.prose == [text] and cells == [ProposedCell("markdown", text)]
    if name == "closing-then-spaces":
        assert cells == [ProposedCell("code", "x = 1")] and not whole.unterminated
    if name == "not-closing":
        assert cells == [ProposedCell("code", "x = 1\n```" + " " * N + "x")] and whole.unterminated


DOC_ATTACKS = {
    # (reply, the document it holds; None: IncompleteReply)
    "open-fences": ("```markdown\n" * (N // 12), None),
    "short-closers": ("````markdown\n```\n" * (N // 17), None),
    "open-then-closers": ("```markdown\n" + "```\n" * (N // 4), "\n".join(["```"] * (N // 4 - 1))),
    "opens-then-one-closer": ("~~~md\n" * (N // 6) + "~~~~\n", "\n".join(["~~~md"] * (N // 6 - 1))),
    "spaces": ("```" + " " * N + "markdown\n# doc\n```\n", "# doc"),
}


@pytest.mark.parametrize("name", DOC_ATTACKS)
def test_pathological_doc_replies_finish(name: str) -> None:
    text, expected = DOC_ATTACKS[name]
    if expected is None:
        with pytest.raises(IncompleteReply):
            _extract_document(text)
        return
    summary, document = _extract_document(text)
    assert summary == "" and document == expected.strip("\n") + "\n"


# -- fuzzing ---------------------------------------------------------------------------------------

_REVIEW_PIECES = ["- ", "* ", "+ ", "1. ", "2) ", "**", "[high]", "[HIGH]", "[nit]", "[x]", "[", "]", "cell=",
                  "cell:", "(cell=c1)", "`c2`", "c3", "-", ":", " \u2013 ", "\u2014", "verdict", "VERDICT:",
                  " approve", "approved", " changes", "request changes", "changes requested", "_", "x", "text",
                  " ", "  ", "\t", "\u00a0", "\u2003", "(", ")"]
review_lines = st.lists(st.sampled_from(_REVIEW_PIECES), max_size=10).map("".join)
reviews = st.lists(review_lines, max_size=12).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(text=reviews)
def test_review_parser_agrees_with_the_old_regexes_on_ordinary_text(text: str) -> None:
    assert parse_review(text) == old_parse_review(text)


def _runs(alphabet: str, longest: int) -> st.SearchStrategy[str]:
    """Long runs of one character of ``alphabet`` (the shapes that made the regexes backtrack)."""
    return st.tuples(st.sampled_from(alphabet), st.integers(0, longest)).map(lambda run: run[0] * run[1])


_CONTROL = "".join(chr(c) for c in range(32)) + "\x7f\x85\u2028\u2029\u200b"
wild = st.lists(st.one_of(st.sampled_from(_REVIEW_PIECES), _runs(" \t*-[`~" + _CONTROL, 3000),
                          st.text(max_size=20)), max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=wild)
def test_review_parser_is_sane_on_anything(text: str) -> None:
    assert_sane_review(text, parse_review(text))


_REPLY_PIECES = ["```python", "```py replace=ab12", "```", "````", "~~~", "~~~markdown", "```bash", "```markdown",
                 "  ```python", "x = 1", "```python replace=", "` ``", "\n", "\r\n", "\r", "\t", " "]
replies = st.lists(st.one_of(st.sampled_from(_REPLY_PIECES), _runs(" \t`~\n\r" + _CONTROL, 3000),
                             st.text(max_size=20)), max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), text=replies, prose_as_markdown=st.booleans())
def test_reply_parser_is_sane_and_chunking_never_matters(data: Any, text: str, prose_as_markdown: bool) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=20)))
    parser = ReplyParser(prose_as_markdown=prose_as_markdown)
    cells, start = [], 0
    for cut in [*cuts, len(text)]:
        cells += parser.feed(text[start:cut])
        start = cut
    cells += parser.finish()
    assert cells == parse_reply(text, prose_as_markdown=prose_as_markdown)
    assert_sane_cells(cells)
    kept = "\n".join([cell.source for cell in cells] + parser.prose)
    for line in text.split("\n"):
        stripped = line.rstrip("\r").lstrip(" \t")
        if line.strip() and not stripped.startswith(("```", "~~~")):
            assert line.strip() in kept


_OLD_OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>`{3,}|~{3,})(?P<info>.*)$")
_OLD_CLOSING = re.compile(r"^[ \t]*(?P<marker>`{3,}|~{3,})[ \t]*$")
fence_lines = st.lists(st.sampled_from(["`", "``", "```", "~", "~~~", " ", "\t", "\r", "python", "x", "\x0b",
                                        "\u00a0", "=", "````"]), max_size=10).map("".join)


@settings(max_examples=400, deadline=None)
@given(line=fence_lines, char=st.sampled_from("`~"), length=st.integers(3, 6))
def test_fence_lines_are_read_as_the_old_regexes_read_them(line: str, char: str, length: int) -> None:
    from jupyter_llmdev.replies.cells import _closes, _Fence, _opening

    old = _OLD_OPENING.match(line)
    assert _opening(line) == (None if old is None else (len(old["indent"]), old["marker"], old["info"]))
    closing = _OLD_CLOSING.match(line)
    expected = closing is not None and closing["marker"][0] == char and len(closing["marker"]) >= length
    assert _closes(line, _Fence(char, length, 0, "code")) == expected


_DOC_PIECES = ["```markdown", "````md", "~~~markdown", "```  MARKDOWN ", "```", "````", "~~~", "~~~~", "  ```  ",
               "# Title", "text", "", "```python", "``"]
docs = st.lists(st.sampled_from(_DOC_PIECES), max_size=14).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n"]).map(lambda eol: eol.join(lines)))


@settings(max_examples=400, deadline=None)
@given(text=docs)
def test_doc_extraction_agrees_with_the_old_scan(text: str) -> None:
    try:
        expected: Any = old_extract_document(text)
    except IncompleteReply:
        expected = IncompleteReply
    try:
        got: Any = _extract_document(text)
    except IncompleteReply:
        got = IncompleteReply
    assert got == expected


# -- the attack: a reviewer's reply must not freeze a real Jupyter server --------------------------


def _section_with_a_change(cells: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A section holding one applied change (a new cell), and the cells after it."""
    snapshot = NotebookSnapshot.from_wire({"cells": cells})
    change = ChangeSet(edits=plan_edits(snapshot, [ProposedCell("code", "y = x + 1")], after_id="a"),
                       role="developer", model="test-model", provider="openai", command="build",
                       prompt="add y")
    section = empty_section()
    section["changes"].append(change.to_dict())
    new_cell = change.edits[0].to_dict()
    after = [*cells, {"id": new_cell["cell_id"], "cell_type": "code", "source": "y = x + 1", "outputs": ""}]
    return section, after


@pytest.fixture
def reviewer() -> Any:
    server = OpenAIServer().start()
    yield server
    server.stop()


def test_a_pathological_review_does_not_freeze_the_jupyter_server(tmp_path: Path, reviewer: OpenAIServer) -> None:
    # "verdict" and 200,000 spaces: the old regexes need about 20 minutes for it, on the loop
    attack = "Looks fine.\n\nverdict" + " " * N + "\n- [high]" + " " * N + "\n"
    reviewer.responder = lambda request: Reply(text=attack, chunk_size=8192)
    server = start_jupyter_server(tmp_path, {
        "OPENAI_BASE_URL": reviewer.base_url, "OPENAI_API_KEY": "sk-test", "LLMDEV_MODEL": "test-model",
        # a reply cap above the attack (6 characters per token): the user may configure any
        "LLMDEV_MAX_OUTPUT_TOKENS": str(2 * len(attack) // 6), "LLMDEV_TIMEOUT": "60",
    })
    cells = [{"id": "a", "cell_type": "code", "source": "x = 1", "outputs": ""}]
    section, cells = _section_with_a_change(cells)

    async def attack_and_probe() -> tuple[list[dict[str, Any]], int]:
        ws = await server.connect()
        await ws.write_message(chat_request("r1", "/review", cells=cells, section=section, target="a"))
        final = asyncio.ensure_future(read_until_final(ws, "r1", timeout=300))
        probes = 0
        try:
            # GET /api/status over and over while the review runs: each must answer. A blocked
            # loop answers none for minutes; 30 s is far above any answer of a working server.
            while not final.done():
                assert await server.status(timeout=30) == 200
                probes += 1
                await asyncio.sleep(0.05)
            return await final, probes
        finally:
            final.cancel()
            ws.close()

    try:
        messages, probes = asyncio.run(attack_and_probe())
    finally:
        server.stop()
    done = messages[-1]
    assert done["type"] == "done", done
    [review] = [r["record"] for r in done["records"] if r["kind"] == "reviews"]
    [entry] = review["reviewers"]
    assert entry["verdict"] is None and entry["summary"] == "Looks fine.\nverdict"
    assert [f["text"] for f in entry["findings"]] == [""]
    assert probes >= 1
    assert reviewer.completion_requests


def test_accepting_a_crafted_doc_proposal_does_not_freeze_the_jupyter_server(tmp_path: Path,
                                                                              reviewer: OpenAIServer) -> None:
    """``/doc accept`` diffs the stored proposal (model text from the notebook) against the doc:
    difflib needs minutes for these 20,000 lines, which must not be spent on the server's loop."""
    lines = 20_000
    current = "\n".join(str(n % 101) for n in range(lines)) + "\n"
    proposed = "\n".join(str(n * 7 % 101) for n in range(lines)) + "\n"
    server = start_jupyter_server(tmp_path, {"OPENAI_BASE_URL": reviewer.base_url, "OPENAI_API_KEY": "sk-test",
                                             "LLMDEV_MODEL": "test-model"})
    (server.root / "ARCHITECTURE.md").write_text(current, encoding="utf-8")
    section = empty_section()
    section["docs"] = [doc_records.new_proposal(path="ARCHITECTURE.md", text=proposed, summary="reordered", base=current,
                                         plan_id=None, model="test-model", provider="openai", usage={})]
    cells = [{"id": "a", "cell_type": "code", "source": "x = 1", "outputs": ""}]

    async def accept_and_probe() -> tuple[int, list[dict[str, Any]]]:
        ws = await server.connect()
        answers: list[dict[str, Any]] = []
        reading = asyncio.ensure_future(read_until_final(ws, "r1", timeout=600))
        reading.add_done_callback(lambda done: answers.extend(done.result() if not done.cancelled()
                                                              and done.exception() is None else []))
        try:
            await ws.write_message(chat_request("r1", "/doc accept", cells=cells, section=section, target="a"))
            probes = 0
            # watch the server for 5 s after the request (the diff starts within milliseconds)
            loop = asyncio.get_running_loop()
            until = loop.time() + 5
            while loop.time() < until or probes < 3:
                assert await server.status(timeout=30) == 200
                probes += 1
                await asyncio.sleep(0.5)
            return probes, answers
        finally:
            reading.cancel()
            ws.close()

    try:
        probes, answers = asyncio.run(accept_and_probe())
    finally:
        server.stop()
    assert probes >= 3
    # a refusal would have come at once: the request was still diffing while the server answered
    assert not [a for a in answers if a["type"] == "error"], answers
