"""Configuration: sources and their precedence, model references, validation, masking."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from jupyter_llmdev.config import (
    LLMDevConfig,
    find_pyproject,
    format_config_table,
    load_config,
    mask_url,
    parse_model,
)
from jupyter_llmdev.config.settings import SCALAR_KEYS
from jupyter_llmdev.errors import ConfigError
from jupyter_llmdev.llm.types import Endpoint, RequestLimits

KEY = "sk-proj-Zq81ThisIsNotARealKeyJustLongEnough7cd9"


def write_pyproject(folder: Path, body: str, *, trusted: bool = True) -> Path:
    """Write the project's settings; these tests are about sources, so the user trusts them."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    if trusted and "llmdev" in body:
        from jupyter_llmdev.config.trust import trust_project

        try:
            trust_project(folder, user="tester")
        except ConfigError:
            pass  # a broken table is what the test is about; loading it reports that
    return path


def load(start: Path, **kwargs):
    kwargs.setdefault("environ", {})
    return load_config(start_dir=start, **kwargs)


def config_error(start: Path, **kwargs) -> str:
    with pytest.raises(ConfigError) as caught:
        load(start, **kwargs)
    return str(caught.value)


# --- the Configurable ---------------------------------------------------------------


def test_every_setting_is_a_documented_config_trait():
    traits = LLMDevConfig.class_traits(config=True)
    assert set(traits) == {*SCALAR_KEYS, "providers", "prices"}
    for name, trait in traits.items():
        assert len(trait.help) > 40, name


def test_configurable_reads_its_section_the_traitlets_way():
    config = Config({"LLMDevConfig": {"context_budget": 5000, "reviewer_models": ["a", "b"]}})
    settings = LLMDevConfig(config=config)
    assert settings.context_budget == 5000
    assert settings.reviewer_models == ["a", "b"]
    assert settings.first_token_timeout == 60.0


# --- defaults and precedence ------------------------------------------------------------


def test_defaults(tmp_path):
    resolved = load(tmp_path)
    assert resolved.pyproject_path is None
    assert resolved.default_model == "gpt-4o-mini"
    assert all(resolved.sources[key] == "default" for key in SCALAR_KEYS)
    assert resolved.endpoint("architect") == Endpoint(
        model="gpt-4o-mini", provider="openai", base_url=None, api_key_env="OPENAI_API_KEY"
    )
    assert resolved.limits() == RequestLimits()
    assert resolved.reviewer_endpoints() == [resolved.endpoint("ask")]
    assert resolved.prose_as_markdown is True
    assert resolved.context_cells == 0


LAYERS = ["jupyter", "pyproject", "env", "flag"]


@pytest.mark.parametrize("upto", range(len(LAYERS) + 1))
def test_later_source_wins_for_one_key(tmp_path, upto):
    used = LAYERS[:upto]
    kwargs: dict = {"environ": {}}
    if "jupyter" in used:
        kwargs["traitlets_config"] = Config({"LLMDevConfig": {"context_budget": 1000}})
    if "pyproject" in used:
        write_pyproject(tmp_path, "[tool.llmdev]\ncontext_budget = 2000\n")
    if "env" in used:
        kwargs["environ"] = {"LLMDEV_CONTEXT_BUDGET": "3000"}
    if "flag" in used:
        kwargs["overrides"] = {"context_budget": 4000}
    resolved = load(tmp_path, **kwargs)
    expected = [
        (12000, "default"),
        (1000, "jupyter config"),
        (2000, str(tmp_path / "pyproject.toml")),
        (3000, "env LLMDEV_CONTEXT_BUDGET"),
        (4000, "flag --context-budget"),
    ][upto]
    assert (resolved.context_budget, resolved.sources["context_budget"]) == expected
    assert resolved.get("context_budget") == expected[0]


