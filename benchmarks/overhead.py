"""Warm per-call overhead of ``%llm`` over a raw ``openai`` call, and context assembly cost.

All run side by side against the same loopback OpenAI-compatible server
(tests/openai_server.py) with the same reply, alternating call by call:

* raw, prompt only: ``openai.OpenAI(...).chat.completions.create(stream=True, ...)`` with the
         prompt as the only message (what a thin magic such as jupyter-ai-magics sends);
* raw:   the same call with the exact messages jupyter-llmdev sends (its context);
* %llm:  ``%llm ...`` on a real IPython shell (context, request, streaming, reply parsing,
         ChangeSet, set_next_input), output captured;
* peer:  jupyter-ai-magics' ``%%ai`` against the same server, when a Python with it installed is
         given (``--peer-python``). It pulls in langchain and ~30 packages, so it lives in its own
         venv, never the project's::

             python -m venv /tmp/jai-venv
             /tmp/jai-venv/bin/pip install jupyter-ai-magics langchain-openai ipython
             python benchmarks/overhead.py --peer-python /tmp/jai-venv/bin/python

         ``%%ai`` sends the prompt alone and does not stream, so its process times a raw
         non-streamed prompt-only call (the same request) and its overhead is measured
         against that, in the same process.

Figures: cost of sending the context = median(raw) - median(raw, prompt only);
overhead = median(%llm) - median(raw) - median(context assembly of that request): what
jupyter-llmdev costs beyond the same request sent by hand. Targets: <= +2 ms per call;
2,000-cell context <= 50 ms.

    python benchmarks/overhead.py [--calls 40] [--peer-python PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from openai_server import OpenAIServer, Reply  # noqa: E402

REPLY = "Here:\n\n```python\ndef per_day(rows):\n    return {}\n```\n"
PROMPT = "count trips per day"


def make_snapshot(cells: int):
    from jupyter_llmdev.notebook.snapshot import CellSnapshot, NotebookSnapshot

    made = []
    for n in range(cells):
        source = "\n".join(f"value_{n}_{line} = compute({n}, {line})  # step {line}" for line in range(10))
        made.append(CellSnapshot(id=f"cell-{n}", cell_type="code", source=source, outputs=f"Out: {n}\n" * 3))
    return NotebookSnapshot(cells=made, path=None, active_cell_id=made[-1].id if made else None)


def time_context(cells: int, repeats: int, *, doc: bool = True) -> float:
    from jupyter_llmdev.context import build_context

    snapshot = make_snapshot(cells)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        build_context(role="ask", request=PROMPT, snapshot=snapshot, target_cell_id=snapshot.active_cell_id,
                      doc_text="# Arch\n" * 50 if doc else None, doc_path="ARCHITECTURE.md" if doc else None,
                      variables=None, budget_tokens=12000)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


#: runs in the peer's venv: times jupyter-ai-magics' %%ai and a raw openai call there, prints JSON
PEER_SCRIPT = r"""
import json, os, statistics, sys, time
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from openai import OpenAI
base_url, calls, prompt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "jupyter_ai_magics")
model = "openai-chat-custom:test-model"
params = json.dumps({"openai_api_base": base_url, "openai_api_key": "sk-bench"}, separators=(",", ":"))
raw_client = OpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)
def raw():  # what %%ai sends: the prompt, not streamed
    raw_client.chat.completions.create(model="test-model", stream=False,
                                       messages=[{"role": "user", "content": prompt}]).choices[0].message.content
def ai():
    with capture_output():
        shell.run_cell_magic("ai", f"{model} --model-parameters {params}", prompt)
with capture_output() as shown:
    result = shell.run_cell_magic("ai", f"{model} --model-parameters {params}", prompt)
if "per_day" not in repr(getattr(result, "data", result)):  # the cell's result: the reply as Markdown
    sys.exit("%%ai did not return the server's reply: " + (shown.stdout + shown.stderr)[-300:])
for _ in range(5):
    raw(), ai()
r, a = [], []
for _ in range(calls):
    for call, samples in ((raw, r), (ai, a)):
        start = time.perf_counter(); call(); samples.append(time.perf_counter() - start)
