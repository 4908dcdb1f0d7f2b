"""Where a request goes and with which key: base URL, API key lookup, cached ``openai`` clients.

``openai`` is imported here, inside functions, on the first request only.
"""

from __future__ import annotations

import hashlib
import ipaddress
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import AuthenticationFailed
from .types import Endpoint

if TYPE_CHECKING:
    import asyncio

    from openai import AsyncOpenAI, OpenAI

__all__ = [
    "DEFAULT_BASE_URL",
    "PLACEHOLDER_KEY",
    "async_openai",
    "is_loopback",
    "resolve_api_key",
    "resolve_base_url",
    "safe_url",
    "sync_openai",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: sent to local servers when no key is set; they ignore it, the openai client needs one
PLACEHOLDER_KEY = "sk-no-key-required"

_lock = threading.Lock()
_sync_clients: dict[tuple[str, str], Any] = {}
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], Any]]
_async_clients = weakref.WeakKeyDictionary()


def resolve_base_url(endpoint: Endpoint, environ: Mapping[str, str]) -> str:
    """The endpoint's base URL, else ``OPENAI_BASE_URL``, else api.openai.com."""
    return endpoint.base_url or environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL


def is_loopback(url: str) -> bool:
    """True when ``url`` points at this machine (localhost, 127.0.0.0/8, ::1)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "0.0.0.0") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def safe_url(url: str) -> str:
    """``url`` without user, password, query or fragment: fit for messages and logs."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def resolve_api_key(endpoint: Endpoint, base_url: str, environ: Mapping[str, str]) -> str:
    """The key from ``environ[endpoint.api_key_env]``, read now (never cached in config).

    Providers configured with ``api_key_env = ""`` and local servers get a placeholder when no
    key is set; anything else raises
    :class:`AuthenticationFailed` naming the variable to set.
    """
    if not endpoint.api_key_env:
        # the provider is configured with api_key_env = "": a server that needs no key
        return PLACEHOLDER_KEY
    key = environ.get(endpoint.api_key_env, "").strip()
    if key:
        return key
    if is_loopback(base_url):
        return PLACEHOLDER_KEY
    raise AuthenticationFailed(
        f"No API key for {endpoint.describe()}: the environment variable "
        f"{endpoint.api_key_env} is not set.",
        hint=f"Set {endpoint.api_key_env} where the kernel or server runs "
        "(or point the provider's api_key_env at another variable).",
    )


def _cache_key(base_url: str, api_key: str) -> tuple[str, str]:
    # a digest, so that the cache never holds the key itself as a visible value
    return base_url, hashlib.sha256(api_key.encode()).hexdigest()


def sync_openai(base_url: str, api_key: str, timeout: float) -> OpenAI:
    """A cached ``openai.OpenAI`` for (base_url, key); no automatic retries (we do our own)."""
    key = _cache_key(base_url, api_key)
    client = _sync_clients.get(key)
    if client is None:
        from openai import OpenAI

        with _lock:
            client = _sync_clients.get(key)
            if client is None:
                client = OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)
                _sync_clients[key] = client
    return client


def async_openai(base_url: str, api_key: str, timeout: float) -> AsyncOpenAI:
    """A cached ``openai.AsyncOpenAI`` for (running loop, base_url, key).

    Async connections belong to one event loop, so each loop gets its own clients; they go
    when the loop is garbage-collected.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    key = _cache_key(base_url, api_key)
    clients = _async_clients.get(loop)
    client = clients.get(key) if clients is not None else None
    if client is None:
        from openai import AsyncOpenAI

        with _lock:
            clients = _async_clients.setdefault(loop, {})
            client = clients.get(key)
            if client is None:
                client = AsyncOpenAI(
                    api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0
                )
                clients[key] = client
    return client