def test_each_key_keeps_the_source_that_set_it_last(tmp_path):
    write_pyproject(
        tmp_path,
        """
        [tool.llmdev]
        max_output_tokens = 2048
        context_budget = 8000
        first_token_timeout = 30

        [tool.llmdev.models]
        architect = "gpt-4.1"
        developer = "gpt-4.1-mini"
        """,
    )
    jupyter = Config()
    jupyter.LLMDevConfig.retries = 5
    jupyter.LLMDevConfig.max_output_tokens = 1024
    jupyter.LLMDevConfig.ask_model = "from-jupyter"
    resolved = load(
        tmp_path,
        traitlets_config=jupyter,
        environ={"LLMDEV_CONTEXT_BUDGET": "9000", "LLMDEV_FIRST_TOKEN_TIMEOUT": "45"},
        overrides={"first-token-timeout": "20", "developer": "flagged", "retries": None},
    )
    pyproject = str(tmp_path / "pyproject.toml")
    assert resolved.retries == 5 and resolved.sources["retries"] == "jupyter config"
    assert resolved.max_output_tokens == 2048 and resolved.sources["max_output_tokens"] == pyproject
    assert resolved.context_budget == 9000
    assert resolved.sources["context_budget"] == "env LLMDEV_CONTEXT_BUDGET"
    assert resolved.first_token_timeout == 20.0
    assert resolved.sources["first_token_timeout"] == "flag --first-token-timeout"
    assert resolved.total_timeout == 600.0 and resolved.sources["total_timeout"] == "default"
    assert resolved.endpoint("architect").model == "gpt-4.1"
    assert resolved.endpoint("developer").model == "flagged"
    assert resolved.sources["developer_model"] == "flag --developer"
    assert resolved.endpoint("ask").model == "from-jupyter"
    assert resolved.pyproject_path == tmp_path / "pyproject.toml"


def test_jupyter_config_file_with_lazy_values(tmp_path):
    config_file = tmp_path / "jupyter_server_config.py"
    config_file.write_text(
        "c.LLMDevConfig.reviewer_models.append('openai:gpt-4.1')\n"
        "c.LLMDevConfig.providers = {'local': {'base_url': 'http://127.0.0.1:8080/v1',"
        " 'api_key_env': ''}}\n"
        "c.LLMDevConfig.prose_as_markdown = False\n"
    )
    config = PyFileConfigLoader(config_file.name, path=str(tmp_path)).load_config()
    resolved = load(tmp_path, traitlets_config=config)
    assert resolved.reviewer_models == ("openai:gpt-4.1",)
    assert resolved.prose_as_markdown is False
    assert resolved.providers["local"].base_url == "http://127.0.0.1:8080/v1"
    assert resolved.sources["providers.local.base_url"] == "jupyter config"


def test_llmdev_model_sets_every_role_and_flags_still_win(tmp_path):
    write_pyproject(
        tmp_path,
        """
        [tool.llmdev.models]
        architect = "gpt-4.1"
        reviewers = ["a", "b"]
        """,
    )
    resolved = load(tmp_path, environ={"LLMDEV_MODEL": "llama3:8b"}, overrides={"architect": "big"})
    assert resolved.default_model == "llama3:8b"
    assert resolved.endpoint("developer").model == "llama3:8b"
    assert resolved.endpoint("ask").model == "llama3:8b"
    assert [e.model for e in resolved.reviewer_endpoints()] == ["llama3:8b"]
    assert resolved.sources["reviewer_models"] == "env LLMDEV_MODEL"
    assert resolved.endpoint("architect").model == "big"

    flagged = load(tmp_path, environ={"LLMDEV_MODEL": "llama3:8b"}, overrides={"model": "m2"})
    assert {flagged.endpoint(role).model for role in ("architect", "developer", "ask")} == {"m2"}
    assert flagged.sources["ask_model"] == "flag --model"


def test_openai_base_url_and_timeout_aliases(tmp_path):
    write_pyproject(
        tmp_path,
        """
        [tool.llmdev.providers.openai]
        base_url = "https://gateway.example/v1"
        """,
    )
    environ = {
        "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
        "LLMDEV_TIMEOUT": "300",
        "LLMDEV_PROSE_AS_MARKDOWN": "off",
        "LLMDEV_DOC_PATH": "",  # empty variables count as unset
    }
    resolved = load(tmp_path, environ=environ)
    assert resolved.endpoint("ask").base_url == "http://127.0.0.1:11434/v1"
    assert resolved.sources["providers.openai.base_url"] == "env OPENAI_BASE_URL"
    assert resolved.first_token_timeout == 300.0
    assert resolved.sources["first_token_timeout"] == "env LLMDEV_TIMEOUT"
    assert resolved.prose_as_markdown is False
    assert resolved.sources["doc_path"] == "default"

    both = load(tmp_path, environ={"LLMDEV_TIMEOUT": "300", "LLMDEV_FIRST_TOKEN_TIMEOUT": "90"})
    assert both.first_token_timeout == 90.0
    assert both.endpoint("ask").base_url == "https://gateway.example/v1"

    flagged = load(tmp_path, environ=environ, overrides={"base_url": "http://127.0.0.1:9/v1"})
    assert flagged.endpoint("ask").base_url == "http://127.0.0.1:9/v1"


