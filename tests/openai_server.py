"""An OpenAI-compatible chat-completions server on 127.0.0.1 for tests, benchmarks and trials.

It speaks the wire format of api.openai.com (SSE ``data: {...}`` chunks over chunked HTTP/1.1,
``data: [DONE]``, ``{"error": {...}}`` bodies) and can be told, reply by reply, to misbehave::

    server = OpenAIServer().start()
    server.script(Reply(fault="429", retry_after=1), Reply(text="print(1)"))
    client = OpenAI(base_url=server.base_url, api_key="sk-test")
    ...
    server.stop()

It can also play llama.cpp's server: ``Reply(delay_first=60, ping_every=15)`` is a request
waiting in its queue (``: ping`` SSE comments, no tokens), ``OpenAIServer(n_ctx=4096)`` answers
``GET /props`` and sends an empty 200 stream for a prompt longer than that, and
``model_info={"m": {"max_model_len": 8192}}`` adds fields to ``GET /v1/models`` like vLLM's.

Standalone (any process can then use it through ``OPENAI_BASE_URL``)::

    python tests/openai_server.py --port 8765 --reply "Hello"

Only the standard library is used (the replies: openai_script.py; the wire format: openai_wire.py),
so benchmarks and subprocesses can import it too.
"""

from __future__ import annotations

import argparse
import collections
import json
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Literal

from openai_script import AUTO, FAULTS, RecordedRequest, Reply
from openai_wire import (
    ERROR_FAULTS,
    SSE_DONE,
    SSE_PING,
    completion_body,
    error_body,
    fault_error,
    models_body,
    prompt_tokens,
    props_body,
    sse_event,
    stream_events,
)

__all__ = ["AUTO", "FAULTS", "OpenAIServer", "RecordedRequest", "Reply", "serve_until_interrupted"]


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
        path = self.path.split("?")[0].rstrip("/")
        if owner.get_status is not None:
            self._send_json(owner.get_status, error_body("GET is broken here", "server_error"))
        elif path == "/v1/models":
            self._send_json(200, models_body(owner.models, owner.model_info))
        elif path == "/props" and owner.n_ctx is not None and owner.props != "none":
            self._send_json(200, props_body(owner.n_ctx, owner.props))
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
        if fault in ("drop", "reset"):
            self._hang_up(reset=fault == "reset")
            return
        streaming = bool(request.get("stream")) if reply.stream is None else reply.stream
        owner = self.server.owner
        if streaming and owner.n_ctx is not None and prompt_tokens(request) > owner.n_ctx:
            self._stream_headers()  # llama.cpp's answer to a prompt over its context: nothing
            self.wfile.write(SSE_DONE)
        elif streaming:
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

    def _stream_headers(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        self.send_header("x-request-id", f"req_test{len(self.server.owner.requests)}")
        self.end_headers()

    def _stream(self, reply: Reply, request: dict, model: str) -> None:
        self._stream_headers()
        events = stream_events(reply, request, model, self.headers.get("authorization") or "")
        try:
            if self._wait(reply, reply.delay_first):
                self._abort()
                return
            self._send_events(reply, events)
        except (BrokenPipeError, ConnectionResetError):
            # the client hung up mid-stream (cancel, timeout, cap)
            self.close_connection = True
            self.server.owner._count_disconnect()

    def _wait(self, reply: Reply, seconds: float) -> bool:
        """Wait ``seconds``, sending ``: ping`` comments if the reply says so; True: stopping."""
        stopping = self.server.owner._stopping
        if not reply.ping_every:
            return bool(seconds) and stopping.wait(seconds)
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            if stopping.wait(min(left, reply.ping_every)):
                return True
            if end - time.monotonic() > 0:
                self.wfile.write(SSE_PING)
        return False

    def _send_events(self, reply: Reply, events: list[tuple[str, str]]) -> None:
        content = 0
        for number, (kind, data) in enumerate(events):
            if number and reply.delay_between and self._wait(reply, reply.delay_between):
                self._abort()
                return
            if kind == "cut":
                self._abort()
                return
            self.wfile.write(sse_event(data))
            if kind == "content":
                content += 1
                if content == reply.pause_after and self._wait(reply, reply.pause):
                    self._abort()
                    return
        self.wfile.write(SSE_DONE)

    def _hang_up(self, *, reset: bool) -> None:
        """Close the connection without answering: a FIN, or with ``reset`` a TCP RST."""
        self.close_connection = True
        if reset:
            # linger 0: close() discards the socket at once and sends RST instead of FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

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

    def __init__(self, port: int = 0, *, models: list[str] | None = None,
                 model_info: dict[str, dict[str, Any]] | None = None, n_ctx: int | None = None,
                 props: Literal["new", "old", "none"] = "new") -> None:
        self.port = port
        #: ids listed by GET /v1/models
        self.models = list(models or ["test-model"])
        #: extra fields of GET /v1/models entries by id (``max_model_len``, ``context_length``)
        self.model_info = dict(model_info or {})
        #: llama.cpp's context size: served by GET /props (unless ``props`` is "none"), and a
        #: longer prompt gets an empty 200 stream
        self.n_ctx = n_ctx
        self.props = props
        #: answer every GET with this error status (discovery failing); None: serve them
        self.get_status: int | None = None
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
