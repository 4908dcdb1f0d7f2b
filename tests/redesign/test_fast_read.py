"""Issue 10, CLI start: history commands and sync read notebooks without nbformat or jsonschema.

* ``notebook/section_check.py`` gives the verdict on ``metadata.jupyter_llmdev`` without
  compiling the schema: it must refuse exactly what the schema refuses, so it is compared with
  fastjsonschema (the validator in force before) and jsonschema on valid and mutated sections.
* ``notebook/jsonform.py`` reads and writes notebooks as nbformat does: compared with
  ``nbformat.reads`` / ``nbformat.writes`` on generated notebooks; anything unusual goes through
  nbformat itself, with its errors.
* The real ``llmdev log / show / diff / sync``, in a fresh process, never import nbformat or
  jsonschema (what cost 1-5 s of start-up; ``benchmarks/cli_start.py`` times it).
"""

from __future__ import annotations

import copy
import functools
import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import fastjsonschema
import jsonschema
import nbformat
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from jupyter_llmdev.errors import NotebookReadError
from jupyter_llmdev.notebook import jsonform
from jupyter_llmdev.notebook.io import read_notebook, read_notebook_data, write_notebook
from jupyter_llmdev.notebook.metadata import SCHEMA_PATH
from jupyter_llmdev.notebook.section_check import compile_check

SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
HEX = "ab" * 32
USAGE = {"input_tokens": 10, "output_tokens": 2}


def state(source: str = "x = 1", **extra: Any) -> dict[str, Any]:
    return {"cell_type": "code", "source": source, **extra}


def change(change_id: str, edits: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"id": change_id, "parent": None, "time": "2026-11-30T06:00:00Z", "role": "developer",
            "model": "m", "provider": None, "command": "ask", "prompt": "p", "plan_id": None,
            "edits": edits, "usage": USAGE, "status": "applied", **extra}


#: one section using every definition of the schema, each branch of its if/then rules
VALID = {
    "schema_version": 1,
    "changes": [
        change("c1", [
            {"op": "insert", "cell_id": "n1", "anchor": None, "before": None, "after": state()},
            {"op": "replace", "cell_id": "a", "before": state("1"), "after": state("2", metadata={"k": 1})},
            {"op": "delete", "cell_id": "b", "anchor": "a", "position": 1, "before": state(), "after": None},
        ]),
        change("c2", [], reverts="c1", status="reverted", parent="c1", plan_id="p1"),
    ],
    "plans": [
        {"id": "p1", "status": "approved", "text": "t", "approved_at": "now", "approved_by": "me",
         "conversation": [{"role": "user", "content": "hi"},
                          {"role": "assistant", "content": "ok", "model": "m", "provider": None,
                           "usage": USAGE, "time": "t"}],
         "created": "t", "updated": "t"},
        {"id": "p2", "status": "draft", "text": "t", "approved_at": None, "approved_by": None},
    ],
    "reviews": [
        {"id": "r1", "change": "c1", "plan_id": None, "time": "t",
         "reviewers": [{"model": "m", "provider": None, "verdict": "changes", "summary": "s",
                        "findings": [{"severity": "high", "cell_id": "a", "text": "bug"},
                                     {"severity": "low", "cell_id": None, "text": "nit"}],
                        "error": None, "usage": USAGE},
                       {"model": "m2", "provider": "p", "verdict": None, "summary": "", "findings": [],
                        "error": "timeout", "usage": {}}],
         "fixes": [{"change": "c2", "findings": [1, 2]}]},
    ],
    "docs": [
        {"id": "d1", "time": "t", "path": "ARCHITECTURE.md", "status": "proposed", "plan_id": None,
         "model": None, "provider": None, "usage": {}, "summary": "s", "base_sha256": None, "text": "new"},
        {"id": "d2", "time": "t", "path": "A.md", "status": "accepted", "plan_id": "p1", "model": "m",
         "provider": None, "usage": USAGE, "summary": "s", "base_sha256": HEX, "new_sha256": HEX,
         "backup": None, "accepted_at": "t", "accepted_by": "me"},
    ],
    "usage": USAGE,
}
CELL_META = {"change": "c1", "revision": 1, "origin": "llm"}

