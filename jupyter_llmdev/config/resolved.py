"""The merged configuration with the source of every value, and ``load_config`` that builds it."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..llm.types import Endpoint, RequestLimits
from .display import mask_key, mask_url
from .models import model_problem, parse_model
from .settings import DEFAULT_PROVIDER, ROLE_KEYS, SCALAR_KEYS, TABLE_KEYS, Provider
from .trust import TrustDecision, is_trusted, keep_untrusted
from .sources import (
    from_defaults,
    from_environ,
    from_overrides,
    from_pyproject,
    from_traitlets,
    read_pyproject,
)
from .values import Setting, config_error

__all__ = ["ARCHITECTURE_DOC", "ResolvedConfig", "load_config"]

#: the file used when ``doc_path`` is empty, searched from the start folder upwards
ARCHITECTURE_DOC = "ARCHITECTURE.md"


@dataclass(frozen=True)
class ResolvedConfig:
    """Every setting after all sources were merged, with where each value came from.

    Read values as attributes (``resolved.context_budget``) or with :meth:`get`. API keys
    are not kept: only whether each provider's key variable was set, masked for display.
    """

    default_model: str
    architect_model: str
    developer_model: str
    ask_model: str
    reviewer_models: tuple[str, ...]
    #: absolute path, or "" for the nearest ARCHITECTURE.md (see :meth:`doc_file`)
    doc_path: str
    context_budget: int
    context_cells: int
    prose_as_markdown: bool
    max_output_tokens: int
    first_token_timeout: float
    total_timeout: float
    request_timeout: float
    retries: int
    context_window: int
    connect_timeout: float
    between_tokens_timeout: float
    max_retry_wait: float
    #: provider name -> Provider; always has ``openai``
    providers: Mapping[str, Provider]
    #: setting key -> source ("default", "jupyter config", a pyproject path, "env NAME",
    #: "flag --name"); keys are setting names, ``providers.NAME``, ``providers.NAME.FIELD``
    #: and ``prices.MODEL``
    sources: Mapping[str, str]
    #: the pyproject.toml whose [tool.llmdev] was read, if any
    pyproject_path: Path | None
    #: the folder the search for pyproject.toml and ARCHITECTURE.md started from
    start_dir: Path
    #: key variable name -> "set (****abcd)" / "not set", as seen when loading
    key_status: Mapping[str, str] = field(default_factory=dict)
    #: "PROVIDER:model" or "model" -> {"prompt", "completion", "cached"} in money per million
    #: tokens (cached filled in), the form :func:`jupyter_llmdev.engine.ledger.format_usage` takes
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    #: the project settings left out because the project is not trusted (None: nothing was)
    untrusted: TrustDecision | None = None
    #: the folder every file of this configuration must be in (the server's root_dir); None:
    #: only the project rules apply (an untrusted project's doc_path stays in the project)
    root: Path | None = None

    def get(self, key: str) -> Any:
        """The value of setting ``key`` (a setting name, ``providers`` or ``prices``)."""
        if key in SCALAR_KEYS or key in TABLE_KEYS:
            return getattr(self, key)
        raise KeyError(key)

    def endpoint(self, role: str) -> Endpoint:
        """Where ``role`` (architect, developer, ask) sends requests: its model or default_model."""
        if role not in ROLE_KEYS:
            raise ValueError(
                f"unknown role {role!r}; use one of {', '.join(ROLE_KEYS)} or reviewer_endpoints()"
            )
        return self.model_endpoint(getattr(self, ROLE_KEYS[role]) or self.default_model)

    def reviewer_endpoints(self) -> list[Endpoint]:
        """One endpoint per reviewer model; with none configured, one review by default_model."""
        models = self.reviewer_models or (self.default_model,)
        return [self.model_endpoint(model) for model in models]

    def model_endpoint(self, spec: str) -> Endpoint:
        """The endpoint of a model reference, ``"model"`` or ``"PROVIDER:model"``."""
        name, model = parse_model(spec, self.providers)
        provider = self.providers[name]
        return Endpoint(
            model=model, provider=name, base_url=provider.base_url, api_key_env=provider.api_key_env
        )

    def has_api_key(self, endpoint: Endpoint) -> bool:
        """Whether the key variable of ``endpoint`` was set when loading (True if it needs none)."""
        if not endpoint.api_key_env:
            return True
        return self.key_status.get(endpoint.api_key_env, "not set") != "not set"

    def limits(self) -> RequestLimits:
        """Client-side limits of each request (``request_timeout``, the old name, is folded in)."""
        return RequestLimits.from_settings(self)

    def doc_file(self) -> Path | None:
        """``doc_path``, else the nearest ARCHITECTURE.md from start_dir upwards, else None."""
        from ..context.doc import find_architecture_doc
        from ..safety.paths import confine, is_inside

        found = find_architecture_doc(self.start_dir, self.doc_path or None)
        if found is not None and not self.doc_path:
            # a found ARCHITECTURE.md is project content: a symlink out of its folder is refused
            found = confine(found, found.parent, what="the architecture doc (a symlink)")
        if found is not None and self.root is not None:
            if not self.doc_path and not is_inside(found, self.root):
                return None  # the nearest doc lies above the server's root: not this project's
            return confine(found, self.root, what="the architecture doc")
        return found

    def _trust_shown(self) -> str:
        if self.pyproject_path is None:
            return "no project settings"
        if self.untrusted is not None:
            return "not trusted: ignored " + ", ".join(self.untrusted.ignored)
        return "trusted, or nothing in it needs trust"

    def describe(self) -> list[tuple[str, str, str]]:
        """Rows (key, shown value, source) for ``llmdev config``; keys masked, never shown."""
        rows = [
            (
                "pyproject.toml",
                str(self.pyproject_path or "none with [tool.llmdev]"),
                f"searched from {self.start_dir}",
            ),
            ("trust", self._trust_shown(), "llmdev trust DIR records it"),
            (
                "default_model",
                self.model_endpoint(self.default_model).describe(),
                self.sources["default_model"],
            ),
        ]
        fallback = f"default_model ({self.sources['default_model']})"
        for role, key in ROLE_KEYS.items():
            source = self.sources[key] if getattr(self, key) else fallback
            rows.append((key, self.endpoint(role).describe(), source))
        reviewers = ", ".join(endpoint.describe() for endpoint in self.reviewer_endpoints())
        rows.append(
            (
                "reviewer_models",
                reviewers,
                self.sources["reviewer_models"] if self.reviewer_models else fallback,
            )
        )
        if self.doc_path:
            doc = self.doc_path
        else:
            found = self.doc_file()
            doc = f"nearest {ARCHITECTURE_DOC}: {found if found else 'none found'}"
        rows.append(("doc_path", doc, self.sources["doc_path"]))
        for key in SCALAR_KEYS[SCALAR_KEYS.index("doc_path") + 1 :]:
            value = getattr(self, key)
            shown = "0 (no limit)" if key == "context_cells" and value == 0 else str(value)
            rows.append((key, shown, self.sources[key]))
        for name, provider in self.providers.items():
            prefix = f"providers.{name}"
            base_url = mask_url(provider.base_url) or "(the openai client's default)"
            rows.append((f"{prefix}.base_url", base_url, self.sources[f"{prefix}.base_url"]))
            env = provider.api_key_env
            key_shown = (
                f"{env}: {self.key_status.get(env, 'not set')}" if env else "(none: no key sent)"
            )
            rows.append((f"{prefix}.api_key_env", key_shown, self.sources[f"{prefix}.api_key_env"]))
        if not self.prices:
            rows.append(("prices", "none (log --usage shows tokens, no cost)", "default"))
        for model, price in self.prices.items():
            shown = ", ".join(
                f"{name} {price[name]:g}" for name in ("prompt", "completion", "cached")
            )
            rows.append(
                (f"prices.{model}", f"{shown} per 1M tokens", self.sources[f"prices.{model}"])
            )
        return rows


def _default_key_env(provider: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", provider.upper()) + "_API_KEY"


def _build_providers(merged: dict[str, Setting]) -> dict[str, Provider]:
    """Providers from merged ``providers.*`` settings; adds the missing defaults to ``merged``."""
    names = [
        key.split(".")[1] for key in merged if key.count(".") == 1 and key.startswith("providers.")
    ]
    providers: dict[str, Provider] = {}
    for name in sorted(names, key=lambda n: (n != DEFAULT_PROVIDER, n)):
        base = merged.get(f"providers.{name}.base_url")  # the default provider always has one
        if base is None or (base.value is None and name != DEFAULT_PROVIDER):
            raise config_error(
                f"Provider {name!r} has no base_url.",
                merged[f"providers.{name}"].where,
                'add base_url = "https://host/v1"',
            )
        key_env = f"providers.{name}.api_key_env"
        if key_env not in merged:
            merged[key_env] = Setting(key_env, _default_key_env(name), "default", "the default")
        providers[name] = Provider(name, base.value, merged[key_env].value)
    return providers


def _build_prices(merged: Mapping[str, Setting]) -> dict[str, dict[str, float]]:
    """``prices`` from merged ``prices.MODEL`` settings (model names may hold dots), sorted."""
    prefix = "prices."
    return {
        key[len(prefix) :]: dict(merged[key].value)
        for key in sorted(key for key in merged if key.startswith(prefix))
    }


def _check_models(merged: Mapping[str, Setting], providers: Mapping[str, Provider]) -> None:
    for key in ("default_model", *ROLE_KEYS.values(), "reviewer_models"):
        setting = merged[key]
        specs = setting.value if isinstance(setting.value, list) else [setting.value]
        for spec in specs:
            problem = model_problem(spec, providers) if spec else None
            if problem:
                raise config_error(problem[0], setting.where, problem[1])


def load_config(
    *,
    start_dir: Path | None = None,
    traitlets_config: Any = None,
    config_files: Sequence[tuple[Path, Any]] = (),
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    root: Path | str | None = None,
) -> ResolvedConfig:
    """Merge every source, later wins: defaults, ``config_files`` (``(path, Config)`` of the
    Jupyter config files, see :func:`.jupyter_files.jupyter_config_files`; each value's source is
    its file), ``traitlets_config`` (``c.LLMDevConfig`` of the front end's own config object),
    ``[tool.llmdev]`` of the nearest pyproject.toml above ``start_dir`` (default: the
    current folder), ``environ`` (default: ``os.environ``), then ``overrides`` (flags).

    The pyproject's ``[tool.llmdev]`` is filtered by :mod:`.trust` unless the user trusts it:
    what was left out is in ``untrusted``. ``root`` (the Jupyter server's root_dir) confines
    every file the configuration leads to, the architecture doc included.

    Raises :class:`~jupyter_llmdev.errors.ConfigError` naming the source of a bad value.
    """
    start = Path(start_dir if start_dir is not None else Path.cwd()).expanduser().absolute()
    if start.is_file():
        start = start.parent
    env = os.environ if environ is None else environ

    layers = [from_defaults()]
    layers += [from_traitlets(config, str(path), str(path)) for path, config in config_files]
    layers.append(from_traitlets(traitlets_config))
    found = read_pyproject(start)
    untrusted: TrustDecision | None = None
    if found:
        project = from_pyproject(*found)
        kept, ignored = keep_untrusted(project, found[0].parent)
        if ignored and not is_trusted(*found):  # the trust file is read only when it matters
            project, untrusted = kept, TrustDecision(found[0], ignored)
        layers.append(project)
    layers.append(from_environ(env))
    layers.append(from_overrides(overrides or {}))

    merged: dict[str, Setting] = {}
    for layer in layers:
        for setting in layer:
            merged[setting.key] = setting
    providers = _build_providers(merged)
    _check_models(merged, providers)

    values = {key: merged[key].value for key in SCALAR_KEYS}
    values["reviewer_models"] = tuple(values["reviewer_models"])
    if values["doc_path"]:
        doc = Path(values["doc_path"]).expanduser()
        values["doc_path"] = str(doc if doc.is_absolute() else start / doc)
    key_status = {
        provider.api_key_env: mask_key(env.get(provider.api_key_env))
        for provider in providers.values()
        if provider.api_key_env
    }
    return ResolvedConfig(
        **values,
        providers=providers,
        sources={key: setting.source for key, setting in merged.items()},
        pyproject_path=found[0] if found else None,
        start_dir=start,
        key_status=key_status,
        prices=_build_prices(merged),
        untrusted=untrusted,
        root=Path(os.path.realpath(root)) if root is not None else None,
    )
