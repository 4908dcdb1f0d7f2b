"""Model prices in the configuration: sources and precedence, provenance, validation, display."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from jupyter_llmdev.config import LLMDevConfig, format_config_table, load_config
from jupyter_llmdev.engine.ledger import UsageRow, format_usage
from jupyter_llmdev.errors import ConfigError

GPT4O = {"prompt": 2.5, "completion": 10.0, "cached": 1.25}


def write_pyproject(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def load(start: Path, **kwargs: Any):
    kwargs.setdefault("environ", {})
    return load_config(start_dir=start, **kwargs)


def config_error(start: Path, **kwargs: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        load(start, **kwargs)
    return str(caught.value)


PRICED = """\
    [tool.llmdev.prices."gpt-4o"]
    prompt = 2.5
    completion = 10.0
    cached = 1.25

    [tool.llmdev.prices."openai:gpt-4.1"]
    prompt = 2
    completion = 8
    """


def test_prices_trait_is_a_documented_config_dict():
    trait = LLMDevConfig.class_traits(config=True)["prices"]
    assert "per" in trait.help and "million tokens" in trait.help and "cached" in trait.help
    settings = LLMDevConfig(config=Config({"LLMDevConfig": {"prices": {"m": {"prompt": 1}}}}))
    assert settings.prices == {"m": {"prompt": 1}}
    assert LLMDevConfig().prices == {}


def test_no_prices_by_default(tmp_path):
    resolved = load(tmp_path)
    assert resolved.prices == {} and resolved.get("prices") == {}
    rows = {key: (value, source) for key, value, source in resolved.describe()}
    assert rows["prices"] == ("none (log --usage shows tokens, no cost)", "default")


def test_prices_from_pyproject_with_provenance(tmp_path):
    path = write_pyproject(tmp_path, PRICED)
    resolved = load(tmp_path)
    # names with dots and colons stay whole; cached defaults to the prompt price
    assert resolved.prices == {
        "gpt-4o": GPT4O,
        "openai:gpt-4.1": {"prompt": 2.0, "completion": 8.0, "cached": 2.0},
    }
    assert resolved.sources["prices.gpt-4o"] == str(path)
    assert resolved.sources["prices.openai:gpt-4.1"] == str(path)
    rows = {key: (value, source) for key, value, source in resolved.describe()}
    assert "prices" not in rows
    assert rows["prices.gpt-4o"] == (
        "prompt 2.5, completion 10, cached 1.25 per 1M tokens",
        str(path),
    )
    assert rows["prices.openai:gpt-4.1"][0] == "prompt 2, completion 8, cached 2 per 1M tokens"
    table = format_config_table(resolved)
    assert "prices.openai:gpt-4.1" in table and str(path) in table


def test_jupyter_config_file_and_precedence_per_model(tmp_path):
    config_dir = tmp_path / "jupyter"
    config_dir.mkdir()
    (config_dir / "jupyter_config.py").write_text(
        "c.LLMDevConfig.prices = {\n"
        "    'gpt-4o': {'prompt': 5, 'completion': 20},\n"
        "    'gpt-4o-mini': {'prompt': 0.15, 'completion': 0.6, 'cached': 0.075},\n"
        "}\n"
    )
    config = PyFileConfigLoader("jupyter_config.py", path=str(config_dir)).load_config()
    project = tmp_path / "project"
    path = write_pyproject(project, PRICED)

    resolved = load(project, traitlets_config=config)
    # pyproject replaces the whole gpt-4o entry (not field by field); the other model stays
    assert resolved.prices["gpt-4o"] == GPT4O
    assert resolved.sources["prices.gpt-4o"] == str(path)
    assert resolved.prices["gpt-4o-mini"] == {"prompt": 0.15, "completion": 0.6, "cached": 0.075}
    assert resolved.sources["prices.gpt-4o-mini"] == "jupyter config"

    alone = load(tmp_path / "elsewhere", traitlets_config=config)
    assert alone.prices["gpt-4o"] == {"prompt": 5.0, "completion": 20.0, "cached": 5.0}
    assert alone.sources["prices.gpt-4o"] == "jupyter config"

    flagged = load(project, traitlets_config=config,
                   overrides={"prices": {"gpt-4o": {"prompt": 0, "completion": 0}}})
    assert flagged.prices["gpt-4o"] == {"prompt": 0.0, "completion": 0.0, "cached": 0.0}
    assert flagged.sources["prices.gpt-4o"] == "flag --prices"


def test_lazy_jupyter_config_value(tmp_path):
    config = Config()
    config.LLMDevConfig.prices.update({"m": {"prompt": 1, "completion": 2}})
    resolved = load(tmp_path, traitlets_config=config)
    assert resolved.prices == {"m": {"prompt": 1.0, "completion": 2.0, "cached": 1.0}}


def test_no_environment_variable_sets_prices(tmp_path):
    resolved = load(tmp_path, environ={"LLMDEV_PRICES": '{"m": {"prompt": 1, "completion": 1}}'})
    assert resolved.prices == {}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[tool.llmdev.prices."gpt-4o"]\nprompt = 2.5\ncompletoin = 10\n', "no field 'completoin'"),
        ('[tool.llmdev.prices."gpt-4o"]\nprompt = 2.5\ncompletion = "10"\n', "must be a number"),
        ('[tool.llmdev.prices."gpt-4o"]\nprompt = true\ncompletion = 10\n', "must be a number"),
        ('[tool.llmdev.prices."gpt-4o"]\nprompt = 2.5\ncompletion = -1\n', "0 or more, not -1"),
        ('[tool.llmdev.prices."gpt-4o"]\nprompt = 2.5\ncompletion = 1\ncached = -0.5\n', "0 or more"),
        ('[tool.llmdev.prices."gpt-4o"]\nprompt = nan\ncompletion = 1\n', "must be a number"),
        ('[tool.llmdev.prices."gpt-4o"]\nprompt = 2.5\n', "lack completion"),
        ('[tool.llmdev.prices."gpt-4o"]\ncached = 1\n', "lack prompt and completion"),
    ],
)
def test_bad_price_names_model_field_and_file(tmp_path, body, expected):
    path = write_pyproject(tmp_path, body)
    message = config_error(tmp_path)
    assert expected in message
    assert "'gpt-4o'" in message and f'[tool.llmdev.prices."gpt-4o"] in {path}' in message
    assert len(message.splitlines()) <= 3


def test_prices_that_are_not_tables(tmp_path):
    path = write_pyproject(tmp_path, "[tool.llmdev]\nprices = 2.5\n")
    message = config_error(tmp_path)
    assert "prices must map model names" in message and f"[tool.llmdev] prices in {path}" in message

    # a price written straight into [tool.llmdev.prices], without a model table
    write_pyproject(tmp_path, "[tool.llmdev.prices]\nprompt = 2.5\n")
    message = config_error(tmp_path)
    assert "'prompt' must be a table" in message and str(path) in message

    write_pyproject(tmp_path, '[tool.llmdev.prices."gpt 4o"]\nprompt = 1\ncompletion = 1\n')
    message = config_error(tmp_path)
    assert "'gpt 4o' is not a model name" in message and str(path) in message


def test_unknown_pyproject_key_suggests_prices(tmp_path):
    write_pyproject(tmp_path, '[tool.llmdev.price."gpt-4o"]\nprompt = 1\ncompletion = 1\n')
    assert "Did you mean 'prices'" in config_error(tmp_path)


@pytest.mark.parametrize(
    ("prices", "expected"),
    [
        ({"m": {"prompt": 1, "completion": "2"}}, "completion price of 'm' must be a number"),
        ({"m": {"prompt": math.inf, "completion": 2}}, "prompt price of 'm' must be a number"),
        ({"m": {"prompt": 1, "completion": 2, "per": "1M"}}, "no field 'per'"),
        ({"m": [1, 2]}, "'m' must be a table"),
    ],
)
def test_bad_price_in_jupyter_config_names_it(tmp_path, prices, expected):
    message = config_error(tmp_path, traitlets_config={"LLMDevConfig": {"prices": prices}})
    assert expected in message
    assert "c.LLMDevConfig.prices['m'] in the Jupyter config" in message


def test_resolved_prices_cost_usage_rows(tmp_path):
    write_pyproject(tmp_path, PRICED)
    prices = load(tmp_path).prices
    rows = [
        # "gpt-4o" applies at any provider: 0.5M uncached, 0.5M cached, 0.1M completion
        UsageRow("developer", "openai:gpt-4o", 1, 1_000_000, 100_000, 500_000),
        # "openai:gpt-4.1" applies there only
        UsageRow("architect", "openai:gpt-4.1", 1, 1_000_000, 0, 0),
        UsageRow("reviewer", "other:gpt-4.1", 1, 10, 10, 0),
    ]
    assert rows[0].cost(prices) == pytest.approx(0.5 * 2.5 + 0.5 * 1.25 + 0.1 * 10)
    assert rows[1].cost(prices) == pytest.approx(2.0)
    assert rows[2].cost(prices) is None
    assert format_usage(rows, prices)[-1] == "cost: 4.8750 (no price for other:gpt-4.1)"
