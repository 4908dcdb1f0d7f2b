"""Every command of the grammar in every front end: the magic, the side panel, the CLI.

:data:`PARITY` is the test's copy of the parity table in ARCHITECTURE.md: for each command of
``COMMANDS`` and each front end, either ``WORKS`` or the documented "not here, use X" answer
(a phrase it must contain). Each front end then walks every command once, in an order that
gives each one something to act on (a plan to approve, a change to review, show, diff and
revert), through its real entry point: ``%llm`` on a real InteractiveShell, the panel's
request on a real jupyter_server websocket, ``llmdev`` through ``main([...])``. A command added
to ``COMMANDS`` without a row here (and in ARCHITECTURE.md) fails the first test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
import test_server as _server_tests
from notebooks import CELLS, write_notebook
from openai_server import Reply
from pytest_jupyter.jupyter_server import *  # noqa: F403 (the jp_* fixtures)
from shells import run_cell, shell_with_extension
from test_server_workflow import Panel, exchange
from workflow_replies import BUILD, FIX, PLAN, REVIEW_A

from jupyter_llmdev.cli.main import main
from jupyter_llmdev.commands import COMMANDS

jp_server_config = _server_tests.jp_server_config
llm_env = _server_tests.llm_env
run = _server_tests.run

WORKS = "works"
FRONT_ENDS = ("magic", "panel", "cli")

#: command -> (magic, panel, CLI): WORKS, or a phrase of the documented "not here, use X" answer
PARITY: dict[str, tuple[str, str, str]] = {
    "ask": (WORKS, WORKS, WORKS),
    "plan": (WORKS, WORKS, WORKS),
    "modularize": (WORKS, WORKS, WORKS),
    "approve": (WORKS, WORKS, WORKS),
    "build": (WORKS, WORKS, WORKS),
    "review": (WORKS, WORKS, WORKS),
    "fix": (WORKS, WORKS, WORKS),
    "log": (WORKS, WORKS, WORKS),
    "show": (WORKS, WORKS, WORKS),
    "diff": (WORKS, WORKS, WORKS),
    "doc": (WORKS, WORKS, WORKS),
    "export": (WORKS, WORKS, WORKS),
    "config": (WORKS, WORKS, WORKS),
    "trust": (WORKS, WORKS, WORKS),
    "help": (WORKS, WORKS, WORKS),
    # a cut reply lives in the kernel / the server; the CLI keeps nothing between runs
    "continue": (WORKS, WORKS, "Run the command again with --accept-cut"),
    # the kernel must not rewrite a notebook open in an editor; the panel reverts in the browser
    "revert": ("llmdev revert", "History section's Revert button", WORKS),
}

#: the order each front end runs them in: each one leaves something for the next
ORDER = ("help", "config", "trust", "ask", "plan", "modularize", "approve", "build", "review", "fix",
         "log", "show", "diff", "doc", "export", "continue", "revert")

ASK = "Here.\n\n```python\ntrips = 0\n```\n"
#: the replies, in the order of ORDER: ask, plan, modularize, build, review, fix; then the reply of
#: :data:`CUT`, which the output limit cuts (for ``continue`` to go on with)
REPLIES = (*(Reply(text=text) for text in (ASK, PLAN, PLAN, BUILD, REVIEW_A, FIX)),
           Reply(text=ASK, finish_reason="length"))
#: run (unchecked) just before ``continue``: its reply is cut
CUT = "ask one more cell"
#: the reviewer picked for this request (by `review --models`, or the panel's picker)
PICKED = "picked-model"
#: the tests' notebook, with a cell to export
EXPORTED = [*CELLS, ("f", "code", "#| default_exp trips"), ("g", "code", "#| export\ndef twice(x):\n    return 2 * x")]


def test_every_command_has_a_row_in_the_table_and_the_order() -> None:
    assert set(PARITY) == set(COMMANDS), "a command without a parity row (add it here and in ARCHITECTURE.md)"
    assert sorted(ORDER) == sorted(COMMANDS)


def test_architecture_md_has_the_same_parity_table() -> None:
    text = (Path(__file__).resolve().parents[2] / "ARCHITECTURE.md").read_text(encoding="utf-8")
    rows = {match[1]: match[2] for match in re.finditer(r"^\| `([a-z]+)` \|(.*)$", text, re.M)}
    for name, expected in PARITY.items():
        assert name in rows, f"ARCHITECTURE.md's parity table has no row for `{name}`"
        cells = [cell.strip() for cell in rows[name].split("|")[:3]]
        for front_end, want, cell in zip(FRONT_ENDS, expected, cells):
            works = cell.startswith("works")
            assert works == (want == WORKS), f"`{name}` in the {front_end}: table says {cell!r}"


def _check(name: str, front_end: str, ok: bool, text: str) -> None:
    want = PARITY[name][FRONT_ENDS.index(front_end)]
    if want == WORKS:
        assert ok, f"`{name}` failed in the {front_end}: {text[-600:]}"
        assert "not built yet" not in text and "does not run" not in text, text
    else:
        assert want in text, f"`{name}` in the {front_end} does not say where it runs: {text[-600:]}"


def _common(seen: dict[str, str], llm: Any) -> None:
    """What every front end shows the same way: the change, its diff, the picked reviewers."""
    assert llm.completion_requests[4].body["model"] == PICKED  # review --models A / the picker
    assert "only the loading code" in json.dumps(llm.completion_requests[2].body)  # modularize's focus
    assert "change: " in seen["show"] and "replace  c" in seen["show"]  # the fix, from the history
    assert "+def load(path):" in seen["diff"] or "+    with open(path" in seen["diff"]


def _ids(section: dict[str, Any]) -> tuple[str, str]:
    """The newest change (to show, diff, revert) and the newest approved plan's id."""
    return section["changes"][-1]["id"], section["plans"][-1]["id"]