print(json.dumps({"raw_ms": statistics.median(r) * 1000, "ai_ms": statistics.median(a) * 1000}))
"""


def run_peer(python: str, base_url: str, calls: int) -> dict[str, object]:
    """jupyter-ai-magics' figures from its own venv (a subprocess), or ``{"error": ...}``."""
    env = dict(os.environ, OPENAI_API_KEY="sk-bench", OPENAI_BASE_URL=base_url)
    try:
        done = subprocess.run([python, "-c", PEER_SCRIPT, base_url, str(calls), PROMPT], capture_output=True,
                              text=True, timeout=600, env=env, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"error": str(error)}
    try:
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:300]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--peer-python", help="a Python with jupyter-ai-magics installed (see above)")
    args = parser.parse_args()

    os.chdir(tempfile.mkdtemp())  # no ARCHITECTURE.md or pyproject.toml around: same messages both ways
    server = OpenAIServer().start()
    server.responder = lambda request: Reply(text=REPLY)
    os.environ.update(OPENAI_BASE_URL=server.base_url, OPENAI_API_KEY="sk-bench", LLMDEV_MODEL="test-model")
    try:
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.utils.capture import capture_output
        from openai import OpenAI

        from jupyter_llmdev.config import load_config
        from jupyter_llmdev.context import build_context

        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "jupyter_llmdev")
        config = load_config(start_dir=Path.cwd())
        from jupyter_llmdev.notebook.snapshot import NotebookSnapshot

        context = build_context(role="ask", request=PROMPT, snapshot=NotebookSnapshot(cells=[]),
                                target_cell_id=None, doc_text=None, doc_path=None, variables=None,
                                budget_tokens=config.context_budget)
        raw_client = OpenAI(base_url=server.base_url, api_key="sk-bench", max_retries=0)

        def raw_call() -> None:
            stream = raw_client.chat.completions.create(model="test-model", messages=context.messages,
                                                        stream=True, max_tokens=config.max_output_tokens)
            "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

        def bare_call() -> None:
            stream = raw_client.chat.completions.create(model="test-model", messages=[{"role": "user", "content": PROMPT}],
                                                        stream=True, max_tokens=config.max_output_tokens)
            "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)

        def magic_call() -> None:
            with capture_output():
                shell.run_line_magic("llm", PROMPT)

        for _ in range(5):  # warm every path: imports, connection pools
            bare_call(), raw_call(), magic_call()
        bare, raw, magic = [], [], []
        for _ in range(args.calls):
            for call, samples in ((bare_call, bare), (raw_call, raw), (magic_call, magic)):
                start = time.perf_counter()
                call()
                samples.append(time.perf_counter() - start)
        context_ms = time_context(0, 50, doc=False)
        bodies = [request.body["messages"] for request in server.completion_requests[-2:]]
        same = bodies[0] == bodies[1]
        peer = run_peer(args.peer_python, server.base_url, args.calls) if args.peer_python else None
    finally:
        server.stop()

    bare_ms = statistics.median(bare) * 1000
    raw_ms = statistics.median(raw) * 1000
    magic_ms = statistics.median(magic) * 1000
    overhead = magic_ms - raw_ms - context_ms
    print(f"raw openai, prompt only      {bare_ms:8.2f} ms (median of {args.calls})")
    print(f"raw openai, %llm's messages  {raw_ms:8.2f} ms")
    print(f"%llm, same server and reply  {magic_ms:8.2f} ms")
    print(f"ratio %llm / raw             {magic_ms / raw_ms:8.3f}x   (same messages sent: {'yes' if same else 'NO'})")
    print(f"sending the context          {raw_ms - bare_ms:+8.2f} ms   (raw with %llm's messages - raw prompt only)")
    print(f"context assembly (this req.) {context_ms:8.2f} ms")
    print(f"overhead beyond context      {overhead:+8.2f} ms   (target <= +2 ms)")
    if peer is None:
        print("jupyter-ai-magics           not run: it needs its own venv (langchain and ~30 packages); "
              "see --peer-python in this file's docstring")
    elif "error" in peer:
        print(f"jupyter-ai-magics           failed: {peer['error']}")
    else:
        print(f"jupyter-ai-magics %%ai       {peer['ai_ms']:8.2f} ms; its raw call (prompt only, not streamed) {peer['raw_ms']:.2f} ms: "
              f"overhead {peer['ai_ms'] - peer['raw_ms']:+.2f} ms (%llm, context apart: {overhead:+.2f} ms)")
    for cells in (200, 2000):
        print(f"context assembly, {cells:>5} cells {time_context(cells, 15):8.2f} ms"
              + ("   (target <= 50 ms)" if cells == 2000 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
