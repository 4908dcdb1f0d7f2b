"""Where a request goes and with which key: base URL, API key lookup, cached ``openai`` clients.

``openai`` is imported here, inside functions, on the first request only. Credentials written
into ``base_url`` (``https://user:password@host/v1``) are taken out of the URL the HTTP client
sees and sent as the same ``Authorization: Basic`` header it would have made of them, so the
password never appears in a URL that the HTTP library logs or puts in an exception.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import threading
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ..errors import AuthenticationFailed
from .connection import is_local
from .types import Endpoint

if TYPE_CHECKING:
    import asyncio

    from openai import AsyncOpenAI

__all__ = [
    "DEFAULT_BASE_URL",
    "KEY_PLACE",
    "PLACEHOLDER_KEY",
    "async_openai",
    "open_async_openai",
    "is_loopback",
    "resolve_api_key",
    "resolve_base_url",
    "safe_url",
    "split_credentials",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"
#: sent to local servers when no key is set; they ignore it, the openai client needs one
PLACEHOLDER_KEY = "sk-no-key-required"

_lock = threading.Lock()
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Any]]
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


def split_credentials(url: str) -> tuple[str, dict[str, str]]:
    """``url`` without its userinfo, and the ``Authorization: Basic`` header made of it.

    Other parts of the URL (a query included) are left as written.
    """
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, {}
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    netloc = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=netloc)), {"Authorization": f"Basic {token}"}


#: where a key must be set: the process that sends the request differs by front end
KEY_PLACE = ("in the environment of the process that sends the request (this terminal for llmdev; "
             "the Jupyter server for the panel; the kernel for %llm)")


def resolve_api_key(endpoint: Endpoint, base_url: str, environ: Mapping[str, str]) -> str:
    """The key from ``environ[endpoint.api_key_env]``, read now (never cached in config).

    Providers configured with ``api_key_env = ""`` and servers on this machine or the local
    network (:func:`~.connection.is_local`: llama.cpp, Ollama, vLLM need no key) get a
    placeholder when no key is set; anything else raises :class:`AuthenticationFailed` naming
    the variable, where to set it, and how a server that needs no key is used.
    """
    if not endpoint.api_key_env:
        # the provider is configured with api_key_env = "": a server that needs no key
        return PLACEHOLDER_KEY
    key = environ.get(endpoint.api_key_env, "").strip()
    if key:
        return key
    if is_local(base_url):
        return PLACEHOLDER_KEY
    env = endpoint.api_key_env
    local = "servers on this machine or network (localhost, 10.x, 172.16-31.x, 192.168.x) need none"
    if base_url == environ.get("OPENAI_BASE_URL"):
        no_key = f"If {safe_url(base_url)} (OPENAI_BASE_URL) needs no key, set {env} to any value; {local}."
    elif endpoint.base_url:
        no_key = (f"If {safe_url(base_url)} needs no key, set api_key_env = \"\" for provider "
                  f"{endpoint.provider}; {local}.")
    else:
        no_key = ("For a local server instead (llama.cpp, Ollama, vLLM), set OPENAI_BASE_URL to its URL: "
                  "one on this machine or network needs no key.")
    raise AuthenticationFailed(
        f"No API key for {endpoint.describe()}: the environment variable {env} is not set.",
        hint=f"Set {env} {KEY_PLACE}. {no_key}",
    )


def _cache_key(base_url: str, api_key: str) -> str:
    # a digest, so that the cache never holds the key or URL credentials as visible values
    return hashlib.sha256(f"{base_url}\0{api_key}".encode()).hexdigest()


async def open_async_openai(base_url: str, api_key: str) -> AsyncOpenAI:
    """:func:`async_openai` for the running loop, built in a worker thread the first time:
    constructing one (its HTTP client, an SSL context) takes 30-60 ms, which on a Jupyter
    server's loop holds up every other request."""
    import asyncio

    loop = asyncio.get_running_loop()
    found = _async_clients.get(loop, {}).get(_cache_key(base_url, api_key))
    if found is not None:
        return found
    return await asyncio.to_thread(async_openai, base_url, api_key, loop=loop)


def async_openai(base_url: str, api_key: str, *, loop: Any = None) -> AsyncOpenAI:
    """A cached ``openai.AsyncOpenAI`` for (running loop, base_url, key); no automatic retries
    (we do our own) and no client-wide timeout (each request passes its own).

    Async connections belong to one event loop, so each loop gets its own clients; they go
    when the loop is garbage-collected. The synchronous client runs on one background loop
    (:mod:`.bridge`), so its clients, and their connections, are reused too.
    """
    import asyncio

    loop = loop or asyncio.get_running_loop()
    key = _cache_key(base_url, api_key)
    clients = _async_clients.get(loop)
    client = clients.get(key) if clients is not None else None
    if client is None:
        from openai import AsyncOpenAI

        with _lock:
            clients = _async_clients.setdefault(loop, {})
            client = clients.get(key)
            if client is None:
                url, headers = split_credentials(base_url)
                client = AsyncOpenAI(
                    api_key=api_key, base_url=url, default_headers=headers or None,
                    max_retries=0,
                )
                clients[key] = client
    return client