# --- model references ----------------------------------------------------------------


def test_parse_model_splits_only_on_a_known_provider():
    providers = {"openai", "ollama"}
    assert parse_model("llama3:8b", providers) == ("openai", "llama3:8b")
    assert parse_model("ollama:llama3:8b", providers) == ("ollama", "llama3:8b")
    assert parse_model("openai:gpt-4.1", providers) == ("openai", "gpt-4.1")
    assert parse_model("gpt-4.1", providers) == ("openai", "gpt-4.1")
    assert parse_model("llama3:8b", {"openai", "llama3"}) == ("llama3", "8b")


def test_providers_and_reviewers_from_pyproject(tmp_path):
    write_pyproject(
        tmp_path,
        """
        [tool.llmdev.models]
        developer = "local:qwen2.5-coder:7b"
        ask = "llama3:8b"
        reviewers = ["openrouter:anthropic/claude-sonnet-4", "openai:gpt-4.1", "local:gemma3:4b"]

        [tool.llmdev.providers.openrouter]
        base_url = "https://openrouter.ai/api/v1"

        [tool.llmdev.providers.local]
        base_url = "http://127.0.0.1:8080/v1"
        api_key_env = ""
        """,
    )
    resolved = load(tmp_path, environ={"OPENROUTER_API_KEY": KEY})
    assert resolved.endpoint("developer") == Endpoint(
        model="qwen2.5-coder:7b",
        provider="local",
        base_url="http://127.0.0.1:8080/v1",
        api_key_env="",
    )
    assert resolved.endpoint("ask") == Endpoint(model="llama3:8b")
    reviewers = resolved.reviewer_endpoints()
    assert [(e.provider, e.model) for e in reviewers] == [
        ("openrouter", "anthropic/claude-sonnet-4"),
        ("openai", "gpt-4.1"),
        ("local", "gemma3:4b"),
    ]
    assert reviewers[0].api_key_env == "OPENROUTER_API_KEY"
    assert resolved.sources["providers.openrouter.api_key_env"] == "default"
    assert resolved.has_api_key(reviewers[0])
    assert not resolved.has_api_key(reviewers[1])  # OPENAI_API_KEY not set
    assert resolved.has_api_key(reviewers[2])  # needs no key
    assert list(resolved.providers) == ["openai", "local", "openrouter"]


def test_well_known_provider_that_is_not_configured(tmp_path):
    path = write_pyproject(
        tmp_path, '[tool.llmdev.models]\narchitect = "openrouter:anthropic/claude-sonnet-4"\n'
    )
    message = config_error(tmp_path)
    assert "'openrouter'" in message and "not configured" in message
    assert "[tool.llmdev.models] architect" in message and str(path) in message
    assert "[tool.llmdev.providers.openrouter]" in message


def test_provider_prefix_without_model(tmp_path):
    message = config_error(tmp_path, environ={"LLMDEV_MODEL": "openai:"})
    assert "no model" in message and "LLMDEV_MODEL" in message


# --- validation ------------------------------------------------------------------------