#: replacement values a mutation draws from: wrong types, edges of every bound, near-miss strings
ODD_VALUES = [
    None, True, False, 0, 1, -1, 1.0, 1.5, 2, 3, "", "x", "c1", "a\n", "é", "a b", "-", "x" * 64, "x" * 65,
    "insert", "replace", "delete", "applied", "reverted", "proposed", "approved", "built", "draft",
    "accepted", "superseded", "high", "user", "assistant", "llm", "human", "approve", "changes",
    "code", "markdown", HEX, HEX.upper(), HEX + "\n", [], [1], [None], {}, {"x": 1}, {"input_tokens": -1},
    state(), {"cell_type": "code"}, [1, 2, 3, 4],
]

#: replacements by the type of the value replaced: the edges of its rules (bounds, patterns, enums)
NEAR_MISSES: dict[type, list[Any]] = {
    int: [-1, 0, 1, 2, 3, 4, 0.5, 1.0, True, "1", None],
    str: ["", "a\n", "x" * 64, "x" * 65, "a b", "é", "-_", HEX, HEX[:-1], HEX.upper(), "insert", "delete",
          "applied", "proposed", "accepted", "approved", "draft", "built", None, 1],
    type(None): ["", "x", "c1", 0, {}, HEX, "a\n", state()],
    dict: [{}, {"x": 1}, [], None, state(), {"cell_type": "raw", "source": ""}],
    list: [[], [None], [{}], {}, "x"],
}


def paths(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location in ``value`` (the root included), parents first."""
    found = [at]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, at + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, at + (index,))
    return found


def mutate(data: Any, draw: Any) -> Any:
    """``data`` with one random change: a value replaced, a key dropped or added, an item repeated."""
    data = copy.deepcopy(data)
    where = draw(st.sampled_from(paths(data)))
    if not where:
        return draw(st.sampled_from(ODD_VALUES))
    parent = data
    for step in where[:-1]:
        parent = parent[step]
    last = where[-1]
    action = draw(st.sampled_from(["replace", "drop", "add", "repeat"]))
    if action == "replace":
        near = NEAR_MISSES.get(type(parent[last]), ODD_VALUES)
        parent[last] = copy.deepcopy(draw(st.sampled_from(near if draw(st.booleans()) else ODD_VALUES)))
    elif action == "drop":
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from(["extra", "text", "anchor", "position", "reverts", "backup",
                                     "new_sha256", "accepted_at", "approved_at"]))] = copy.deepcopy(
            draw(st.sampled_from(ODD_VALUES)))
    elif isinstance(parent, list):
        parent.append(copy.deepcopy(parent[last]))
    return data


def trailing_newline_string(value: Any) -> bool:
    """Python's ``re`` lets ``$`` match before a final newline; JSON Schema (ECMA 262) does not."""
    return any(isinstance(item, str) and item.endswith("\n") for item in _leaves(value))


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in [key, *_leaves(item)]]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


@functools.cache
def validators(definition: str | None) -> tuple[Any, Any, Any]:
    """The fast check, fastjsonschema's and jsonschema's, of the root or one definition."""
    schema = SCHEMA
    if definition is not None:
        schema = {"$schema": SCHEMA["$schema"], "definitions": SCHEMA["definitions"],
                  "$ref": f"#/definitions/{definition}"}
    return (compile_check(SCHEMA, definition), fastjsonschema.compile(schema, use_default=False),
            jsonschema.Draft7Validator(schema))


def verdicts(definition: str | None, data: Any) -> tuple[bool, bool, bool | None]:
    fast_check, compiled, draft7 = validators(definition)
    fast = fast_check(data)
    try:
        compiled(copy.deepcopy(data))
        reference = True
    except fastjsonschema.JsonSchemaValueException:
        reference = False
    other = None if trailing_newline_string(data) else draft7.is_valid(data)
    return fast, reference, other


