"""Finding 10: model text and notebook metadata never reach the terminal with raw control characters.

The attacks: escape sequences in a model reply (``ask``, ``review``) and in a downloaded
notebook's history (prompt, model, role, time, sources, plan text) that retitle the terminal
(OSC ``ESC ] 0 ; ... BEL``) or erase the line and fake an ``[llm]`` status (``ESC [ 2K`` + CR).
Every test runs the real CLI and looks at every byte it wrote.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from crafted_history import change_record, write_crafted
from openai_server import OpenAIServer, Reply

from jupyter_llmdev.cli.main import main

TITLE = "\x1b]0;pwned\x07"
FAKE = "\x1b[2K\r[llm] fake status"
EVIL = TITLE + FAKE

#: the colour codes jupyter-llmdev itself writes with ``--color always`` (SGR only)
_OUR_SGR = re.compile(r"\x1b\[[0-9;]*m")
#: what must never appear: C0 controls other than newline and tab, DEL, C1 controls
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def raw_controls(text: str, *, colour: bool = False) -> list[str]:
    """The control characters in ``text`` (with ``colour``: after removing our own SGR codes)."""
    if colour:
        text = _OUR_SGR.sub("", text)
    return _CONTROL.findall(text)


LOADER = "def load(path):\n    return open(path).read()"


@pytest.fixture
def crafted(tmp_path: Path) -> Path:
    edit = {"op": "replace", "cell_id": "c",
            "before": {"cell_type": "code", "source": f"x = 1  # {EVIL}"},
            "after": {"cell_type": "code", "source": LOADER}}
    insert = {"op": "insert", "cell_id": "n", "anchor": "c", "before": None,
              "after": {"cell_type": "markdown", "source": f"# Notes {EVIL}"}}
    record = change_record("c0ffee01", [edit, insert], prompt=f"tidy {EVIL}\nsecond {EVIL}",
                           model=f"gpt{EVIL}", provider=f"p{EVIL}", role=f"ask{TITLE}", time=f"2026{FAKE}",
                           command=f"ask{TITLE}", usage={"prompt_tokens": 3})
    plan = {"id": "p1", "status": "draft", "text": f"## Goal\n{EVIL}\nDo it.", "conversation": [],
            "created": "2026-01-05T10:00:00Z", "updated": "2026-01-05T10:00:00Z",
            "approved_at": None, "approved_by": None}
    return write_crafted(tmp_path / "downloaded.ipynb", [("a", "markdown", "# Loader"), ("c", "code", LOADER),
                                                         ("n", "markdown", f"# Notes {EVIL}")],
                         [record], plans=[plan])


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("argv", [["log"], ["show", "c0ffee01"], ["diff", "c0ffee01", "--color", "never"],
                                  ["plan"]])
def test_history_commands_escape_metadata(crafted: Path, capsys, argv: list[str]) -> None:
    code, out, err = run(capsys, argv[0], str(crafted), *argv[1:])
    assert code == 0, err
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert "\\x1b]0;pwned\\x07" in out  # shown, visibly, not hidden


def test_coloured_diff_keeps_only_its_own_colour_codes(crafted: Path, capsys) -> None:
    code, out, err = run(capsys, "diff", str(crafted), "c0ffee01", "--color", "always")
    assert code == 0, err
    assert _OUR_SGR.search(out), "the diff is coloured"
    assert raw_controls(out, colour=True) == [] and "\\x1b[2K\\x0d[llm] fake status" in out


def test_revert_diff_and_messages_are_escaped(crafted: Path, capsys) -> None:
    code, out, err = run(capsys, "revert", str(crafted), "c0ffee01", "--yes")
    assert code == 0, err
    assert raw_controls(out) == [] and raw_controls(err) == []
    assert "x = 1  # \\x1b]0;pwned" in out


def test_errors_quoting_metadata_are_escaped(crafted: Path, capsys) -> None:
    # the hand edit makes the revert conflict; the message quotes the cell's first line
    import nbformat

    nb = nbformat.read(crafted, as_version=4)
    nb.cells[1].source = f"y = 2  # {EVIL}"
    nbformat.write(nb, crafted)
    code, out, err = run(capsys, "revert", str(crafted), "c0ffee01", "--yes")
    assert code == 4
    assert raw_controls(out) == [] and raw_controls(err) == []


# -- model replies ---------------------------------------------------------------------------

REPLY = f"Here you go {TITLE}\n{FAKE}\n\n```python\nx = 1\n```\n"


@pytest.fixture
def project(tmp_path: Path, openai_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LLMDEV_MODEL", "test-model")
    monkeypatch.setenv("LLMDEV_RETRIES", "0")
    write_crafted(tmp_path / "nb.ipynb", [("a", "markdown", "# Loader"), ("c", "code", LOADER)],
                  [change_record("c0ffee01", [{"op": "replace", "cell_id": "c",
                                               "before": {"cell_type": "code", "source": "pass"},
                                               "after": {"cell_type": "code", "source": LOADER}}])])
    return tmp_path


def test_ask_streams_the_reply_escaped_end_to_end(project: Path, openai_env: OpenAIServer) -> None:
    """The whole ``llmdev ask`` path in a child process; needs streamview.py's escaping too."""
    openai_env.script(Reply(text=REPLY, chunk_size=5))
    done = subprocess.run([sys.executable, "-m", "jupyter_llmdev.cli.main", "ask", "nb.ipynb", "add", "x"],
                          cwd=project, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    assert "Here you go" in done.stdout
    assert raw_controls(done.stderr) == [], done.stderr
    assert raw_controls(done.stdout) == [], done.stdout


def test_review_findings_are_escaped(project: Path, openai_env: OpenAIServer, capsys) -> None:
    openai_env.script(Reply(text=f"Summary {EVIL}\n\n- [high] cell=c: bad {EVIL}\n\nVERDICT: changes\n"))
    code, out, err = run(capsys, "review", str(project / "nb.ipynb"), "c0ffee01")
    assert code == 0, err
    assert "bad" in out
    assert raw_controls(out) == [] and raw_controls(err) == []


def test_a_provider_error_message_is_escaped(project: Path, openai_env: OpenAIServer, capsys) -> None:
    """The provider's own error text is quoted in the CLI's one-line error message."""
    openai_env.script(Reply(fault="400", error_message=f"bad request {EVIL}"))
    code, out, err = run(capsys, "ask", str(project / "nb.ipynb"), "add", "x")
    assert code == 3
    assert "bad request" in err
    assert raw_controls(out) == [] and raw_controls(err) == []


def test_dry_run_diff_is_escaped(project: Path, openai_env: OpenAIServer, capsys) -> None:
    """``ask --dry-run`` prints the change as a diff after the streamed reply (the reply itself:
    test_ask_streams_the_reply_escaped_end_to_end)."""
    openai_env.script(Reply(text=f"```python\nx = 1  # {EVIL}\n```\n"))
    code, out, err = run(capsys, "ask", str(project / "nb.ipynb"), "--dry-run", "add", "x")
    assert code == 0, err
    diff = out[out.index("\nchange "):]
    assert "+x = 1  # \\x1b]0;pwned" in diff
    assert raw_controls(diff) == [] and raw_controls(err) == []


def test_a_notebook_named_with_escapes_is_shown_escaped(project: Path, openai_env: OpenAIServer, capsys) -> None:
    """A downloaded file's own name may hold escape sequences too (archives keep them)."""
    named = project / f"nb{TITLE}.ipynb"
    (project / "nb.ipynb").rename(named)
    openai_env.script(Reply(text=REPLY))
    code, out, err = run(capsys, "ask", str(named), "add", "x")
    assert code == 0, err
    assert raw_controls(err) == []  # (the reply on stdout: test_ask_streams_the_reply_escaped_end_to_end)
    code, out, err = run(capsys, "revert", str(named), "c0ffee01", "--yes")
    assert code == 0, err
    assert raw_controls(out) == [] and raw_controls(err) == []
