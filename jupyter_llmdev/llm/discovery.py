"""What a server says about itself: its models and their context windows, asked once per process.

``GET {base_url}/models`` lists model ids; some servers add the context window to each entry
(vLLM ``max_model_len``, OpenRouter and Together ``context_length``, Groq ``context_window``,
Mistral and LM Studio ``max_context_length``). llama.cpp's server answers ``GET /props`` (at the
server root, next to ``/v1``) with ``n_ctx``, under ``default_generation_settings`` in newer
builds. Both are asked at once with a short timeout; any failure, odd answer or silence just
means "unknown" and the request is sent unchecked. Results are cached per (endpoint, model) for
the life of the process, failures too, so a server is asked at most once.

Everything here is untrusted server output: numbers are range-checked, ids are bounded in
number and length before they reach a message (made printable there).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..safety.terminal import printable
from .window import Window

__all__ = ["DISCOVERY_TIMEOUT", "ServerFacts", "cached", "discover", "forget", "models_hint"]

#: seconds for both discovery requests together
DISCOVERY_TIMEOUT = 3.0
#: model ids kept from a listing (the count of all is kept too)
_MAX_IDS = 50
#: model ids named in a message, and the longest id shown whole
_SHOWN_IDS = 8
_ID_CHARS = 60
#: plausible context windows, in tokens
_MIN_WINDOW, _MAX_WINDOW = 256, 100_000_000
#: fields of a /models entry that hold the context window, in the order they are trusted
_MODEL_FIELDS = ("max_model_len", "context_length", "context_window", "max_context_length")


@dataclass(frozen=True)
class ServerFacts:
    """What discovery learned about one model at one endpoint (None: unknown)."""

    window: Window | None = None
    #: the first listed model ids (None: the listing failed)
    models: tuple[str, ...] | None = None
    #: how many ids the listing had
    model_count: int = 0


_cache: dict[tuple[str, str], ServerFacts] = {}
#: discoveries under way, per (event loop, base_url, model)
_inflight: dict[tuple[Any, str, str], "asyncio.Task[ServerFacts]"] = {}
_lock = threading.Lock()


def cached(base_url: str, model: str) -> ServerFacts | None:
    """The facts learned earlier in this process, if any."""
    with _lock:
        return _cache.get((base_url, model))


def forget() -> None:
    """Drop every cached fact (a server was reconfigured; tests)."""
    with _lock:
        _cache.clear()


async def discover(client: Any, base_url: str, model: str) -> ServerFacts:
    """Ask the server (an ``openai.AsyncOpenAI`` ``client`` for ``base_url``) once; cached.

    ``base_url`` is the URL without credentials (the client sends those). Never raises.
    """
    known = cached(base_url, model)
    if known is not None:
        return known
    # requests that start together (many panel streams) share one discovery, not one each
    loop = asyncio.get_running_loop()
    key = (loop, base_url, model)
    pending = _inflight.get(key)
    if pending is None:
        pending = loop.create_task(_ask_server(client, base_url, model))
        _inflight[key] = pending
        pending.add_done_callback(lambda _: _inflight.pop(key, None))
    # shielded: a cancelled request does not cancel the discovery the others wait for
    return await asyncio.shield(pending)


async def _ask_server(client: Any, base_url: str, model: str) -> ServerFacts:
    listing, props = await asyncio.gather(
        _get(client, "models"), _get(client, _props_url(base_url)),
    )
    window = _window_from_models(listing, model) or _window_from_props(props)
    ids = _ids(listing)
    facts = ServerFacts(
        window=window,
        models=tuple(ids[:_MAX_IDS]) if ids is not None else None,
        model_count=len(ids) if ids is not None else 0,
    )
    with _lock:
        _cache[(base_url, model)] = facts
    return facts


async def _get(client: Any, path: str) -> Any:
    """The JSON at ``path`` (relative to the base URL, or absolute), or None on any failure."""
    try:
        return await asyncio.wait_for(
            client.get(path, cast_to=object, options={"timeout": DISCOVERY_TIMEOUT,
                                                      "max_retries": 0}),
            DISCOVERY_TIMEOUT,
        )
    except asyncio.CancelledError:
        raise
    except Exception:  # noqa: BLE001 - discovery is best effort: unknown means "send unchecked"
        return None


def _props_url(base_url: str) -> str:
    """llama.cpp's ``/props``: at the server root, beside ``/v1``."""
    root = base_url.rstrip("/")
    if root.endswith("/v1"):
        root = root[: -len("/v1")]
    return f"{root}/props"


def _tokens(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if value != value or not _MIN_WINDOW <= value <= _MAX_WINDOW:
        return None
    return int(value)


def _entries(listing: Any) -> list[Mapping[str, Any]]:
    data = listing.get("data") if isinstance(listing, Mapping) else None
    if not isinstance(data, list):
        return []
    return [entry for entry in data if isinstance(entry, Mapping)]


def _ids(listing: Any) -> list[str] | None:
    entries = _entries(listing)
    if not entries and not (isinstance(listing, Mapping) and isinstance(listing.get("data"), list)):
        return None
    return [entry["id"] for entry in entries if isinstance(entry.get("id"), str)]


def _window_from_models(listing: Any, model: str) -> Window | None:
    entries = _entries(listing)
    entry = next((e for e in entries if e.get("id") == model), None)
    if entry is None and len(entries) == 1:
        entry = entries[0]  # a single-model server (llama.cpp) answers to any model name
    if entry is None:
        return None
    for name in _MODEL_FIELDS:
        tokens = _tokens(entry.get(name))
        if tokens is not None:
            return Window(tokens, f"{name} in GET /v1/models")
    provider = entry.get("top_provider")
    if isinstance(provider, Mapping) and (tokens := _tokens(provider.get("context_length"))):
        return Window(tokens, "top_provider.context_length in GET /v1/models")
    return None


def _window_from_props(props: Any) -> Window | None:
    if not isinstance(props, Mapping):
        return None
    settings = props.get("default_generation_settings")
    if isinstance(settings, Mapping) and (tokens := _tokens(settings.get("n_ctx"))):
        return Window(tokens, "n_ctx in GET /props")
    tokens = _tokens(props.get("n_ctx"))
    return Window(tokens, "n_ctx in GET /props") if tokens else None


def models_hint(provider: str, facts: ServerFacts | None) -> str:
    """The hint of an unknown model: the server's own model ids (a few, bounded, printable)."""
    if facts is None or not facts.models:
        return "Check the model name (the `config` command shows it) or set another model for this role."
    shown = []
    for model_id in facts.models[:_SHOWN_IDS]:
        clipped = model_id if len(model_id) <= _ID_CHARS else model_id[: _ID_CHARS - 3] + "..."
        shown.append(printable(clipped, keep_newlines=False))
    more = facts.model_count - len(shown)
    listed = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
    return f"{provider} serves: {listed}. Set one of these for this role (the `config` command shows it)."
