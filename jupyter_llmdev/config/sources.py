"""Reading settings from each source: defaults, Jupyter config, pyproject, environment, flags."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .settings import DEFAULT_PROVIDER, ROLE_KEYS, SCALAR_KEYS, TABLE_KEYS
from .tomlfile import parse_toml, read_toml_text
from .values import (
    Setting,
    check_price,
    check_price_model,
    check_provider_field,
    check_provider_name,
    check_value,
    config_error,
    trait_of,
)

__all__ = [
    "ENV_KEYS",
    "EXPORT_KEYS",
    "JUPYTER_SOURCE",
    "PYPROJECT_KEYS",
    "from_defaults",
    "from_environ",
    "from_overrides",
    "from_pyproject",
    "from_traitlets",
    "find_pyproject",
    "read_pyproject",
]

JUPYTER_SOURCE = "jupyter config"

#: the keys of [tool.llmdev.models] and the settings they set
MODEL_TABLE_KEYS = {**ROLE_KEYS, "reviewers": "reviewer_models"}
#: scalar keys allowed directly in [tool.llmdev] (role models go in [tool.llmdev.models])
PYPROJECT_KEYS = tuple(key for key in SCALAR_KEYS if key not in MODEL_TABLE_KEYS.values())

#: keys of [tool.llmdev] that tell ``export`` where modules and notebooks are
EXPORT_KEYS = ("lib_path", "nbs_path")

#: ``LLMDEV_<KEY>`` variables; LLMDEV_TIMEOUT is a short form of LLMDEV_FIRST_TOKEN_TIMEOUT
#: and comes first so that the long form wins when both are set
ENV_KEYS = {
    "LLMDEV_TIMEOUT": "first_token_timeout",
    **{
        f"LLMDEV_{key.upper()}": key
        for key in PYPROJECT_KEYS
        if key != "default_model"  # LLMDEV_MODEL covers it, for every role at once
    },
}
#: variable and flag that set the default model *and* every role's model
ENV_MODEL = "LLMDEV_MODEL"
ENV_BASE_URL = "OPENAI_BASE_URL"

#: flag names that are not setting names
_FLAG_ALIASES = {
    "timeout": "first_token_timeout",
    **MODEL_TABLE_KEYS,
}

#: what :func:`_all_roles` sets
_ALL_MODEL_KEYS = ("default_model", *ROLE_KEYS.values())


def _unknown_key(key: str, place: str, known: Iterable[str]) -> ConfigError:
    import difflib  # only on this error path

    known = list(known)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else f"Known keys: {', '.join(known)}. "
    return ConfigError(f"Unknown key {key!r} in {place}.", hint=hint + "Fix or remove it.")


def _all_roles(raw: Any, source: str, where: str) -> list[Setting]:
    """The settings of one model for every role (LLMDEV_MODEL, --model)."""
    model = check_value("default_model", raw, where)
    settings = [Setting(key, model, source, where) for key in _ALL_MODEL_KEYS]
    settings.append(Setting("reviewer_models", [model], source, where))
    return settings


def _providers(raw: Any, source: str, where_of: Callable[[str], str], where: str) -> list[Setting]:
    """Settings ``providers.NAME`` and ``providers.NAME.FIELD`` from a NAME -> table mapping."""
    if not isinstance(raw, Mapping):
        raise config_error("providers must map provider names to tables.", where)
    settings: list[Setting] = []
    for name, table in raw.items():
        name = check_provider_name(name, where)
        place = where_of(name)
        if not isinstance(table, Mapping):
            raise config_error(
                f"Provider {name!r} must be a table of base_url, api_key_env.", place
            )
        settings.append(Setting(f"providers.{name}", name, source, place))
        for field, value in table.items():
            checked = check_provider_field(name, str(field), value, place)
            settings.append(Setting(f"providers.{name}.{field}", checked, source, place))
    return settings


def _prices(raw: Any, source: str, where_of: Callable[[str], str], where: str) -> list[Setting]:
    """Settings ``prices.MODEL`` (each a whole price table) from a MODEL -> table mapping."""
    if not isinstance(raw, Mapping):
        raise config_error("prices must map model names to tables of prices.", where)
    settings: list[Setting] = []
    for model, table in raw.items():
        model = check_price_model(model, where)
        place = where_of(model)
        settings.append(Setting(f"prices.{model}", check_price(model, table, place), source, place))
    return settings


def from_defaults() -> list[Setting]:
    """Every setting's default, and the built-in ``openai`` provider."""
    settings = [
        Setting(key, trait_of(key).default(), "default", "the default") for key in SCALAR_KEYS
    ]
    settings += [
        Setting(f"providers.{DEFAULT_PROVIDER}", DEFAULT_PROVIDER, "default", "the default"),
        Setting(f"providers.{DEFAULT_PROVIDER}.base_url", None, "default", "the default"),
        Setting(
            f"providers.{DEFAULT_PROVIDER}.api_key_env", "OPENAI_API_KEY", "default", "the default"
        ),
    ]
    return settings


