"""Reply parsing: fences to cells, prose kept, chunk boundaries irrelevant; review findings."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jupyter_llmdev.notebook.changeset import ProposedCell
from jupyter_llmdev.prompts import load_prompt
from jupyter_llmdev.replies import ReplyParser, parse_reply, parse_review


def code(source: str, replaces: str | None = None) -> ProposedCell:
    return ProposedCell("code", source, replaces=replaces)


def markdown(source: str) -> ProposedCell:
    return ProposedCell("markdown", source)


def parse_in_chunks(text: str, cuts: list[int], **options: bool) -> tuple[list, ReplyParser]:
    parser = ReplyParser(**options)
    cells = []
    start = 0
    for cut in sorted(cuts) + [len(text)]:
        cells += parser.feed(text[start:cut])
        start = cut
    cells += parser.finish()
    return cells, parser


# --- plain cases ------------------------------------------------------------------------------


def test_prose_and_code_blocks_become_cells_in_order():
    reply = (
        "Load it first.\n\n```python\nimport json\n```\n\nThen parse:\n```python\ndata = 1\n```\n"
    )
    assert parse_reply(reply) == [
        markdown("Load it first."),
        code("import json"),
        markdown("Then parse:"),
        code("data = 1"),
    ]


def test_only_the_newline_before_the_closing_fence_is_stripped():
    reply = "```python\n\n  x = 1  \n\n\n```"
    assert parse_reply(reply) == [code("\n  x = 1  \n\n")]


def test_languages_decide_the_cell_type():
    reply = (
        "```\na = 1\n```\n```py\nb = 2\n```\n```ipython\n%time c = 3\n```\n"
        "```markdown\n# Title\n\ntext\n```\n```md\n*md*\n```\n"
    )
    assert parse_reply(reply) == [
        code("a = 1"),
        code("b = 2"),
        code("%time c = 3"),
        markdown("# Title\n\ntext"),
        markdown("*md*"),
    ]


def test_other_languages_stay_in_the_prose_with_their_fences():
    reply = "Install it:\n```bash\npip install foo\n```\nand go.\n```python\nimport foo\n```\n"
    parser = ReplyParser()
    cells = parser.feed(reply) + parser.finish()
    prose = "Install it:\n```bash\npip install foo\n```\nand go."
    assert cells == [markdown(prose), code("import foo")]
    assert parser.prose == ["Install it:\n```bash\npip install foo\n```\nand go."]


def test_fence_lines_inside_an_other_language_block_do_not_open_cells():
    reply = "````text\n```python\nnot code\n```\n````\n"
    assert parse_reply(reply) == [markdown(reply.rstrip("\n"))]


def test_replace_in_the_info_string():
    reply = (
        "```python replace=ab12cd34\nx = 2\n```\n"
        '```python replace="ef56"\ny = 3\n```\n'
        "``` replace=gh78\nz = 4\n```\n"
        "```markdown replace=md01\n# New title\n```\n"
    )
    assert parse_reply(reply) == [
        code("x = 2", "ab12cd34"),
        code("y = 3", "ef56"),
        code("z = 4", "gh78"),
        ProposedCell("markdown", "# New title", replaces="md01"),
    ]


def test_tildes_and_longer_fences():
    reply = "~~~python\na = '```'\n```\n~~~\n`````python\nb = 1\n```\n````\n`````\n"
    assert parse_reply(reply) == [code("a = '```'\n```"), code("b = 1\n```\n````")]


def test_a_closing_fence_must_use_the_same_character_and_be_long_enough():
    reply = "````python\nx = 1\n```\n~~~~\n````\n"
    assert parse_reply(reply) == [code("x = 1\n```\n~~~~")]


def test_backtick_fence_with_backticks_in_the_info_string_is_prose():
    reply = "```inline``` is not a fence\n"
    assert parse_reply(reply) == [markdown("```inline``` is not a fence")]


def test_indented_fences_in_lists_are_dedented():
    reply = "1. Define it:\n   ```python\n   def f():\n       return 1\n   ```\n"
    assert parse_reply(reply) == [markdown("1. Define it:"), code("def f():\n    return 1")]


def test_whitespace_only_prose_and_empty_blocks_are_dropped():
    reply = "\n  \n```python\nx = 1\n```\n   \n\n```python\n\n```\n\n"
    assert parse_reply(reply) == [code("x = 1")]


def test_an_empty_block_that_replaces_a_cell_is_kept():
    assert parse_reply("```python replace=ab12\n```\n") == [code("", "ab12")]


def test_prose_is_returned_separately_when_not_inserted():
    reply = "Intro.\n```python\nx = 1\n```\n```markdown\n# Kept\n```\nOutro.\n"
    parser = ReplyParser(prose_as_markdown=False)
    cells = parser.feed(reply) + parser.finish()
    assert cells == [code("x = 1"), markdown("# Kept")]
    assert parser.prose == ["Intro.", "Outro."]
    assert parser.cells == cells


def test_unterminated_code_block_is_still_a_cell_and_flagged():
    parser = ReplyParser()
    cells = parser.feed("Here:\n```python\nx = 1\ny = ") + parser.finish()
    assert cells == [markdown("Here:"), code("x = 1\ny = ")]
    assert parser.unterminated


def test_unterminated_other_language_block_stays_in_the_prose_and_is_flagged():
    parser = ReplyParser()
    cells = parser.feed("Run:\n```bash\nmake\n") + parser.finish()
    assert cells == [markdown("Run:\n```bash\nmake")]
    assert parser.unterminated


def test_a_closed_reply_is_not_flagged():
    parser = ReplyParser()
    parser.feed("```python\nx\n```")
    parser.finish()
    assert not parser.unterminated


def test_cells_are_returned_as_soon_as_they_are_complete():
    parser = ReplyParser()
    assert parser.feed("Intro\n```py") == []
    assert parser.feed("thon\n") == [markdown("Intro")]
    assert parser.in_code
    assert parser.feed("x = 1\n``") == []
    assert parser.feed("`") == []  # the closing line is not complete yet
    assert parser.feed("\nmore") == [code("x = 1")]
    assert not parser.in_code
    assert parser.finish() == [markdown("more")]
    assert parser.finish() == []


def test_feed_after_finish_is_an_error():
    parser = ReplyParser()
    parser.finish()
    with pytest.raises(RuntimeError):
        parser.feed("x")


def test_crlf_replies_parse_like_lf_ones():
    reply = "Text\n```python\nx = 1\n\ny = 2\n```\nEnd\n"
    assert parse_reply(reply.replace("\n", "\r\n")) == parse_reply(reply)


def test_empty_reply():
    assert parse_reply("") == []


# --- property tests ---------------------------------------------------------------------------

_PIECES = [
    "Some prose.",
    "",
    "   ",
    "```python",
    "```py replace=ab12",
    "```",
    "````",
    "~~~",
    "~~~markdown",
    "```bash",
    "```text",
    "```markdown",
    "  ```python",
    "x = 1",
    "    return x",
    "s = '```'",
    "``",
    "`inline` code",
    "# heading",
    "é ünïcode 🙂",
    "tab\there",
]

replies = st.lists(st.sampled_from(_PIECES), max_size=25).flatmap(
    lambda lines: st.sampled_from(["\n", "\r\n"]).map(lambda eol: eol.join(lines))
    | st.just("\n".join(lines) + "\n")
)
noise = st.text(alphabet="`~\n\r pythonmdx=a", max_size=80)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), text=st.one_of(replies, noise), prose_as_markdown=st.booleans())
def test_chunk_boundaries_never_change_the_result(data, text, prose_as_markdown):
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(text)), max_size=12))
    cells, parser = parse_in_chunks(text, cuts, prose_as_markdown=prose_as_markdown)
    whole = ReplyParser(prose_as_markdown=prose_as_markdown)
    expected = whole.feed(text) + whole.finish()
    assert cells == expected
    assert cells == parse_reply(text, prose_as_markdown=prose_as_markdown)
    assert parser.prose == whole.prose
    assert parser.unterminated == whole.unterminated


_FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,})")


@settings(max_examples=200, deadline=None)
@given(text=replies, prose_as_markdown=st.booleans())
def test_no_text_is_dropped(text, prose_as_markdown):
    parser = ReplyParser(prose_as_markdown=prose_as_markdown)
    cells = parser.feed(text) + parser.finish()
    kept = "\n".join([cell.source for cell in cells] + parser.prose)
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip() and not _FENCE_LINE.match(line):
            assert line.strip() in kept


# --- reviews ----------------------------------------------------------------------------------


def test_the_example_in_the_reviewer_prompt_parses():
    prompt = load_prompt("reviewer")
    example = "\n".join(line[4:] for line in prompt.splitlines() if line.startswith("    "))
    review = parse_review(example)
    assert [(f.severity, f.cell_id) for f in review.findings] == [
        ("high", "3f2a9c1e"),
        ("medium", "77b0d4aa"),
        ("low", None),
    ]
    assert review.findings[1].text.endswith("further\nlines indented by two spaces.")
    assert review.verdict == "changes" and not review.approved
    assert review.summary == "One or two sentences of overall assessment."


def test_review_parsing_is_tolerant_of_formatting():
    reply = (
        "Looks mostly right.\n\n"
        "1. **[HIGH]** cell=`c1`: divides by zero when empty\n"
        "* [critical] (cell: c2) - leaks the key\n"
        "- [nit]: rename x\n"
        "- [x] a checklist item, not a finding\n"
        "Some closing remark.\n\n"
        "**VERDICT: approve**\n"
    )
    review = parse_review(reply)
    assert [(f.severity, f.cell_id, f.text) for f in review.findings] == [
        ("high", "c1", "divides by zero when empty"),
        ("high", "c2", "leaks the key"),
        ("low", None, "rename x"),
    ]
    assert review.verdict == "approve" and review.approved
    assert review.summary == (
        "Looks mostly right.\n- [x] a checklist item, not a finding\nSome closing remark."
    )
    assert review.to_dict()["findings"][0] == {
        "severity": "high",
        "text": "divides by zero when empty",
        "cell_id": "c1",
    }


def test_review_without_verdict_is_not_approved():
    review = parse_review("- [low] cell=a: fine otherwise\n")
    assert review.verdict is None and not review.approved
    assert parse_review("VERDICT: request changes").verdict == "changes"
