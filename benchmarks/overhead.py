"""Warm per-call overhead of ``%llm`` over a raw ``openai`` call, and context assembly cost.

Both run side by side in this process against the same loopback OpenAI-compatible server
(tests/openai_server.py) with the same reply, alternating call by call:

* raw:   ``openai.OpenAI(...).chat.completions.create(stream=True, ...)`` with the exact messages
         jupyter-llmdev would send, iterated to the end;
* %llm:  ``%llm ...`` on a real IPython shell (context, request, streaming, reply parsing,
         ChangeSet, set_next_input), output captured.

Overhead beyond context assembly = median(%llm) - median(raw) - median(context assembly of that
request). Targets: <= +2 ms per call; 2,000-cell context <= 50 ms.

    python benchmarks/overhead.py [--calls 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=40)
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

        def magic_call() -> None:
            with capture_output():
                shell.run_line_magic("llm", PROMPT)

        for _ in range(5):  # warm both paths: imports, connection pools
            raw_call(), magic_call()
        raw, magic = [], []
        for _ in range(args.calls):
            start = time.perf_counter()
            raw_call()
            raw.append(time.perf_counter() - start)
            start = time.perf_counter()
            magic_call()
            magic.append(time.perf_counter() - start)
        context_ms = time_context(0, 50, doc=False)
        bodies = [request.body["messages"] for request in server.completion_requests[-2:]]
        same = bodies[0] == bodies[1]
    finally:
        server.stop()

    raw_ms = statistics.median(raw) * 1000
    magic_ms = statistics.median(magic) * 1000
    overhead = magic_ms - raw_ms - context_ms
    print(f"raw openai streamed call     {raw_ms:8.2f} ms (median of {args.calls})")
    print(f"%llm, same server and reply  {magic_ms:8.2f} ms")
    print(f"ratio %llm / raw             {magic_ms / raw_ms:8.3f}x   (same messages sent: {'yes' if same else 'NO'})")
    print(f"context assembly (this req.) {context_ms:8.2f} ms")
    print(f"overhead beyond context      {overhead:+8.2f} ms   (target <= +2 ms)")
    for cells in (200, 2000):
        print(f"context assembly, {cells:>5} cells {time_context(cells, 15):8.2f} ms"
              + ("   (target <= 50 ms)" if cells == 2000 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