def from_traitlets(
    config: Any, source: str = JUPYTER_SOURCE, place: str = "the Jupyter config"
) -> list[Setting]:
    """Settings of ``c.LLMDevConfig.*`` in a traitlets Config (or a dict of the same shape);
    ``source`` is what ``llmdev config`` shows for them, ``place`` where errors say they are."""
    if config is None:
        return []
    from traitlets import TraitError
    from traitlets.config import Config
    from traitlets.config.loader import DeferredConfig, LazyConfigValue

    if not isinstance(config, Config):
        config = Config(config)
    if "LLMDevConfig" not in config:
        return []
    settings: list[Setting] = []
    for key, raw in config["LLMDevConfig"].items():
        where = f"c.LLMDevConfig.{key} in {place}"
        if key not in SCALAR_KEYS and key not in TABLE_KEYS:
            raise _unknown_key(key, f"c.LLMDevConfig ({place})", (*TABLE_KEYS, *SCALAR_KEYS))
        trait = trait_of(key)
        try:
            if isinstance(raw, LazyConfigValue):
                raw = raw.get_value(trait.default())
            elif isinstance(raw, DeferredConfig):
                raw = raw.get_value(trait)
        except (TraitError, ValueError, TypeError) as error:
            raise config_error(
                f"c.LLMDevConfig.{key} could not be read ({type(error).__name__}).", where
            ) from None
        if key == "providers":
            settings += _providers(
                raw,
                source,
                lambda name: f"c.LLMDevConfig.providers[{name!r}] in {place}",
                where,
            )
        elif key == "prices":
            settings += _prices(
                raw,
                source,
                lambda model: f"c.LLMDevConfig.prices[{model!r}] in {place}",
                where,
            )
        else:
            settings.append(Setting(key, check_value(key, raw, where), source, where))
    return settings


def read_pyproject(start_dir: Path) -> tuple[Path, Mapping[str, Any]] | None:
    """The nearest pyproject.toml above ``start_dir`` with ``[tool.llmdev]``, and that table.

    Files that do not mention ``llmdev`` are skipped without being parsed (so a broken
    pyproject.toml of an unrelated project is no error, and TOML is parsed only when needed).
    """
    start = start_dir if start_dir.is_dir() else start_dir.parent
    for folder in (start, *start.parents):
        path = folder / "pyproject.toml"
        if not path.is_file():
            continue
        text = read_toml_text(path)
        if "llmdev" not in text:
            continue
        tool = parse_toml(path, text).get("tool")
        table = tool.get("llmdev") if isinstance(tool, dict) else None
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ConfigError(
                f"tool.llmdev in {path} must be a table.", hint="Write it as [tool.llmdev]."
            )
        return path, table
    return None


def find_pyproject(start_dir: Path) -> Path | None:
    """Path of the nearest pyproject.toml with a ``[tool.llmdev]`` table, or ``None``."""
    found = read_pyproject(start_dir)
    return found[0] if found else None