def single_mutations(data: Any) -> list[Any]:
    """Every copy of ``data`` with one leaf replaced by a near miss, one key dropped or one added."""
    found = []
    for where in paths(data)[1:]:
        parent = data
        for step in where[:-1]:
            parent = parent[step]
        value = parent[where[-1]]
        for replacement in NEAR_MISSES.get(type(value), ODD_VALUES) if not isinstance(value, bool) else [None, 1]:
            found.append(_changed(data, where, lambda holder, key, new=replacement: holder.__setitem__(key, new)))
        if isinstance(parent, dict):
            found.append(_changed(data, where, lambda holder, key: holder.pop(key)))
        if isinstance(value, dict):
            for extra in ("extra", "text", "anchor", "position", "reverts", "backup", "new_sha256",
                          "accepted_at", "approved_at", "metadata"):
                found.append(_changed(data, where + (extra,), lambda holder, key: holder.__setitem__(key, "x")))
    return found


def _changed(data: Any, where: tuple[Any, ...], change: Any) -> Any:
    data = copy.deepcopy(data)
    holder = data
    for step in where[:-1]:
        holder = holder[step]
    change(holder, where[-1])
    return data


@pytest.mark.parametrize("definition, sample", [(None, VALID), ("cell_meta", CELL_META)], ids=["section", "cell"])
def test_every_single_mutation_gets_the_schemas_verdict(definition: str | None, sample: Any) -> None:
    mutations = single_mutations(sample)
    assert len(mutations) > 100 or definition == "cell_meta"
    refused = 0
    for mutated in mutations:
        fast, reference, other = verdicts(definition, mutated)
        assert fast == reference, mutated
        assert other is None or fast == other, mutated
        refused += not fast
    assert refused > len(mutations) // 3  # the near misses mostly miss


@pytest.mark.parametrize("definition, data", [(None, VALID), ("cell_meta", CELL_META),
                                              ("change", VALID["changes"][0])])
def test_the_sample_sections_are_valid(definition: str | None, data: Any) -> None:
    assert verdicts(definition, data) == (True, True, True)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_fast_check_refuses_exactly_what_the_schema_refuses(data: st.DataObject) -> None:
    definition, sample = data.draw(st.sampled_from([(None, VALID), ("cell_meta", CELL_META),
                                                     ("change", VALID["changes"][0])]))
    mutated = sample
    for _ in range(data.draw(st.integers(1, 3))):
        mutated = mutate(mutated, data.draw)
    fast, reference, other = verdicts(definition, mutated)
    assert fast == reference, mutated
    if other is not None:
        assert fast == other, mutated


def test_a_trailing_newline_in_an_id_is_refused_as_the_schema_means_it() -> None:
    bad = {**CELL_META, "change": "c1\n"}
    assert verdicts("cell_meta", bad)[:2] == (False, False)


def test_a_schema_keyword_the_fast_check_does_not_know_fails_loudly() -> None:
    with pytest.raises(ValueError, match="format"):
        compile_check({"type": "string", "format": "date-time"})


# --- notebooks: same data as nbformat, same text, same errors -------------------------------

texts = st.text(alphabet=st.sampled_from("ab \n\r\té\u2028"), max_size=12)


