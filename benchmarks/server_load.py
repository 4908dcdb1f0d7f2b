"""Does a busy LLM panel slow Jupyter down? 50 concurrent chat streams while timing GET /api/status.

Starts the loopback OpenAI-compatible test server (slow streamed replies) and a real
``jupyter server`` with jupyter-llmdev's extension, opens ``--streams`` panel websockets that
each run one ``ask``, and meanwhile a separate thread times ``GET /api/status`` over one
keep-alive connection. The same probe runs first on the idle server as a baseline. Under load
the probe runs in a process of its own (``--probe-thread``: in a thread of this busy process,
as the first measurements did). Prints
p50/p99 of both (goal: p99 < 50 ms under load) and exits non-zero when a stream failed.

    python benchmarks/server_load.py [--streams 50] [--chunks 200] [--delay 0.01]
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from openai_server import OpenAIServer, Reply  # noqa: E402

from jupyter_llmdev import PROTOCOL_VERSION  # noqa: E402

GOAL_P99_MS = 50.0
REPLY = "```python\n" + "".join(f"value_{n} = {n} * 2\n" for n in range(400)) + "```\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(base: Path, llm: OpenAIServer) -> tuple[subprocess.Popen[bytes], int, str]:
    """A ``jupyter server`` with the extension, its model requests going to ``llm``."""
    port, token = free_port(), secrets.token_hex(16)
    (base / "root").mkdir()
    env = dict(os.environ, OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY="bench", LLMDEV_MODEL="bench-model",
               JUPYTER_CONFIG_DIR=str(base / "config"), JUPYTER_RUNTIME_DIR=str(base / "runtime"),
               JUPYTER_PLATFORM_DIRS="1")
    command = [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={base / 'root'}",
               "--ServerApp.jpserver_extensions=jupyter_llmdev=True", "--ServerApp.log_level=WARN"]
    log = (base / "server.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            status_once(port, token, http.client.HTTPConnection("127.0.0.1", port, timeout=5))
            return process, port, token
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"jupyter server did not start; see {base / 'server.log'}")


def status_once(port: int, token: str, connection: http.client.HTTPConnection) -> float:
    """Milliseconds for one ``GET /api/status`` on a kept-alive connection."""
    start = time.perf_counter()
    connection.request("GET", "/api/status", headers={"Authorization": f"token {token}"})
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise OSError(f"/api/status answered {response.status}")
    return (time.perf_counter() - start) * 1000


class StatusProbe(threading.Thread):
    """Times ``GET /api/status`` every ``interval`` seconds until stopped."""

    def __init__(self, port: int, token: str, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.port, self.token, self.interval = port, token, interval
        self.samples: list[float] = []
        #: seconds since the probe started, for each sample (where the slow ones fall)
        self.offsets: list[float] = []
        self.halt = threading.Event()

    def run(self) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        began = time.perf_counter()
        while not self.halt.is_set():
            self.offsets.append(time.perf_counter() - began)
            self.samples.append(status_once(self.port, self.token, connection))
            self.halt.wait(self.interval)
        connection.close()


class ProbeProcess:
    """:class:`StatusProbe` in a process of its own: the 50 websocket clients and the loopback
    model server of this process then cannot delay the probe (they share one GIL with it)."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.samples: list[float] = []
        self.offsets: list[float] = []
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen([sys.executable, __file__, "--probe", str(self.port), self.token],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.process.stdout.readline()  # "ready"

    def stop(self) -> None:
        assert self.process is not None
        out, _ = self.process.communicate("stop\n", timeout=60)
        found = json.loads(out.strip().splitlines()[-1])
        self.samples, self.offsets = found["samples"], found["offsets"]


def probe_main(port: int, token: str) -> int:
    """The probe process: times /api/status until a line arrives on stdin, then prints JSON."""
    probe = StatusProbe(port, token)
    probe.start()
    print("ready", flush=True)
    sys.stdin.readline()
    probe.halt.set()
    probe.join()
    print(json.dumps({"samples": probe.samples, "offsets": probe.offsets}))
    return 0


async def one_stream(port: int, token: str, number: int) -> tuple[int, str]:
    """Run one ``ask`` on its own websocket; returns (deltas received, final message type)."""
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    request = HTTPRequest(f"ws://127.0.0.1:{port}/jupyter-llmdev/chat",
                          headers={"Authorization": f"token {token}"})
    ws = await websocket_connect(request)
    snapshot = {"path": None, "active_cell_id": "a",
                "cells": [{"id": "a", "cell_type": "code", "source": f"x = {number}", "outputs": ""}]}
    await ws.write_message(json.dumps({
        "type": "request", "id": f"s{number}", "protocol_version": PROTOCOL_VERSION,
        "line": "write the values", "snapshot": snapshot, "target_cell_id": "a", "model": None,
    }))
    deltas = 0
    while True:
        raw = await ws.read_message()
        if raw is None:
            return deltas, "closed"
        message = json.loads(raw)
        if message["type"] == "delta":
            deltas += 1
        elif message["type"] in ("done", "error"):
            ws.close()
            return deltas, message["type"] if message["type"] == "done" else message["code"]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered), p99, ordered[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--chunks", type=int, default=200, help="SSE chunks per reply")
    parser.add_argument("--delay", type=float, default=0.01, help="seconds between chunks")
    parser.add_argument("--probe-thread", action="store_true",
                        help="time /api/status from a thread of this process (the first measurements "
                             "did; this process's own load then adds to the figures)")
    parser.add_argument("--probe", nargs=2, metavar=("PORT", "TOKEN"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        return probe_main(int(args.probe[0]), args.probe[1])

    chunk_size = max(1, len(REPLY) // args.chunks)
    llm = OpenAIServer().start()
    llm.responder = lambda request: Reply(text=REPLY, chunk_size=chunk_size, delay_between=args.delay)
    with tempfile.TemporaryDirectory() as folder:
        process, port, token = start_server(Path(folder), llm)
        try:
            idle = StatusProbe(port, token)
            idle.start()
            time.sleep(2.0)
            idle.halt.set()
            idle.join()

            busy: StatusProbe | ProbeProcess = (StatusProbe(port, token) if args.probe_thread
                                                else ProbeProcess(port, token))
            busy.start()
            started = time.perf_counter()

            async def all_streams() -> list[tuple[int, str]]:
                return await asyncio.gather(*(one_stream(port, token, n) for n in range(args.streams)))

            results = asyncio.run(all_streams())
            elapsed = time.perf_counter() - started
            if isinstance(busy, StatusProbe):
                busy.halt.set()
                busy.join()
            else:
                busy.stop()
        finally:
            process.terminate()
            process.wait(timeout=15)
            llm.stop()

    done = sum(1 for _, outcome in results if outcome == "done")
    deltas = sum(count for count, _ in results)
    idle_p50, idle_p99, _ = percentiles(idle.samples)
    p50, p99, worst = percentiles(busy.samples)
    print(f"streams: {done}/{args.streams} done, {deltas} deltas in {elapsed:.1f} s "
          f"({len(REPLY)} chars per reply in {args.chunks} chunks, {args.delay * 1000:.0f} ms apart)")
    print(f"GET /api/status idle: p50 {idle_p50:.1f} ms, p99 {idle_p99:.1f} ms ({len(idle.samples)} requests)")
    print(f"GET /api/status busy: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms "
          f"({len(busy.samples)} requests)")
    slowest = sorted(zip(busy.samples, busy.offsets), reverse=True)[:5]
    print("slowest busy probes: " + ", ".join(f"{ms:.0f} ms at {at:.1f} s" for ms, at in slowest))
    print(f"goal p99 < {GOAL_P99_MS:.0f} ms under load: {'met' if p99 < GOAL_P99_MS else 'NOT met'}")
    failures = [outcome for _, outcome in results if outcome != "done"]
    if failures:
        print(f"failed streams: {failures[:10]}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
