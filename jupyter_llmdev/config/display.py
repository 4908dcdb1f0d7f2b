"""Showing configuration safely: masked keys and URLs, and the ``llmdev config`` table."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .resolved import ResolvedConfig

__all__ = ["format_config_table", "mask_key", "mask_url"]

#: keys shorter than this are shown without their last characters
_SHOW_TAIL_FROM = 16
_SECRET_PARAM = re.compile(r"key|token|secret|passw|sig|auth|cred", re.IGNORECASE)


def mask_key(value: str | None) -> str:
    """``"set (****abcd)"`` (the last 4 characters of a long key only) or ``"not set"``."""
    if not value:
        return "not set"
    if len(value) < _SHOW_TAIL_FROM:
        return "set (****)"
    return f"set (****{value[-4:]})"


def mask_url(url: str | None) -> str:
    """``url`` with any ``user:password@`` and secret-looking query values replaced by ``****``."""
    if not url:
        return ""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "****@" + netloc.rpartition("@")[2]
    query = parts.query
    if query:
        pairs = []
        for pair in query.split("&"):
            name, eq, value = pair.partition("=")
            secret = eq and value and _SECRET_PARAM.search(name)
            pairs.append(f"{name}=****" if secret else pair)
        query = "&".join(pairs)
    shown = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    if "://" not in shown:
        # "user:pass@host/v1" without a scheme does not parse as having a netloc
        shown = re.sub(r"^[^/?#]*@", "****@", shown)
    return shown


def format_config_table(resolved: ResolvedConfig) -> str:
    """The rows of ``resolved.describe()`` as aligned columns: key, value, source."""
    rows = [("key", "value", "source"), *resolved.describe()]
    key_width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    lines = [
        f"{key:<{key_width}}  {value:<{value_width}}  {source}".rstrip()
        for key, value, source in rows
    ]
    lines.insert(1, f"{'-' * key_width}  {'-' * value_width}  {'-' * 6}")
    return "\n".join(lines)
