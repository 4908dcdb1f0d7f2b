"""An OpenAI-compatible chat-completions server on 127.0.0.1 for tests, benchmarks and trials.

It speaks the wire format of api.openai.com (SSE ``data: {...}`` chunks over chunked HTTP/1.1,
``data: [DONE]``, ``{"error": {...}}`` bodies) and can be told, reply by reply, to misbehave::

    server = OpenAIServer().start()
    server.script(Reply(fault="429", retry_after=1), Reply(text="print(1)"))
    client = OpenAI(base_url=server.base_url, api_key="sk-test")
    ...
    server.stop()

Standalone (any process can then use it through ``OPENAI_BASE_URL``)::

    python tests/openai_server.py --port 8765 --reply "Hello"

Only the standard library is used (the wire format itself: openai_wire.py, next to this file),
so benchmarks and subprocesses can import it too.
"""

from __future__ import annotations

import argparse
import collections
import json
import socket
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Literal, Union, get_args

from openai_wire import (
    ERROR_FAULTS,
    SSE_DONE,
    completion_body,
    error_body,
    fault_error,
    sse_event,
    stream_events,
)

__all__ = ["FAULTS", "OpenAIServer", "RecordedRequest", "Reply"]

Fault = Literal["429", "500", "503", "timeout", "cut", "malformed", "empty",
                "400", "400_context", "401", "404_model"]
#: every value ``Reply.fault`` accepts
FAULTS: tuple[str, ...] = get_args(Fault)

#: ``Reply.usage`` default: count tokens as ceil(chars / 4) of the prompt and the reply
AUTO = "auto"


@dataclass
class Reply:
    """What the server answers to one chat-completions request."""

    text: str = "Hello from the test server."
    #: the content pieces, one per SSE chunk; default: ``text`` cut every ``chunk_size`` chars
    chunks: list[str] | None = None
    chunk_size: int = 16
    #: model name in the chunks; default: the requested model
    model: str | None = None
    finish_reason: str | None = "stop"
    #: ``"auto"``, an explicit usage dict, or ``None`` for no usage chunk at all
    usage: Union[dict[str, Any], str, None] = AUTO
    #: with usage ``"auto"``: report ``prompt_tokens_details.cached_tokens``
    cached_tokens: int | None = None
    #: ``None``: answer as the request asks; ``False``: plain JSON even to ``stream=True``
    stream: bool | None = None
    #: first chunk is ``{"role": "assistant"}`` without a ``content`` key
    role_chunk_without_content: bool = False
    #: an ``{"content": ""}`` chunk between every two content chunks
    empty_content_chunk: bool = False
    #: seconds after the headers before the first chunk
    delay_first: float = 0.0
    #: seconds between chunks
    delay_between: float = 0.0
    #: after this many content chunks, wait ``pause`` seconds once (a stall mid-reply)
    pause_after: int | None = None
    pause: float = 0.0
    fault: Fault | None = None
    #: with fault "429": the ``retry-after`` header (seconds)
    retry_after: float | None = None
    #: with "cut" / "malformed": content chunks sent before the fault
    fault_after: int = 1
    #: with "timeout": the longest the server keeps the request open (stop() ends it sooner)
    hang: float = 30.0
    #: error faults: override OpenAI's message / code / param
    error_message: str | None = None
    error_code: str | None = None
    error_param: str | None = None

    def __post_init__(self) -> None:
        if self.fault is not None and self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}; use one of {FAULTS}")

    def pieces(self) -> list[str]:
        """The content pieces this reply streams."""
        if self.chunks is not None:
            return list(self.chunks)
        size = max(1, self.chunk_size)
        return [self.text[i : i + size] for i in range(0, len(self.text), size)]


@dataclass
class RecordedRequest:
    """One request as the server saw it; the API key itself is never kept."""

    method: str
    path: str
    #: lower-case header names; ``authorization`` is removed (see ``auth_present``/``key_tail``)
    headers: dict[str, str]
    body: Any
    auth_present: bool = False
    #: last 4 characters of the bearer token, for asserting which key was sent
    key_tail: str | None = None