@st.composite
def notebooks(draw: Any) -> Any:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "P", "language": "python"}})
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["code", "markdown", "raw"]))
        source = draw(texts)
        if kind == "code":
            outputs = [new_output("stream", name="stdout", text=draw(texts)),
                       new_output("display_data", data={"text/plain": draw(texts), "image/svg+xml": draw(texts),
                                                        "application/json": {"a": [draw(texts)]}}),
                       new_output("execute_result", data={"text/html": draw(texts)}, execution_count=1)]
            cell = new_code_cell(source, outputs=outputs[: draw(st.integers(0, 3))], id=f"c{index}")
        elif kind == "markdown":
            cell = new_markdown_cell(source, id=f"c{index}",
                                     attachments={"a.svg": {"image/svg+xml": draw(texts)}})
        else:
            cell = new_raw_cell(source, id=f"c{index}")
        if draw(st.booleans()):
            cell.metadata["trusted"] = True
        nb.cells.append(cell)
    if draw(st.booleans()):
        nb.metadata["signature"] = "sha256:x"
    return nb


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notebooks())
def test_reading_and_writing_match_nbformat(tmp_path: Path, nb: Any) -> None:
    path = tmp_path / "n.ipynb"
    path.write_text(nbformat.writes(nb), encoding="utf-8")
    plain = read_notebook_data(path, strict=True)
    assert type(plain) is dict and plain == read_notebook(path)
    assert jsonform.dumps(plain) == nbformat.writes(read_notebook(path)) + "\n"
    before = path.read_bytes()
    write_notebook(path, plain)  # the fast writer
    fast = path.read_bytes()
    write_notebook(path, read_notebook(path))  # nbformat's
    assert fast == path.read_bytes() == before + (b"" if before.endswith(b"\n") else b"\n")


def test_an_old_v4_notebook_gets_ids_as_nbformat_upgrades_it(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_code_cell("x = 1"), new_markdown_cell("# T")])
    nb.nbformat_minor = 4
    for cell in nb.cells:
        del cell["id"]
    path = tmp_path / "old.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    plain, node = read_notebook_data(path), read_notebook(path)
    ids = [cell["id"] for cell in plain["cells"]]
    assert len(set(ids)) == 2 and all(jsonform._CELL_ID.match(cell_id) for cell_id in ids)
    for data in (plain, node):
        for cell in data["cells"]:
            cell["id"] = "x"
    assert plain == node and plain["nbformat_minor"] == 5 and plain["metadata"]["orig_nbformat_minor"] == 4


def broken(tmp_path: Path, change: Any) -> Path:
    nb = json.loads(nbformat.writes(new_notebook(cells=[new_code_cell("x", id="a"), new_code_cell("y", id="b")])))
    change(nb)
    path = tmp_path / "odd.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.mark.parametrize("change", [
    lambda nb: nb["cells"][1].update(id="a"),  # repeated id: nbformat repairs it
    lambda nb: nb["cells"][0]["outputs"].append({"output_type": "stream"}),  # invalid output
    lambda nb: nb["cells"][0].pop("execution_count"),
    lambda nb: nb["cells"][0].update(id="a b"),
    lambda nb: nb.update(nbformat_minor=6),
    lambda nb: nb["metadata"].update(kernelspec={"name": 1}),
], ids=["repeated-id", "bad-output", "no-execution-count", "bad-id", "minor-6", "bad-kernelspec"])
def test_unusual_notebooks_take_nbformats_path_with_its_errors(tmp_path: Path, change: Any) -> None:
    path = broken(tmp_path, change)
    try:
        expected: Any = read_notebook(path)
    except NotebookReadError as error:
        expected = str(error)
    try:
        got: Any = read_notebook_data(path, strict=True)
    except NotebookReadError as error:
        got = str(error)
    if isinstance(expected, str):
        assert got == expected
    else:
        assert type(got) is not dict  # nbformat's own result (it repairs ids at random)
        assert len(got["cells"]) == len(expected["cells"])


def test_a_plain_notebook_nbformat_refuses_is_not_written(tmp_path: Path) -> None:
    path = broken(tmp_path, lambda nb: None)
    nb = read_notebook_data(path, strict=True)
    nb["cells"][0]["outputs"].append({"output_type": "nonsense"})
    before = path.read_bytes()
    with pytest.raises(Exception, match="invalid"):
        write_notebook(path, nb)
    assert path.read_bytes() == before


# --- the real CLI, in a fresh process ---------------------------------------------------------

PYPROJECT = """[project]
name = "flib"
version = "0.0.1"

[tool.nbdev]
lib_path = "flib"
nbs_path = "nbs"
"""


