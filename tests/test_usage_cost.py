"""`llmdev log --usage` and `%llm log --usage` price the recorded tokens with the configured prices."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from openai_server import OpenAIServer, Reply
from shells import run_cell, shell_with_extension
from workflow_replies import ARCH, BUILD, DEV, PLAN, respond_by_role, write_project

from jupyter_llmdev.cli.main import main

#: the architect's one plan turn: 0.1M uncached + 0.1M cached prompt tokens, 10k completion
ARCH_USAGE = {"prompt_tokens": 200_000, "completion_tokens": 10_000, "total_tokens": 210_000,
              "prompt_tokens_details": {"cached_tokens": 100_000}}
#: the developer's build: 40k prompt tokens, none cached, 5k completion
DEV_USAGE = {"prompt_tokens": 40_000, "completion_tokens": 5_000, "total_tokens": 45_000}

# per million tokens: 0.1*2.5 + 0.1*1.25 + 0.01*10 = 0.475 and 0.04*0.15 + 0.005*0.6 = 0.009
ARCH_PRICE = f'[tool.llmdev.prices."openai:{ARCH}"]\nprompt = 2.5\ncompletion = 10.0\ncached = 1.25\n'
DEV_PRICE = f'[tool.llmdev.prices."{DEV}"]\nprompt = 0.15\ncompletion = 0.6\n'


@pytest.fixture
def nb_path(tmp_path: Path, openai_env: OpenAIServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A planned and built notebook whose two model calls reported known token counts."""
    for name, value in (("FIRST_TOKEN_TIMEOUT", "3"), ("TOTAL_TIMEOUT", "8"), ("RETRIES", "0")):
        monkeypatch.setenv(f"LLMDEV_{name}", value)
    openai_env.responder = respond_by_role({
        ARCH: lambda body: Reply(text=PLAN, usage=ARCH_USAGE),
        DEV: lambda body: Reply(text=BUILD, usage=DEV_USAGE),
    })
    # the reviewers' provider is configured but never called here
    path = write_project(tmp_path, "http://127.0.0.1:9/v1")
    for argv in (("plan", str(path), "count", "trips"), ("approve", str(path)), ("build", str(path))):
        assert main(list(argv)) == 0
    return path


def add_prices(nb_path: Path, *tables: str) -> None:
    pyproject = nb_path.parent / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n" + "\n".join(tables))


def log_usage(capsys: pytest.CaptureFixture[str], nb_path: Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["log", str(nb_path), "--usage"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_log_usage_prints_the_cost_of_configured_prices(nb_path: Path, capsys) -> None:
    code, out, _ = log_usage(capsys, nb_path)
    assert code == 0 and out.splitlines()[-1] == "cost: prices are not configured (tokens only)."
    assert ("architect", f"openai:{ARCH}", "1", "200,000", "10,000", "100,000") in {
        tuple(line.split()) for line in out.splitlines()}

    add_prices(nb_path, ARCH_PRICE)
    code, out, _ = log_usage(capsys, nb_path)
    assert code == 0 and out.splitlines()[-1] == f"cost: 0.4750 (no price for openai:{DEV})"

    add_prices(nb_path, DEV_PRICE)
    code, out, _ = log_usage(capsys, nb_path)
    assert code == 0 and out.splitlines()[-1] == "cost: 0.4840"


def test_log_usage_resolves_config_from_the_notebook_folder(nb_path: Path, tmp_path: Path, capsys,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    add_prices(nb_path, ARCH_PRICE, DEV_PRICE)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "pyproject.toml").write_text('[tool.llmdev.prices."x"]\nprompt = 1\ncompletion = 1\n')
    monkeypatch.chdir(elsewhere)
    _, out, _ = log_usage(capsys, nb_path)
    assert out.splitlines()[-1] == "cost: 0.4840"


def test_bad_price_is_a_config_error_naming_the_file(nb_path: Path, capsys) -> None:
    add_prices(nb_path, f'[tool.llmdev.prices."{DEV}"]\nprompt = 0.15\ncompletion = "0.6"\n')
    code, out, err = log_usage(capsys, nb_path)
    assert code == 2 and out == ""
    assert f"completion price of '{DEV}' must be a number" in err
    assert str(nb_path.parent / "pyproject.toml") in err and "Traceback" not in err


@pytest.fixture
def ip(nb_path: Path) -> Iterator[InteractiveShell]:
    with shell_with_extension(nb_path) as shell:
        yield shell


def magic_output(ip: InteractiveShell, code: str) -> tuple[Any, str]:
    result, captured = run_cell(ip, code)
    return result, captured.stdout


def test_magic_log_usage_prints_the_cost(ip: InteractiveShell, nb_path: Path) -> None:
    add_prices(nb_path, ARCH_PRICE, DEV_PRICE)
    result, out = magic_output(ip, "%llm log --usage")
    assert result.success, result.error_in_exec
    assert f"openai:{DEV}" in out and out.splitlines()[-1] == "cost: 0.4840"
