"""Checking one configuration value from any source, with errors that say where it came from."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from traitlets import Bool, Float, Int, List, TraitType, Unicode

from ..errors import ConfigError
from .display import mask_url
from .settings import MAX_REVIEWERS, LLMDevConfig

__all__ = [
    "PRICE_FIELDS",
    "PROVIDER_FIELDS",
    "Setting",
    "check_price",
    "check_price_model",
    "check_provider_field",
    "check_provider_name",
    "check_value",
    "config_error",
    "trait_of",
]

PROVIDER_FIELDS = ("base_url", "api_key_env")
#: fields of one model's price; the first two are required
PRICE_FIELDS = ("prompt", "completion", "cached")

_MODEL_KEYS = {"default_model", "architect_model", "developer_model", "ask_model"}
_POSITIVE_INTS = {"context_budget", "max_output_tokens"}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_PROVIDER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_URL = re.compile(r"https?://[^\s/?#]+\S*", re.IGNORECASE)


@dataclass(frozen=True)
class Setting:
    """One value as one source gives it."""

    #: a trait name (``context_budget``) or ``providers.NAME.FIELD``
    key: str
    value: Any
    #: short origin for ``llmdev config``: "default", "jupyter config", a pyproject path,
    #: "env LLMDEV_MODEL", "flag --model"
    source: str
    #: the exact place, for error messages: "[tool.llmdev] retries in /p/pyproject.toml"
    where: str


def config_error(problem: str, where: str, fix: str = "change it there") -> ConfigError:
    """A two-line ConfigError: what is wrong, then where it was set and what to do."""
    return ConfigError(problem, hint=f"It was set by {where}; {fix}.")


def trait_of(key: str) -> TraitType:
    """The trait declaring ``key`` (a name of :data:`SCALAR_KEYS` or ``providers``)."""
    return LLMDevConfig.class_traits()[key]


def _shown(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 40 else text[:37] + "..."


def _as_int(key: str, raw: Any, where: str) -> int:
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"\s*[-+]?\d[\d_]*\s*", raw):
        value = int(raw.replace("_", ""))
    else:
        raise config_error(f"{key} must be a whole number, not {_shown(raw)}.", where)
    if key in _POSITIVE_INTS and value <= 0:
        raise config_error(f"{key} must be above 0, not {value}.", where)
    if value < 0:
        raise config_error(f"{key} must be 0 or more, not {value}.", where)
    return value


def _as_float(key: str, raw: Any, where: str) -> float:
    value: float | None = None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            value = None
    if value is None or not math.isfinite(value):
        raise config_error(f"{key} must be a number of seconds, not {_shown(raw)}.", where)
    if value <= 0:
        raise config_error(f"{key} must be more than 0 seconds, not {raw}.", where)
    return value


def _as_bool(key: str, raw: Any, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise config_error(f"{key} must be true or false, not {_shown(raw)}.", where)


def _as_model(key: str, raw: Any, where: str, *, required: bool) -> str:
    if not isinstance(raw, str):
        raise config_error(f"{key} must be a model name (a string), not {_shown(raw)}.", where)
    value = raw.strip()
    if not value and required:
        raise config_error(f"{key} is empty.", where, "set a model name such as gpt-4o-mini")
    if re.search(r"\s", value):
        raise config_error(f"{key} {value!r} contains spaces; a model name has none.", where)
    return value


def _as_model_list(key: str, raw: Any, where: str) -> list[str]:
    if isinstance(raw, str):
        items: list[Any] = [part for part in raw.split(",") if part.strip()]
    elif isinstance(raw, (list, tuple)):
        items = list(raw)
    else:
        raise config_error(f"{key} must be a list of model names, not {_shown(raw)}.", where)
    if len(items) > MAX_REVIEWERS:
        raise config_error(
            f"{key} lists {len(items)} models; at most {MAX_REVIEWERS} reviewers are allowed.",
            where,
            "keep the ones you want most",
        )
    return [_as_model(key, item, where, required=True) for item in items]


def check_value(key: str, raw: Any, where: str) -> Any:
    """``raw`` checked and converted to the type of setting ``key`` (strings are parsed)."""
    trait = trait_of(key)
    if isinstance(trait, Bool):
        return _as_bool(key, raw, where)
    if isinstance(trait, Int):
        return _as_int(key, raw, where)
    if isinstance(trait, Float):
        return _as_float(key, raw, where)
    if isinstance(trait, List):
        return _as_model_list(key, raw, where)
    if key in _MODEL_KEYS:
        return _as_model(key, raw, where, required=key == "default_model")
    if isinstance(trait, Unicode):
        if not isinstance(raw, str):
            raise config_error(f"{key} must be a string, not {_shown(raw)}.", where)
        return raw.strip()
    raise ValueError(f"no checker for setting {key!r}")


def check_provider_name(name: Any, where: str) -> str:
    """A provider name usable as a ``NAME:`` model prefix."""
    if not isinstance(name, str) or not _PROVIDER_NAME.fullmatch(name):
        raise config_error(
            f"Provider name {_shown(name)} is not allowed.",
            where,
            "use letters, digits, '-' and '_' only",
        )
    return name


def check_provider_field(provider: str, field: str, raw: Any, where: str) -> str | None:
    """A checked ``base_url`` (``None`` for "") or ``api_key_env``; secrets never echoed."""
    if field == "base_url":
        if not isinstance(raw, str) or (raw.strip() and not _URL.fullmatch(raw.strip())):
            shown = mask_url(raw) if isinstance(raw, str) else type(raw).__name__
            raise config_error(
                f"base_url of provider {provider!r} must be an http(s) URL, not {shown!r}.",
                where,
                "write it like https://host/v1",
            )
        return raw.strip() or None
    if field == "api_key_env":
        # Never show the value: a key pasted here by mistake must not reach a message.
        if not isinstance(raw, str) or (raw and not _ENV_NAME.fullmatch(raw)):
            raise config_error(
                f"api_key_env of provider {provider!r} must be the NAME of an environment "
                "variable in capitals, like OPENROUTER_API_KEY, not the key itself.",
                where,
                "put the key in that variable and its name here ('' if no key is needed)",
            )
        return raw
    fix = f"a provider takes {' and '.join(PROVIDER_FIELDS)}"
    if "key" in field.lower():
        fix = "remove it: keys go in an environment variable, whose name goes in api_key_env"
    raise config_error(f"Provider {provider!r} has no setting {field!r}.", where, fix)


def check_price_model(name: Any, where: str) -> str:
    """A model reference usable as a key of ``prices``: ``"model"`` or ``"PROVIDER:model"``."""
    if not isinstance(name, str) or not name.strip() or re.search(r"\s", name):
        raise config_error(
            f"Price key {_shown(name)} is not a model name.",
            where,
            "use 'model' or 'PROVIDER:model', without spaces",
        )
    return name


def check_price(model: str, raw: Any, where: str) -> dict[str, float]:
    """One model's prices per million tokens, ``cached`` filled in (default: the prompt price)."""
    if not isinstance(raw, Mapping):
        raise config_error(
            f"Prices of {model!r} must be a table of prompt, completion (and cached), "
            f"not {_shown(raw)}.",
            where,
            "give each model its own table: prices.MODEL = {prompt, completion, cached}",
        )
    prices: dict[str, float] = {}
    for field, value in raw.items():
        if field not in PRICE_FIELDS:
            raise config_error(
                f"Prices of {model!r} have no field {_shown(field)}.",
                where,
                f"use {', '.join(PRICE_FIELDS)} (money per million tokens)",
            )
        number = (
            float(value)
            if isinstance(value, (int, float)) and not isinstance(value, bool)
            else None
        )
        if number is None or not math.isfinite(number):
            raise config_error(
                f"{field} price of {model!r} must be a number (per million tokens), not {_shown(value)}.",
                where,
            )
        if number < 0:
            raise config_error(f"{field} price of {model!r} must be 0 or more, not {value}.", where)
        prices[field] = number
    missing = [field for field in PRICE_FIELDS[:2] if field not in prices]
    if missing:
        raise config_error(
            f"Prices of {model!r} lack {' and '.join(missing)}.",
            where,
            "give prompt and completion in money per million tokens",
        )
    prices.setdefault("cached", prices["prompt"])
    return prices
