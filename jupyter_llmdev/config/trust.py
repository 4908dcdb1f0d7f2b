"""Project trust: which ``[tool.llmdev]`` settings a downloaded project may set on its own.

A project's pyproject.toml is untrusted input. Until the user trusts the project, its
``[tool.llmdev]`` may choose among the providers the *user* configured and tune context and
output, but it may not:

* add or redirect a provider (``providers``: a ``base_url`` receives the key; ``api_key_env``
  names an environment variable whose value is sent as a Bearer token);
* use a model of a provider it defines itself (``"evil:gpt"``);
* point ``doc_path`` outside the project (the doc is sent to the model and shown).

Those settings are *ignored* with one warning that says how to trust. Trusting (``llmdev trust
DIR``, ``%llm trust``, the panel's Trust button: always a human action) records the
pyproject.toml path with the SHA-256 of its ``[tool.llmdev]`` table in the user's own Jupyter
config folder (``jupyter --config-dir``/llmdev/trusted-projects.json); any change to the table
makes the project untrusted again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = [
    "TRUST_FILE_NAME",
    "TrustDecision",
    "TrustResult",
    "is_trusted",
    "keep_untrusted",
    "needs_trust",
    "revoke",
    "settings_digest",
    "trust",
    "trust_file",
    "trust_project",
]

TRUST_FILE_NAME = "trusted-projects.json"
_VERSION = 1


@dataclass(frozen=True)
class TrustDecision:
    """What was left out of a project's settings because the project is not trusted."""

    pyproject: Path
    #: human-readable names of the ignored settings, e.g. ``providers.evil``, ``doc_path``
    ignored: tuple[str, ...]

    def message(self, trust_hint: str) -> str:
        """One line: what was ignored, and the command that trusts the project."""
        names = ", ".join(self.ignored[:6]) + (", ..." if len(self.ignored) > 6 else "")
        return (
            f"Ignored {names} from {self.pyproject}: this project is not trusted. "
            f"Read them, then trust it with {trust_hint}."
        )


def trust_file() -> Path:
    """Where trust decisions are kept: the user's Jupyter config folder (never a project's)."""
    from jupyter_core.paths import jupyter_config_dir

    return Path(jupyter_config_dir()) / "llmdev" / TRUST_FILE_NAME