def test_too_many_reviewers(tmp_path):
    path = write_pyproject(tmp_path, '[tool.llmdev.models]\nreviewers = ["a", "b", "c", "d"]\n')
    message = config_error(tmp_path)
    assert "at most 3" in message and str(path) in message
    assert "reviewers" in message
    flagged = load(tmp_path.parent, overrides={"reviewers": "x, y"})
    assert flagged.reviewer_models == ("x", "y")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"environ": {"LLMDEV_TOTAL_TIMEOUT": "-5"}}, "environment variable LLMDEV_TOTAL_TIMEOUT"),
        ({"environ": {"LLMDEV_CONTEXT_BUDGET": "lots"}}, "whole number"),
        ({"environ": {"LLMDEV_PROSE_AS_MARKDOWN": "maybe"}}, "true or false"),
        ({"overrides": {"request_timeout": 0}}, "the flag --request-timeout"),
        ({"overrides": {"max_output_tokens": 0}}, "above 0"),
        ({"overrides": {"model": "gpt 4"}}, "contains spaces"),
        (
            {"traitlets_config": Config({"LLMDevConfig": {"retries": -1}})},
            "c.LLMDevConfig.retries in the Jupyter config",
        ),
        ({"overrides": {"temperature": 1}}, "Unknown key 'temperature'"),
        (
            {"traitlets_config": Config({"LLMDevConfig": {"context_budjet": 1}})},
            "Did you mean 'context_budget'",
        ),
    ],
)
def test_bad_values_say_where_they_came_from(tmp_path, kwargs, expected):
    message = config_error(tmp_path, **kwargs)
    assert expected in message
    assert len(message.splitlines()) <= 3


def test_bad_value_in_pyproject_names_file_and_key(tmp_path):
    path = write_pyproject(tmp_path, "[tool.llmdev]\nfirst_token_timeout = -1\n")
    message = config_error(tmp_path)
    assert f"[tool.llmdev] first_token_timeout in {path}" in message
    assert "more than 0 seconds" in message


def test_unknown_key_in_pyproject(tmp_path):
    path = write_pyproject(tmp_path, "[tool.llmdev]\ncontext_budjet = 5000\n")
    message = config_error(tmp_path)
    assert "'context_budjet'" in message and str(path) in message
    assert "Did you mean 'context_budget'" in message

    write_pyproject(tmp_path, '[tool.llmdev.models]\ndefault = "x"\n')
    assert "'default'" in config_error(tmp_path)


def test_bad_toml_names_file_and_line(tmp_path):
    path = write_pyproject(tmp_path, '[tool.llmdev]\ndoc_path = "a.md"\nretries = = 3\n')
    message = config_error(tmp_path)
    assert str(path) in message and "line 3" in message
    assert len(message.splitlines()) <= 3


def test_provider_without_base_url(tmp_path):
    write_pyproject(tmp_path, "[tool.llmdev.providers.local]\n")
    message = config_error(tmp_path)
    assert "'local' has no base_url" in message
    assert "[tool.llmdev.providers.local]" in message

    write_pyproject(tmp_path, '[tool.llmdev.providers."my:proxy"]\nbase_url = "http://h/v1"\n')
    assert "Provider name 'my:proxy' is not allowed" in config_error(tmp_path)


# --- keys and URLs are never shown -------------------------------------------------------


def test_key_is_masked_in_describe_and_table(tmp_path):
    write_pyproject(
        tmp_path,
        """
        [tool.llmdev.providers.proxy]
        base_url = "https://bob:hunter2secret@proxy.example/v1?api-key=QUERYSECRET&x=1"
        api_key_env = "PROXY_KEY"
        """,
    )
    resolved = load(tmp_path, environ={"OPENAI_API_KEY": KEY, "PROXY_KEY": "short"})
    table = format_config_table(resolved)
    everything = table + repr(resolved.describe()) + repr(resolved)
    for secret in (KEY, "short", "hunter2secret", "bob", "QUERYSECRET"):
        assert secret not in everything
    rows = {key: value for key, value, _ in resolved.describe()}
    assert rows["providers.openai.api_key_env"] == f"OPENAI_API_KEY: set (****{KEY[-4:]})"
    assert rows["providers.proxy.api_key_env"] == "PROXY_KEY: set (****)"
    assert rows["providers.proxy.base_url"] == "https://****@proxy.example/v1?api-key=****&x=1"
    # the real URL still reaches the client
    assert resolved.providers["proxy"].base_url.startswith("https://bob:")

    unset = {key: value for key, value, _ in load(tmp_path).describe()}
    assert unset["providers.openai.api_key_env"] == "OPENAI_API_KEY: not set"


