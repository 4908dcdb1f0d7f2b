"""Property tests of directive parsing and magic scrubbing (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jupyter_llmdev.export.directives import parse_directive, split_cell
from jupyter_llmdev.export.scrub import scrub_code

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
VALUES = st.lists(st.from_regex(r"[A-Za-z0-9_.]{1,10}", fullmatch=True), max_size=3).map(" ".join)
PREFIXES = st.sampled_from(["#|", "#| ", "# |", "# | ", "  #|", "#|  ", "#\t| "])
CODE_LINES = st.sampled_from(
    [
        "x = 1",
        "def f(a):\n    return a % 2",
        "print('#| not a directive')",
        "y = (1\n% 3)",
        "y = [1,\n     2]",
        "s = '''\n%looks like a magic\n!and a shell line\n'''",
        "total = (a\n    % b)",
        "z = x if x else 0  # what?",
        "class K:\n    pass",
        "import os",
    ]
)
MAGICS = st.sampled_from(
    [
        "%matplotlib inline",
        "!pip install x",
        "files = !ls",
        "t = %timeit -o f()",
        "os?",
        "??os",
        "  %time f()",
    ]
)


@given(st.lists(st.tuples(NAMES, VALUES, PREFIXES, st.booleans()), max_size=6), CODE_LINES)
def test_directives_in_the_head_are_parsed_and_split_off(directives, code) -> None:
    lines = []
    for name, value, prefix, quarto in directives:
        separator = ": " if quarto and value else " "
        lines.append(f"{prefix}{name}{separator if value else ''}{value}")
    source = "".join(line + "\n" for line in lines) + code
    parts = split_cell(source)
    expected: dict[str, str] = {}
    for name, value, _, _ in directives:
        expected[name] = "" if value == "true" else value
    assert parts.directives == expected
    assert parts.head + parts.body == source
    assert parts.body == code


@given(st.text(alphabet=st.sampled_from(list("#| %:\n\tabx_1")), max_size=80))
def test_split_is_total_and_lossless(source) -> None:
    parts = split_cell(source)
    assert parts.head + parts.body == source
    first_body_line = parts.body.split("\n", 1)[0]
    assert not parts.body or split_cell(first_body_line + "\n").head == ""
    for line in parts.head.splitlines():
        assert not line.strip() or line.lstrip().startswith(("#", "%%"))


@given(NAMES, VALUES)
def test_true_means_a_bare_directive(name, value) -> None:
    assert parse_directive(f"#| {name}: true") == (name, "")
    assert parse_directive(f"#|{name} {value}") == (name, value)
    assert parse_directive(f"x = 1  #| {name}") is None


@given(st.lists(st.tuples(CODE_LINES, st.lists(MAGICS, max_size=2)), min_size=1, max_size=6))
def test_magics_at_statement_starts_go_and_code_stays(chunks) -> None:
    with_magics: list[str] = []
    plain: list[str] = []
    for code, magics in chunks:
        with_magics.extend(magics)
        with_magics.append(code)
        plain.append(code)
    scrubbed = scrub_code("\n".join(with_magics))
    assert scrubbed.text == "\n".join(plain)
    body_lines = "\n".join(with_magics).split("\n")
    assert [body_lines[index] for index in scrubbed.origin] == list(scrubbed.lines)
