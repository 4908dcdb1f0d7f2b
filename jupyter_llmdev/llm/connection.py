"""What became of a connection that failed: never made (refused, unknown host) or lost.

``openai`` raises one ``APIConnectionError`` for all of them; the cause is further down its
exception chain (the HTTP library's error, then the socket's). The words differ (a refused
connection is a server that is not running; a lost one is a server that crashed, restarted, or
a proxy that gave up) and so does the retry policy: a refused connection on this machine or the
local network fails at once, since no retry starts a server (:func:`retry_refused`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["Failure", "failure_of", "host_of", "is_local", "retry_refused", "was_reset"]

#: ``refused``: nothing listens there; ``unknown_host``: the name does not resolve;
#: ``unreachable``: connecting failed otherwise; ``lost``: connected, then closed or reset
Failure = Literal["refused", "unknown_host", "unreachable", "lost"]

#: the HTTP library's errors for "could not connect" (httpx and httpcore, any major version)
_CONNECT_ERRORS = frozenset({"ConnectError", "ConnectTimeout"})

#: private networks that count as local besides loopback and link-local: RFC 1918, and
#: IPv6 unique local addresses (fc00::/7)
_PRIVATE = tuple(ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"))


def _chain(err: BaseException) -> Iterator[BaseException]:
    """``err`` and its causes and contexts, each once (also the members of exception groups)."""
    seen: set[int] = set()
    todo = [err]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        todo.extend(e for e in getattr(current, "exceptions", ()) if isinstance(e, BaseException))


def failure_of(err: BaseException) -> Failure:
    """The kind of connection failure ``err`` (an ``openai.APIConnectionError``) is."""
    chain = list(_chain(err))
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused"
    if any(isinstance(e, socket.gaierror) for e in chain):
        return "unknown_host"
    if any(type(e).__name__ in _CONNECT_ERRORS for e in chain):
        return "unreachable"
    return "lost"


def was_reset(err: BaseException) -> bool:
    """True when the server reset the connection (a TCP RST) rather than closing it."""
    return any(isinstance(e, ConnectionResetError) for e in _chain(err))


def is_local(url: str) -> bool:
    """True when ``url``'s host is this machine or the local network, written as such:
    ``localhost``, 127.0.0.0/8, ::1, 0.0.0.0, link-local, RFC 1918 and IPv6 unique local
    addresses. Other names are not resolved (a name is remote as far as this goes)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in ("localhost", "0.0.0.0") or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if getattr(address, "ipv4_mapped", None) is not None:
        address = address.ipv4_mapped  # type: ignore[union-attr]
    return (address.is_loopback or address.is_link_local or address.is_unspecified
            or any(address in net for net in _PRIVATE if net.version == address.version))


def retry_refused(url: str) -> bool:
    """Whether a refused connection to ``url`` is worth a retry: only for a remote host (a load
    balancer between restarts); on this machine or network nothing listens, and waiting for
    retries would only delay the message that says so."""
    return not is_local(url)


def host_of(url: str) -> str:
    """``host:port`` of ``url`` (its credentials never; ``url`` is a safe URL already)."""
    parts = urlsplit(url)
    host = parts.hostname or url
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port else host
