"""Secrets never reach a message, a status line or a log line of the LLM layer.

A request carries three kinds of secret: the API key, credentials written into ``base_url``
(``https://user:password@host/v1``, sent as HTTP Basic auth), and credential-shaped query
parameters (``?key=...``). A server, a proxy or an exception may echo any of them back,
often transformed: ``Basic dXNlcjpwYXNz`` is ``user:pass`` in base64. :class:`Secrets` knows
the exact values of one request and replaces them, and anything shaped like a credential
(key prefixes, ``Bearer``/``Basic`` tokens, URL userinfo, ``token=`` parameters), by ``***``.

Every pattern is linear: each starts at a literal and, once started, either succeeds by
consuming its run or fails at the first character outside it.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

__all__ = ["MASK", "Secrets", "scrub_text"]

MASK = "***"

#: shorter exact values are not replaced (they would mangle ordinary words)
_MIN_SECRET = 3

#: provider key shapes: sk-..., sk-proj-..., rk-, pk-, gsk_..., xai-...
_KEYLIKE = re.compile(r"\b(?:sk|rk|pk|gsk|xai)[-_][A-Za-z0-9_\-*.]{6,}")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s,;\"']+")
_BASIC = re.compile(r"(?i)\b(basic)\s+([A-Za-z0-9+/_-]{4,}=*)")
#: ``scheme://anything@``: the userinfo of a URL
_USERINFO = re.compile(r"://[^/?#@\s]*@")
#: query or form parameters whose name says they hold a credential
_CREDENTIAL_NAMES = r"(?:api[_-]?key|key|token|access[_-]?token|auth|secret|password|passwd|sig|signature)"
_CREDENTIAL_PARAM = re.compile(r"(?i)\b(" + _CREDENTIAL_NAMES + r"=)[^&\s#\"',;]+")
_CREDENTIAL_NAME = re.compile(r"(?i)" + _CREDENTIAL_NAMES + r"|.*(?:key|token|secret|pass|sig)")


def _basic(match: re.Match[str]) -> str:
    """``Basic ***`` when the token decodes to ``user:password`` (whole or cut short)."""
    token = match.group(2).rstrip("=").replace("-", "+").replace("_", "/")
    token = token[: len(token) - len(token) % 4] if len(token) % 4 == 1 else token
    try:
        decoded = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return f"{match.group(1)} {MASK}" if b":" in decoded else match.group(0)


def scrub_text(text: str) -> str:
    """``text`` with everything credential-shaped replaced (no exact values known)."""
    text = _KEYLIKE.sub(MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _BASIC.sub(_basic, text)
    text = _USERINFO.sub(f"://{MASK}@", text)
    return _CREDENTIAL_PARAM.sub(lambda m: m.group(1) + MASK, text)


def _b64(text: str) -> list[str]:
    encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return [encoded, encoded.rstrip("=")]


@dataclass(frozen=True)
class Secrets:
    """The exact secret values of one request; :meth:`scrub` hides them and credential shapes."""

    #: longest first, so that a value containing another is replaced whole
    values: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def of(cls, base_url: str | None, api_key: str | None) -> Secrets:
        """The key, and every credential in ``base_url``, in the forms they may come back in."""
        found: list[str] = [api_key or ""]
        if base_url:
            found += _url_secrets(base_url)
        unique = {value for value in found if len(value) >= _MIN_SECRET}
        return cls(tuple(sorted(unique, key=len, reverse=True)))

    def scrub(self, text: str) -> str:
        """``text`` without any known secret and without anything credential-shaped."""
        for value in self.values:
            if value in text:
                text = text.replace(value, MASK)
        return scrub_text(text)


def _url_secrets(url: str) -> list[str]:
    """Password, ``user:password`` (plain, percent-decoded, base64) and credential parameters."""
    try:
        parts = urlsplit(url)
        password = parts.password
        username = parts.username or ""
    except ValueError:
        return []
    found: list[str] = []
    if password is not None:
        for user, secret in ((username, password), (unquote(username), unquote(password))):
            pair = f"{user}:{secret}"
            found += [secret, pair, *_b64(pair)]
    for pair in parts.query.split("&"):
        name, _, value = pair.partition("=")
        if value and _CREDENTIAL_NAME.fullmatch(unquote(name)):
            found += [value, unquote(value)]
    return found
