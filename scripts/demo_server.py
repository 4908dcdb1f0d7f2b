"""A canned OpenAI-compatible server for trying jupyter-llmdev without an account.

It is the test suite's loopback server with a responder that answers every request with a
short, clearly labelled scripted reply (a Markdown note and one code cell built from the
prompt). Prints the base URL on its first line, then serves until interrupted.

    python scripts/demo_server.py [--port 8765]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from openai_server import OpenAIServer, Reply, serve_until_interrupted  # noqa: E402


def demo_reply(request: dict) -> Reply:
    """A scripted reply that names the request it answers."""
    prompt = str(request.get("messages", [{}])[-1].get("content", "")).strip().splitlines()
    last = prompt[-1] if prompt else "your request"
    text = (
        f"(Scripted demo reply: no model is behind this server.) You asked: *{last[:120]}*\n\n"
        "```python\n"
        f"# demo cell for: {last[:80]}\n"
        "print('hello from the jupyter-llmdev demo server')\n"
        "```\n"
    )
    return Reply(text=text, chunk_size=8, delay_between=0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    args = parser.parse_args()
    server = OpenAIServer(port=args.port, models=["demo"])
    server.responder = demo_reply
    serve_until_interrupted(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