def settings_digest(table: Mapping[str, Any]) -> str:
    """SHA-256 of the ``[tool.llmdev]`` table, independent of key order and formatting."""
    canonical = json.dumps(table, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def is_trusted(pyproject: Path, table: Mapping[str, Any]) -> bool:
    """Whether the user trusted exactly this table of exactly this file."""
    entry = _read().get(_key(pyproject))
    return isinstance(entry, dict) and entry.get("sha256") == settings_digest(table)


def trust(pyproject: Path, table: Mapping[str, Any], *, user: str) -> Path:
    """Record that ``user`` trusts ``pyproject``'s current table; returns the trust file."""
    from ..notebook.records import now

    projects = _read()
    projects[_key(pyproject)] = {"sha256": settings_digest(table), "time": now(), "by": user}
    return _write(projects)


def revoke(pyproject: Path) -> bool:
    """Forget the trust in ``pyproject``; whether there was any."""
    projects = _read()
    if projects.pop(_key(pyproject), None) is None:
        return False
    _write(projects)
    return True


def _key(pyproject: Path) -> str:
    return os.path.realpath(pyproject)


def _read() -> dict[str, Any]:
    path = trust_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        raise ConfigError(
            f"The trust file {path} cannot be read.",
            hint="Delete it and trust your projects again (llmdev trust DIR).",
        ) from None
    projects = data.get("projects") if isinstance(data, dict) else None
    return dict(projects) if isinstance(projects, dict) else {}


def _write(projects: Mapping[str, Any]) -> Path:
    from ..atomicfile import write_atomic

    path = trust_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": _VERSION, "projects": projects}, indent=1, sort_keys=True) + "\n"
    write_atomic(path, text)
    return path


def keep_untrusted(settings: list[Any], project_dir: Path) -> tuple[list[Any], tuple[str, ...]]:
    """The settings an untrusted project may set, and the names of the ones left out.

    ``settings`` are :class:`~jupyter_llmdev.config.values.Setting` read from the project's
    ``[tool.llmdev]``: every ``providers.*`` entry goes, so does every model setting naming a
    provider the project defines, and ``doc_path`` unless it resolves inside ``project_dir``.
    """
    from ..safety.paths import is_inside

    own_providers = {
        setting.key.split(".")[1] for setting in settings if setting.key.startswith("providers.")
    }
    kept: list[Any] = []
    ignored: list[str] = []
    for setting in settings:
        key = setting.key
        if key.startswith("providers."):
            name = f"providers.{key.split('.')[1]}"
            if name not in ignored:
                ignored.append(name)
            continue
        if key.endswith("_model") or key == "reviewer_models":
            specs = setting.value if isinstance(setting.value, list) else [setting.value]
            if any(isinstance(spec, str) and spec.split(":", 1)[0] in own_providers
                   for spec in specs if ":" in (spec or "")):
                ignored.append(key)
                continue
        if key == "doc_path" and setting.value and not is_inside(setting.value, project_dir):
            ignored.append(key)
            continue
        kept.append(setting)
    # providers first: they are what matters most
    return kept, tuple(sorted(ignored, key=lambda name: not name.startswith("providers.")))


@dataclass(frozen=True)
class TrustResult:
    """What ``trust`` did: the file now trusted (or revoked) and what its settings are."""

    pyproject: Path | None
    #: lines naming the settings that needed trust (providers with masked URLs, key variables, paths)
    settings: tuple[str, ...]
    recorded_in: Path | None
    revoked: bool = False

    def report(self) -> str:
        """The lines a front end prints."""
        if self.pyproject is None:
            return "No pyproject.toml with [tool.llmdev] here or above: there is nothing to trust."
        if self.revoked:
            return f"{self.pyproject} is no longer trusted: its providers, key variables and outside paths are ignored."
        if self.recorded_in is None:
            return f"{self.pyproject} was not trusted; nothing to revoke."
        lines = [f"Trusted {self.pyproject} (recorded in {self.recorded_in})."]
        if self.settings:
            lines.append("Now in effect: " + "; ".join(self.settings) + ".")
        lines.append("Any change to its [tool.llmdev] makes the project untrusted again.")
        return "\n".join(lines)


def trust_project(start: Path, *, user: str, revoke_it: bool = False) -> TrustResult:
    """Trust (or with ``revoke_it`` forget) the project settings found from ``start`` upwards."""
    from .sources import read_pyproject

    begin = start if start.is_dir() else start.parent
    found = read_pyproject(begin)
    if found is None:
        return TrustResult(None, (), None)
    path, table = found
    if revoke_it:
        done = revoke(path)
        return TrustResult(path, (), trust_file() if done else None, revoked=done)
    return TrustResult(path, needs_trust(table), trust(path, table, user=user))


def needs_trust(table: Mapping[str, Any]) -> tuple[str, ...]:
    """The settings of a ``[tool.llmdev]`` table that only a trusted project may set, for display."""
    from ..safety.terminal import printable
    from .display import mask_url

    lines: list[str] = []
    providers = table.get("providers")
    if isinstance(providers, Mapping):
        for name, fields in providers.items():
            fields = fields if isinstance(fields, Mapping) else {}
            url = fields.get("base_url")
            shown_url = mask_url(url) if isinstance(url, str) and url else "the openai default"
            env = fields.get("api_key_env")
            key = f"key from ${env}" if isinstance(env, str) and env else "no key"
            lines.append(printable(f"provider {name} at {shown_url} ({key})", keep_newlines=False))
    doc = table.get("doc_path")
    if isinstance(doc, str) and doc.strip():
        lines.append(printable(f"doc_path {doc}", keep_newlines=False))
    return tuple(lines)
