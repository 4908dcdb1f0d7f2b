"""nbdev's own settings that decide whether llmdev's history survives, and which notebooks count.

nbdev projects run ``nbdev_clean`` in their git hooks (and, with ``jupyter_hooks``, on every save
in Jupyter). It keeps only the notebook- and cell-level metadata keys it knows, plus those named by
``allowed_metadata_keys`` / ``allowed_cell_metadata_keys``; with ``clear_all`` every cell's
metadata goes. llmdev's history lives under ``jupyter_llmdev`` at both levels, so an nbdev project
must name that key in both settings (and leave ``clear_all`` off), or the next commit deletes it.
Export reads these settings to warn, with the exact line to write; it never edits the file (the
user's settings file is theirs: a one-line copy is safer than a rewrite that could reformat it).

``recursive`` (default on) decides whether nbdev looks for notebooks in subfolders of ``nbs_path``;
export follows it so that it exports the notebooks nbdev does.

Where nbdev reads them, and how (checked against nbdev 3.3 and 2.3):

* nbdev 3, ``[tool.nbdev]`` of ``pyproject.toml``: TOML lists (nbdev adds the list's items to a
  set, so a plain string would add its characters, not the key) and booleans (tested for truth);
* nbdev 2, ``[DEFAULT]`` of ``settings.ini``: space-separated words, booleans as ``True``/``False``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["HISTORY_KEY", "NbdevSettings", "from_ini", "from_pyproject"]

#: the metadata key llmdev keeps its history under, in the notebook and in each cell
HISTORY_KEY = "jupyter_llmdev"

_KEY_SETTINGS = ("allowed_metadata_keys", "allowed_cell_metadata_keys")
_TRUE = {"y", "yes", "t", "true", "on", "1"}
_FALSE = {"n", "no", "f", "false", "off", "0", ""}


@dataclass(frozen=True)
class NbdevSettings:
    """What nbdev reads from a project's settings file, as far as export cares."""

    #: ``pyproject.toml`` (nbdev 3) or ``settings.ini`` (nbdev 2)
    file: Path
    recursive: bool = True
    clear_all: bool = False
    #: the setting -> (its keys as nbdev reads them, or None when unset; the keys as written)
    keys: tuple[tuple[str, tuple[str, ...] | None, tuple[str, ...]], ...] = ()

    @property
    def is_ini(self) -> bool:
        return self.file.name == "settings.ini"

    @property
    def section(self) -> str:
        """Where the settings go in the file."""
        return "[DEFAULT]" if self.is_ini else "[tool.nbdev]"

    def fixes(self) -> list[tuple[str, str]]:
        """(``add`` or ``change``, the line) for every setting that drops llmdev's history."""
        found: list[tuple[str, str]] = []
        for name, read, written in self.keys:
            if read is not None and HISTORY_KEY in read:
                continue
            values = list(dict.fromkeys([*written, HISTORY_KEY]))
            found.append(("add" if read is None else "change", f"{name} = {self._list(values)}"))
        if self.clear_all:
            found.append(("change", "clear_all = False" if self.is_ini else "clear_all = false"))
        return found

    def _list(self, values: list[str]) -> str:
        return " ".join(values) if self.is_ini else json.dumps(values)


def from_pyproject(file: Path, table: Mapping[str, Any]) -> NbdevSettings:
    """The settings of ``[tool.nbdev]`` (``table``) in ``file``, read as nbdev 3 reads them."""
    keys = []
    for name in _KEY_SETTINGS:
        value = table.get(name)
        if value is None:
            keys.append((name, None, ()))
        elif isinstance(value, list):
            words = tuple(item for item in value if isinstance(item, str))
            keys.append((name, words, words))
        elif isinstance(value, str):  # nbdev adds its characters: the key is not kept
            keys.append((name, tuple(value), tuple(value.split())))
        else:
            keys.append((name, (), ()))
    return NbdevSettings(file, bool(table.get("recursive", True)), bool(table.get("clear_all", False)),
                         tuple(keys))


def from_ini(file: Path, section: Mapping[str, str]) -> NbdevSettings:
    """The settings of ``[DEFAULT]`` (``section``) of ``file``, read as nbdev 2 reads them."""
    keys = []
    for name in _KEY_SETTINGS:
        value = section.get(name)
        words = tuple(value.split()) if value is not None else None
        keys.append((name, words, words or ()))
    return NbdevSettings(file, _ini_bool(section.get("recursive"), True),
                         _ini_bool(section.get("clear_all"), False), tuple(keys))


def _ini_bool(value: str | None, default: bool) -> bool:
    """fastcore's ``str2bool``, which nbdev 2 applies; an unreadable word keeps the default."""
    if value is None:
        return default
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    return default