#: the line each command is run with (``{change}``: the newest change's id)
LINES = {
        "help": "help", "config": "config", "trust": "trust", "ask": "ask count the trips",
        "plan": "plan count trips per day", "modularize": "modularize only the loading code",
        "approve": "approve --insert --after c", "build": "build", "review": f"review --models {PICKED}",
        "fix": "fix --only 1", "log": "log", "show": "show {change}", "diff": "diff {change}",
        "doc": "doc", "export": "export", "continue": "continue --as-is", "revert": "revert {change}",
}


# -- the magic ------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, openai_env: Any, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    monkeypatch.setenv("LLMDEV_RETRIES", "1")
    openai_env.script(*REPLIES)
    return write_notebook(tmp_path / "nb.ipynb", EXPORTED)


def test_every_command_in_the_magic(project: Path, openai_env: Any) -> None:
    seen: dict[str, str] = {}
    with shell_with_extension(project) as ip:
        magics = ip.magics_manager.registry["LLMMagics"]
        for name in ORDER:
            line = LINES[name]
            if "{change}" in line:
                line = line.format(change=_ids(magics.history())[0])
            if name == "continue":
                assert not run_cell(ip, f"%llm {CUT}")[0].success  # cut: nothing inserted
            result, captured = run_cell(ip, f"%llm {line}")
            error = result.error_in_exec
            seen[name] = f"{captured.stdout}{captured.stderr}{error or ''}"
            _check(name, "magic", result.success, seen[name])
            if name == "approve":  # --after: the plan cell goes after cell c
                assert magics.history()["changes"][-1]["edits"][0]["anchor"] == "c"
    _common(seen, openai_env)


# -- the CLI --------------------------------------------------------------------------------


def test_every_command_in_the_cli(project: Path, openai_env: Any, capsys: pytest.CaptureFixture[str]) -> None:
    nb = str(project)
    seen: dict[str, str] = {}
    for name in ORDER:
        line = LINES[name]
        if "{change}" in line:
            section = nbformat.read(project, as_version=4).metadata["jupyter_llmdev"]
            line = line.format(change=_ids(section)[0]) + " --yes" * (name == "revert")
        verb, _, rest = line.partition(" ")
        argv = [verb] if verb == "help" else [verb, nb, *rest.split()]
        if verb == "continue":
            argv = ["continue"]  # the CLI keeps nothing between runs: there is no cut to go on with
        code = main(argv)
        out = capsys.readouterr()
        seen[name] = f"{out.out}{out.err}"
        _check(name, "cli", code == 0, seen[name])
        if name == "approve":  # --after: the plan cell goes after cell c
            cells = nbformat.read(project, as_version=4).cells
            assert cells[[cell.id for cell in cells].index("c") + 1].cell_type == "markdown"
    _common(seen, openai_env)


# -- the side panel -------------------------------------------------------------------------


def test_every_command_in_the_panel(jp_ws_fetch: Any, run: Any, llm_env: Any, jp_root_dir: Path) -> None:
    llm_env.script(*REPLIES)
    write_notebook(jp_root_dir / "nb.ipynb", EXPORTED)  # export works on the saved file
    panel = Panel()
    seen: dict[str, str] = {}
    for name in ORDER:
        line = LINES[name]
        if "{change}" in line:
            line = line.format(change=_ids(panel.section)[0])
        if name == "review":
            line, panel.model = "review", PICKED  # the reviewer picker, sent as the request's model
        if name == "continue":
            [cut] = exchange(jp_ws_fetch, run, panel, f"/{CUT}")
            assert cut[-1]["type"] == "error"
        [messages] = exchange(jp_ws_fetch, run, panel, f"/{line}")
        panel.model = None
        final = messages[-1]
        text = final.get("text") or final.get("message") or ""
        seen[name] = text
        _check(name, "panel", final["type"] == "done", json.dumps(final) if final["type"] != "done" else text)
        if final.get("model") is None:  # no model text: every word is ours
            assert "%llm" not in text, text  # the panel spells its own hints
        if name == "approve":  # --after: the plan cell goes after cell c
            assert final["changeset"]["edits"][0]["anchor"] == "c"
        if name == "modularize":  # a new draft plan, no longer "not built yet in the side panel"
            assert [r["record"]["status"] for r in final["records"]][-1] == "draft"
    assert "`/PROMPT`" in seen["help"]
    _common(seen, llm_env)


# -- the CLI's flags are the grammar's --------------------------------------------------------


def test_the_cli_takes_every_flag_of_the_grammar() -> None:
    """argparse spells the CLI's envelope (the notebook, --yes, --color), but every grammar flag is there."""
    import argparse

    from jupyter_llmdev.cli.main import build_parser

    [subparsers] = [action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction)]
    for name, spec in COMMANDS.items():
        assert name in subparsers.choices, f"`llmdev {name}` does not exist"
        options = {option for action in subparsers.choices[name]._actions for option in action.option_strings}
        missing = {f"--{flag}" for flag in spec.flags} - options
        assert not missing, f"`llmdev {name}` lacks {sorted(missing)}"