def from_pyproject(path: Path, table: Mapping[str, Any]) -> list[Setting]:
    """Settings of a ``[tool.llmdev]`` table read from ``path``; unknown keys are errors."""
    source = str(path)
    settings: list[Setting] = []
    for key, raw in table.items():
        where = f"[tool.llmdev] {key} in {path}"
        if key == "models":
            if not isinstance(raw, dict):
                raise config_error(
                    "models must be a table.", where, "write it as [tool.llmdev.models]"
                )
            for role, value in raw.items():
                if role not in MODEL_TABLE_KEYS:
                    raise _unknown_key(role, f"[tool.llmdev.models] of {path}", MODEL_TABLE_KEYS)
                setting_key = MODEL_TABLE_KEYS[role]
                place = f"[tool.llmdev.models] {role} in {path}"
                settings.append(
                    Setting(setting_key, check_value(setting_key, value, place), source, place)
                )
        elif key == "providers":
            settings += _providers(
                raw, source, lambda name: f"[tool.llmdev.providers.{name}] in {path}", where
            )
        elif key == "prices":
            settings += _prices(
                raw, source, lambda model: f'[tool.llmdev.prices."{model}"] in {path}', where
            )
        elif key in EXPORT_KEYS:
            continue  # read (and confined) by jupyter_llmdev.export.project
        elif key in PYPROJECT_KEYS:
            value = check_value(key, raw, where)
            if key == "doc_path" and value:
                # relative to the project, not to wherever the notebook runs
                value = str(path.parent / Path(value).expanduser())
            settings.append(Setting(key, value, source, where))
        else:
            raise _unknown_key(
                key,
                f"[tool.llmdev] of {path}",
                ("models", *TABLE_KEYS, *PYPROJECT_KEYS, *EXPORT_KEYS),
            )
    return settings


def from_environ(environ: Mapping[str, str]) -> list[Setting]:
    """Settings from OPENAI_BASE_URL, LLMDEV_MODEL and LLMDEV_<KEY>; empty ones count as unset."""
    settings: list[Setting] = []
    base_url = environ.get(ENV_BASE_URL, "")
    if base_url.strip():
        where = f"environment variable {ENV_BASE_URL}"
        value = check_provider_field(DEFAULT_PROVIDER, "base_url", base_url, where)
        settings.append(
            Setting(f"providers.{DEFAULT_PROVIDER}.base_url", value, f"env {ENV_BASE_URL}", where)
        )
    model = environ.get(ENV_MODEL, "")
    if model.strip():
        settings += _all_roles(model, f"env {ENV_MODEL}", f"environment variable {ENV_MODEL}")
    for name, key in ENV_KEYS.items():
        raw = environ.get(name, "")
        if raw.strip():
            where = f"environment variable {name}"
            settings.append(Setting(key, check_value(key, raw, where), f"env {name}", where))
    return settings


def from_overrides(overrides: Mapping[str, Any]) -> list[Setting]:
    """Settings from command flags: ``{"model": ..., "context_budget": ..., "base_url": ...}``.

    Names may be setting names, ``model`` (every role), ``timeout`` (first_token_timeout),
    ``base_url`` (of the ``openai`` provider), ``architect``/``developer``/``ask``/``reviewers``,
    ``providers`` or ``prices``; dashes count as underscores. ``None`` values are skipped, so
    argparse defaults can be passed as they are.
    """
    settings: list[Setting] = []
    for name, raw in overrides.items():
        if raw is None:
            continue
        key = name.lstrip("-").replace("-", "_")
        flag = "--" + key.replace("_", "-")
        source, where = f"flag {flag}", f"the flag {flag}"
        if key == "model":
            settings += _all_roles(raw, source, where)
        elif key == "base_url":
            value = check_provider_field(DEFAULT_PROVIDER, "base_url", raw, where)
            settings.append(Setting(f"providers.{DEFAULT_PROVIDER}.base_url", value, source, where))
        elif key == "providers":
            settings += _providers(raw, source, lambda _name, place=where: place, where)
        elif key == "prices":
            settings += _prices(raw, source, lambda _model, place=where: place, where)
        elif key in SCALAR_KEYS or key in _FLAG_ALIASES:
            key = _FLAG_ALIASES.get(key, key)
            settings.append(Setting(key, check_value(key, raw, where), source, where))
        else:
            known = ("model", "base_url", *TABLE_KEYS, *_FLAG_ALIASES, *SCALAR_KEYS)
            raise _unknown_key(name, "the command flags", dict.fromkeys(known))
    return settings