def test_log_show_diff_and_sync_never_import_nbformat_or_jsonschema(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    nb = new_notebook(cells=[new_markdown_cell("# Core", id="m"), new_code_cell("#| default_exp core", id="d"),
                             new_code_cell("#| export\ndef f():\n    return 1", id="c")])
    (tmp_path / "nbs").mkdir()
    nbformat.write(nb, tmp_path / "nbs" / "core.ipynb")
    script = textwrap.dedent("""
        import contextlib, io, sys
        from pathlib import Path
        from jupyter_llmdev.cli.main import main

        def run(*argv):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                assert main(list(argv)) == 0, argv
            return out.getvalue()

        module = Path("flib/core.py")
        module.write_text(module.read_text().replace("return 1", "return 2"))
        done = run("sync", str(module))
        change = done.split("(change ", 1)[1].split(";")[0]
        assert "return 2" in run("diff", "nbs/core.ipynb", change, "--color", "never")
        assert change in run("log", "nbs/core.ipynb") and "sync" in run("show", "nbs/core.ipynb", change)
        print(sorted(name for name in sys.modules if name.split(".")[0] in ("nbformat", "jsonschema")))
    """)
    env_python = sys.executable
    exported = subprocess.run([env_python, "-c", "from jupyter_llmdev.cli.main import main; "
                               "raise SystemExit(main(['export']))"], cwd=tmp_path, capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    done = subprocess.run([env_python, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    # and what sync wrote is a notebook nbformat reads as valid
    nbformat.validate(nbformat.read(tmp_path / "nbs" / "core.ipynb", as_version=4))


@pytest.mark.parametrize("argv", [["log", "n.ipynb"], ["log", "n.ipynb", "--usage"], ["show", "n.ipynb", "ab"],
                                  ["diff", "n.ipynb", "ab", "--color", "never"], ["sync", "a.py", "b.py"]])
def test_a_quick_command_parses_and_helps_as_with_the_whole_parser(argv: list[str]) -> None:
    """``llmdev log`` etc. register only their own module's commands (start-up): same result, same help."""
    from jupyter_llmdev.cli.main import _QUICK_COMMANDS, build_parser

    full, quick = build_parser(), build_parser(_QUICK_COMMANDS[argv[0]])
    assert vars(quick.parse_args(argv)) == vars(full.parse_args(argv))
    helps = []
    for parser in (full, quick):
        sub = next(action for action in parser._actions if action.dest == "command")
        helps.append(sub.choices[argv[0]].format_help())
    assert helps[0] == helps[1]


def rich_notebook() -> dict[str, Any]:
    """Plain data of a 4.5 notebook with every kind of cell, output and attachment."""
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "P", "language": "python"},
                                "language_info": {"name": "python"}})
    nb.cells = [
        new_markdown_cell("# T\n", id="m", attachments={"a.png": {"image/png": "iVBO"}}),
        new_code_cell("print(1)\n1", id="c", execution_count=2, outputs=[
            new_output("stream", name="stdout", text="1\n"),
            new_output("execute_result", data={"text/plain": "1", "application/json": {"a": 1}},
                       execution_count=2),
            new_output("display_data", data={"image/png": "iVBO"}, metadata={"image/png": {"width": 1}}),
            new_output("error", ename="E", evalue="v", traceback=["t"]),
        ]),
        new_raw_cell("raw", id="r", metadata={"format": "text/plain"}),
    ]
    return json.loads(nbformat.writes(nb))


def test_the_fast_writer_never_accepts_what_nbformat_refuses() -> None:
    """``write_notebook`` writes a plain notebook itself only when nbformat would accept it too."""
    sample = read_notebook_data_of(rich_notebook())
    assert jsonform.nbformat_problem(sample) is None
    accepted = 0
    for mutated in single_mutations(sample):
        if jsonform.nbformat_problem(copy.deepcopy(mutated)) is None:
            accepted += 1
            nbformat.validate(nbformat.from_dict(copy.deepcopy(mutated)))  # raises if nbformat refuses
    assert accepted > 10


def read_notebook_data_of(data: dict[str, Any]) -> dict[str, Any]:
    nb = jsonform.as_v45(copy.deepcopy(data))
    assert nb is not None
    return nb