def test_secrets_never_reach_error_messages(tmp_path):
    write_pyproject(
        tmp_path,
        f'[tool.llmdev.providers.proxy]\nbase_url = "http://h/v1"\napi_key_env = "{KEY}"\n',
    )
    message = config_error(tmp_path)
    assert KEY not in message and "NAME of an environment variable" in message

    write_pyproject(tmp_path, f'[tool.llmdev.providers.proxy]\napi_key = "{KEY}"\n')
    message = config_error(tmp_path)
    assert KEY not in message and "api_key_env" in message

    message = config_error(
        tmp_path.parent, environ={"OPENAI_BASE_URL": "ftp://me:pa55word@host/v1"}
    )
    assert "pa55word" not in message and "OPENAI_BASE_URL" in message


def test_mask_url():
    assert mask_url("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/v1"
    assert mask_url("me:pa55word@host:8080/v1") == "****@host:8080/v1"
    assert mask_url("https://h/v1?token=abc&user=x") == "https://h/v1?token=****&user=x"
    assert mask_url(None) == ""


def test_table_columns_are_aligned(tmp_path):
    resolved = load(tmp_path, overrides={"context_cells": 5})
    lines = format_config_table(resolved).splitlines()
    assert lines[0].split() == ["key", "value", "source"]
    source_column = lines[0].index("source")
    for line, (key, value, source) in zip(lines[2:], resolved.describe(), strict=True):
        assert line.startswith(key) and line[source_column:] == source
        assert value in line
    assert (
        "flag --context-cells"
        in lines[2 + [r[0] for r in resolved.describe()].index("context_cells")]
    )


# --- finding pyproject.toml and the architecture doc ----------------------------------------


def test_nearest_pyproject_from_a_nested_folder(tmp_path):
    root = write_pyproject(tmp_path / "repo", "[tool.llmdev]\ncontext_budget = 111\n")
    # a pyproject.toml that does not configure llmdev is passed over, even a broken one
    write_pyproject(tmp_path / "repo" / "pkg", "[project\nname = 'x'\n")
    write_pyproject(
        tmp_path / "repo" / "pkg" / "sub",
        '[project]\nname = "x"\ndependencies = ["jupyter-llmdev"]\n',
    )
    deep = tmp_path / "repo" / "pkg" / "sub" / "notebooks" / "deeper"
    deep.mkdir(parents=True)
    assert find_pyproject(deep) == root
    assert load(deep).context_budget == 111
    notebook = deep / "analysis.ipynb"
    notebook.write_text("{}")
    assert load(notebook).pyproject_path == root

    inner = write_pyproject(
        tmp_path / "repo" / "pkg" / "sub" / "notebooks", "[tool.llmdev]\nretries = 1\n"
    )
    resolved = load(deep)
    assert resolved.pyproject_path == inner
    assert (resolved.retries, resolved.context_budget) == (1, 12000)


def test_doc_path_is_relative_to_its_source(tmp_path):
    project = tmp_path / "project"
    write_pyproject(project, '[tool.llmdev]\ndoc_path = "docs/DESIGN.md"\n')
    nested = project / "nb"
    nested.mkdir()
    with pytest.raises(ConfigError, match="does not exist"):
        load(nested).doc_file()
    (project / "docs").mkdir()
    (project / "docs" / "DESIGN.md").write_text("# design\n")
    (nested / "NOTES.md").write_text("# notes\n")
    assert load(nested).doc_file() == project / "docs" / "DESIGN.md"
    from_env = load(nested, environ={"LLMDEV_DOC_PATH": "NOTES.md"})
    assert from_env.doc_file() == nested / "NOTES.md"

    (tmp_path / "other" / "a" / "b").mkdir(parents=True)
    (tmp_path / "other" / "ARCHITECTURE.md").write_text("# arch\n")
    found = load(tmp_path / "other" / "a" / "b")
    assert found.doc_path == ""
    assert found.doc_file() == tmp_path / "other" / "ARCHITECTURE.md"
    assert load(tmp_path / "other" / "a").doc_file() == tmp_path / "other" / "ARCHITECTURE.md"


def test_endpoint_rejects_unknown_role(tmp_path):
    with pytest.raises(ValueError):
        load(tmp_path).endpoint("reviewer")


def test_loading_is_cheap(tmp_path):
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from jupyter_llmdev.config import load_config\n"
        f"load_config(start_dir=Path({str(tmp_path)!r}), environ={{}})\n"
        "assert 'openai' not in sys.modules\n"
        "assert 'tomllib' not in sys.modules and 'tomli' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root)