class _Handler(BaseHTTPRequestHandler):
    """Serves /v1/chat/completions and /v1/models; one instance per connection."""

    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    #: idle keep-alive connections are dropped after this many seconds
    timeout = 30

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        self.server.owner._track(self.connection, add=False)
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return  # quiet: tests read server.requests instead

    # -- routing --------------------------------------------------------------------------

    def do_GET(self) -> None:
        owner = self.server.owner
        self._record(None)
        if self.path.split("?")[0].rstrip("/") == "/v1/models":
            data = [{"id": m, "object": "model", "created": 1700000000, "owned_by": "test"}
                    for m in owner.models]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_json(404, error_body(f"Invalid URL (GET {self.path})", "invalid_request_error"))

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self._record(body)
        if self.path.split("?")[0].rstrip("/") != "/v1/chat/completions":
            self._send_json(404, error_body(f"Invalid URL (POST {self.path})", "invalid_request_error"))
            return
        if not isinstance(body, dict):
            self._send_json(400, error_body("We could not parse the JSON body of your request.",
                                            "invalid_request_error"))
            return
        self._answer(self.server.owner._next_reply(body), body)

    def _record(self, body: Any) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        auth = headers.pop("authorization", None)
        tail = auth[-4:] if auth and len(auth) > len("Bearer ") + 4 else None
        self.server.owner.requests.append(RecordedRequest(
            method=self.command, path=self.path, headers=headers, body=body,
            auth_present=auth is not None, key_tail=tail,
        ))

    # -- answers --------------------------------------------------------------------------

    def _answer(self, reply: Reply, request: dict) -> None:
        model = reply.model or str(request.get("model") or "test-model")
        fault = reply.fault
        if fault == "timeout":
            self.server.owner._stopping.wait(reply.hang)
            self.close_connection = True
            return
        if fault in ERROR_FAULTS:
            self._send_error(fault, reply, model)
            return
        streaming = bool(request.get("stream")) if reply.stream is None else reply.stream
        if streaming:
            self._stream(reply, request, model)
        else:
            self._send_json(200, completion_body(reply, request, model))

    def _send_error(self, fault: str, reply: Reply, model: str) -> None:
        auth = self.headers.get("authorization") or ""
        self._send_json(*fault_error(fault, reply, model, auth))

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("x-request-id", f"req_test{len(self.server.owner.requests)}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Reply, request: dict, model: str) -> None:
        owner = self.server.owner
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.send_header("x-request-id", f"req_test{len(owner.requests)}")
        self.end_headers()
        if reply.delay_first and owner._stopping.wait(reply.delay_first):
            self._abort()
            return
        events = stream_events(reply, request, model)
        try:
            self._send_events(reply, events)
        except (BrokenPipeError, ConnectionResetError):
            # the client hung up mid-stream (cancel, timeout, cap)
            self.close_connection = True
            owner._count_disconnect()

    def _send_events(self, reply: Reply, events: list[tuple[str, str]]) -> None:
        stopping = self.server.owner._stopping
        content = 0
        for number, (kind, data) in enumerate(events):
            if number and reply.delay_between and stopping.wait(reply.delay_between):
                self._abort()
                return
            if kind == "cut":
                self._abort()
                return
            self.wfile.write(sse_event(data))
            if kind == "content":
                content += 1
                if content == reply.pause_after and stopping.wait(reply.pause):
                    self._abort()
                    return
        self.wfile.write(SSE_DONE)

    def _abort(self) -> None:
        """Drop the connection mid-body, as a crashed or restarted server would."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    owner: OpenAIServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (timeouts, cancels, closed streams) are normal here; the rest prints."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)) or self.owner._stopping.is_set():
            return
        super().handle_error(request, client_address)


class OpenAIServer:
    """A scriptable OpenAI-compatible server on 127.0.0.1 (port 0: any free port)."""

    def __init__(self, port: int = 0, *, models: list[str] | None = None) -> None:
        self.port = port
        #: ids listed by GET /v1/models
        self.models = list(models or ["test-model"])
        #: answers requests when the script queue is empty
        self.responder: Callable[[dict], Reply] = lambda request: Reply()
        #: every request received, in order
        self.requests: list[RecordedRequest] = []
        #: streams the client closed before the end (cancelled, timed out, capped)
        self.disconnects = 0
        self._queue: collections.deque[Reply] = collections.deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, what ``OPENAI_BASE_URL`` should be set to."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> OpenAIServer:
        """Bind and serve in a daemon thread; returns self."""
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self.port), _Handler)
        self._httpd.owner = self
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01},
            name=f"openai-test-server:{self.port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and drop every open connection; returns within about a second."""
        self._stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=1.0)

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def script(self, *replies: Reply) -> None:
        """Queue replies; each chat-completions request consumes the next one."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        """Forget queued replies, the responder and the recorded requests."""
        with self._lock:
            self._queue.clear()
        self.responder = lambda request: Reply()
        self.requests.clear()
        self.disconnects = 0

    @property
    def completion_requests(self) -> list[RecordedRequest]:
        """The recorded POSTs to chat/completions."""
        return [r for r in self.requests if r.path.startswith("/v1/chat/completions")]

    def _next_reply(self, request: dict) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return self.responder(request)

    def _count_disconnect(self) -> None:
        with self._lock:
            self.disconnects += 1

    def wait_for_disconnects(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Wait until ``count`` streams were closed by the client; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.disconnects < count:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


def main(argv: list[str] | None = None) -> None:
    """Serve until Ctrl-C, printing the base URL first."""
    parser = argparse.ArgumentParser(description="OpenAI-compatible test server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--reply", default=Reply.text, help="the text of every reply")
    parser.add_argument("--delay-between", type=float, default=0.0, help="seconds between chunks")
    parser.add_argument("--model", action="append", help="a model id for GET /models (repeatable)")
    args = parser.parse_args(argv)
    server = OpenAIServer(args.port, models=args.model)
    server.responder = lambda request: Reply(text=args.reply, delay_between=args.delay_between)
    serve_until_interrupted(server)


def serve_until_interrupted(server: OpenAIServer) -> None:
    """Start ``server``, print its base URL on the first line, serve until Ctrl-C, then stop."""
    server.start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
