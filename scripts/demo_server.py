"""A canned OpenAI-compatible server for trying jupyter-llmdev without an account.

It is the test suite's loopback server with a responder that answers every request with a short,
clearly labelled scripted reply in the form the requesting role is asked for, so every command
works offline: ``ask`` and ``build`` get cells, ``plan`` and ``modularize`` a plan, ``review``
findings on the change's cells and a verdict, ``fix`` a replacement of the cell a finding names,
``doc update`` the current document with one line added. The role is read from the request's
system prompt; nothing here is a model. Prints the base URL on its first line, then serves until
interrupted.

    python scripts/demo_server.py [--port 8765]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from openai_server import OpenAIServer, Reply, serve_until_interrupted  # noqa: E402

#: how every reply starts, so nobody mistakes it for a model's
LABEL = "(Scripted demo reply: no model is behind this server.)"
#: the function the scripted build writes (exported with the notebook's module)
BUILT = (
    "#| export\n"
    "def demo_greeting(name: str = \"world\") -> str:\n"
    "    \"\"\"A greeting written by the demo server's scripted build (no model wrote it).\"\"\"\n"
    "    return f\"hello, {name}, from the jupyter-llmdev demo server\"\n"
)
TEST = "assert demo_greeting(\"trips\") == \"hello, trips, from the jupyter-llmdev demo server\"\n"
#: words of the developer's fix request and of the architect's doc update request (engine/fix.py, doc.py)
FIX_REQUEST = "Fix these findings of review "
DOC_REQUEST = "the complete new document in a single block"
MODULARIZE_REQUEST = "Plan how to turn this notebook into importable Python modules"
#: the line the scripted ``doc update`` adds to the architecture document
DOC_LINE = "* `demo_greeting(name)`: written by the demo server's scripted build (replace it with real work)."


def demo_reply(request: dict[str, Any]) -> Reply:
    """The scripted reply for the role that sent ``request`` (read from its system prompt)."""
    messages = [message for message in request.get("messages") or [] if isinstance(message, dict)]
    system = str(messages[0].get("content", "")) if messages and messages[0].get("role") == "system" else ""
    last = str(messages[-1].get("content", "")) if messages else ""
    if system.startswith("You are the software architect"):
        if DOC_REQUEST in last:
            text = doc_update(system)
        elif MODULARIZE_REQUEST in last:
            text = modularize()
        else:
            text = plan(last)
    elif system.startswith("You are the developer"):
        everything = "\n".join(str(message.get("content", "")) for message in messages)
        text = fix(everything, last) if FIX_REQUEST in last else build()
    elif system.startswith("You are a code reviewer"):
        text = review(last)
    else:
        text = ask(last)
    return Reply(text=text, chunk_size=8, delay_between=0.02)


def ask(prompt: str) -> str:
    """A note naming the request and one code cell."""
    lines = prompt.strip().splitlines()
    last = lines[-1] if lines else "your request"
    return (f"{LABEL} You asked: *{last[:120]}*\n\n"
            "```python\n"
            f"# demo cell for: {last[:80]}\n"
            "print('hello from the jupyter-llmdev demo server')\n"
            "```\n")


def plan(request: str) -> str:
    """A plan in the architect's sections; only ``approve`` (yours) approves it."""
    lines = request.strip().splitlines()
    goal = lines[-1][:160] if lines else "the request"
    return (f"{LABEL} A plan for: *{goal}*\n\n"
            f"## Goal\n{goal}\n\n"
            "## Steps\n"
            "1. Add a cell defining `demo_greeting(name) -> str`, typed, with a docstring, marked `#| export`.\n"
            "2. Right below it, a test cell asserting what it returns.\n\n"
            "## Checks\nThe test cell passes.\n\n"
            "## Architecture doc\nList `demo_greeting` under Modules.\n\n"
            "## Open questions\nnone (approve it with `approve`, or go on talking with `plan`)\n")


def modularize() -> str:
    """A modules plan: which cells the notebook's module gets (``export`` then writes it)."""
    return (f"{LABEL} A plan for this notebook's modules.\n\n"
            "## Goal\nThe notebook's `#| default_exp` module holds its functions; `export` writes it.\n\n"
            "## Steps\n"
            "1. Mark every cell that defines a function `#| export`; leave imports with them.\n"
            "2. Keep the cells that load data or `assert` as tests: not exported.\n\n"
            "## Checks\n`export --check` is clean and the module imports.\n\n"
            "## Architecture doc\nName the module under Modules.\n\n"
            "## Open questions\nnone\n")


def build() -> str:
    """The approved plan's two cells."""
    return (f"{LABEL} Implemented both steps of the plan.\n\n"
            f"```python\n{BUILT}```\n\n"
            f"```python\n{TEST}```\n")


def review(request: str) -> str:
    """Two findings on the code cells the change inserted or replaced, and a verdict."""
    cells = _edited_code_cells(request) + ["-", "-"]
    return (f"{LABEL} The change does what its plan says; two things to improve.\n\n"
            f"- [medium] cell={cells[0]}: say in the docstring what the function returns for an empty name.\n"
            f"- [low] cell={cells[1]}: the test checks one name only; check the default too.\n\n"
            "VERDICT: changes\n")


def fix(context: str, request: str) -> str:
    """The cell the first finding names, replaced by its current source with a line recording the fix."""
    cell = "-"
    for line in request[request.rfind(FIX_REQUEST):].splitlines():
        start = line.find("cell=")
        if line[:1].isdigit() and start >= 0:
            cell = line[start + 5:].split(":", 1)[0].strip()
            break
    source = _cell_source(context, cell)
    if source is None:
        return f"{LABEL} Finding 1 names no cell of this notebook; nothing to replace.\n"
    return (f"{LABEL} Finding 1: the cell now records that it was reviewed.\n\n"
            f"```python replace={cell}\n{source.rstrip()}\n# demo fix: finding 1 of the review\n```\n")


def doc_update(system: str) -> str:
    """The current document (from the request's context) with :data:`DOC_LINE` added at its end."""
    opening = system.find("<architecture_doc")
    body_start = system.find(">\n", opening) + 2 if opening >= 0 else -1
    end = system.find("\n</architecture_doc>", body_start)
    doc = system[body_start:end] if opening >= 0 and end >= 0 else "# Architecture\n"
    return (f"{LABEL} Added `demo_greeting` to the document.\n\n"
            f"````markdown\n{doc.rstrip()}\n{DOC_LINE}\n````\n")


def _edited_code_cells(request: str) -> list[str]:
    """Ids of the code cells a review request's diff inserts or replaces (``insert   ID  code, ...``)."""
    found = []
    for line in request[max(request.rfind("Review change "), 0):].splitlines():
        words = line.split()
        if len(words) >= 3 and words[0] in ("insert", "replace") and words[2].startswith("code"):
            found.append(words[1])
    return found


def _cell_source(context: str, cell_id: str) -> str | None:
    """The source of cell ``cell_id`` as the notebook context shows it (``<cell id="..." ...>``)."""
    opening = context.find(f'<cell id="{cell_id}" ')
    if opening < 0:
        return None
    start = context.find(">\n", opening) + 2
    end = context.find("\n</cell>", start)
    return context[start:end] if start >= 2 and end >= 0 else None


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
