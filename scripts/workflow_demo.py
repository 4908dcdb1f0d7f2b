"""Run examples/workflow.ipynb against scripted local servers, a model per role, and keep its outputs.

The example project is copied to a temporary folder and configured with an architect, a developer
and two reviewers, the second reviewer on a second loopback server (another "provider"). The
notebook is executed there with nbclient, headless, as a real kernel; the executed notebook is
then written back over the example, which is otherwise left untouched. The replies are canned:
each is chosen by the requested model and built from the request (cell ids, the current doc).

    python scripts/workflow_demo.py [--output examples/workflow.ipynb]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from openai_server import OpenAIServer, Reply

ARCH, DEV, REV_A, REV_B = "demo-architect", "demo-developer", "demo-reviewer-a", "demo-reviewer-b"

PLAN_1 = """Two questions first, with my assumption for each so you can just say yes:

1. Which timestamp decides the day of a trip that crosses midnight? I assume `start`.
2. Should the function return a `collections.Counter`? I assume yes, it is a dict.

## Goal
`trips_per_day(trips)`: how many trips started on each day.

## Steps
1. After cell `load-check` add a cell defining `trips_per_day(trips: list[dict]) -> Counter`, counting
   `trip["start"].date()`. Pure, typed, with a docstring (architecture doc, Rules).
2. Right below it, a test cell: on `trips`, 3 trips on 2026-05-01, 2 on 05-02, 1 on 05-03.

## Checks
The test cell passes; `sum(trips_per_day(trips).values()) == len(trips)`.

## Architecture doc
`tripstats.core` gains `trips_per_day`.

## Open questions
The two above.
"""
PLAN_2 = """Settled: the day of `start`, and a plain `dict`.

## Goal
`trips_per_day(trips) -> dict[date, int]`: how many trips started on each day.

## Steps
1. After cell `load-check` add a cell defining `trips_per_day(trips: list[dict]) -> dict[date, int]`:
   count `trip["start"].date()` for every trip and return a plain `dict` in date order. Pure, typed, with
   a docstring saying that the day of `start` counts (architecture doc, Rules).
2. Right below it, a test cell asserting the counts on `trips`: {2026-05-01: 3, 2026-05-02: 2,
   2026-05-03: 1}.

## Checks
The test cell passes; `sum(trips_per_day(trips).values()) == len(trips)`.

## Architecture doc
`tripstats.core` gains `trips_per_day`; the rule "a trip belongs to the day it starts" is new.

## Open questions
none
"""
BUILD = '''Implemented both steps.

```python
from collections import Counter
from datetime import date


def trips_per_day(trips: list[dict]) -> dict[date, int]:
    """Number of trips per day."""
    return Counter(trip["start"].date() for trip in trips)
```

```python
counts = trips_per_day(trips)
assert counts[date(2026, 5, 1)] == 3
assert counts[date(2026, 5, 2)] == 2
counts
```
'''
FIX = '''Finding 1: a plain dict in date order; finding 3: the docstring says which day counts.

```python replace={cell}
from collections import Counter
from datetime import date


def trips_per_day(trips: list[dict]) -> dict[date, int]:
    """Number of trips per day; a trip counts on the day it starts."""
    counts = Counter(trip["start"].date() for trip in trips)
    return dict(sorted(counts.items()))
```
'''


def respond(body: dict[str, Any]) -> Reply:
    """The canned reply for the requested model."""
    model = body.get("model")
    messages = body.get("messages", [])
    last = str(messages[-1]["content"]) if messages else ""
    if model == ARCH:
        if "architecture document" in last:
            return Reply(text=_doc_update(str(messages[0]["content"])), chunk_size=40)
        talked = any(message["role"] == "assistant" for message in messages)
        return Reply(text=PLAN_2 if talked else PLAN_1, chunk_size=24)
    if model == DEV:
        if "Fix these findings" in last:
            cell = re.search(r"^1\. \[\w+\] cell=([\w-]+)", last, re.MULTILINE)
            return Reply(text=FIX.format(cell=cell.group(1) if cell else "-"), chunk_size=24)
        return Reply(text=BUILD, chunk_size=24)
    inserted = re.findall(r"^insert\s+([\w-]+)\s+code", last, re.MULTILINE) + ["-", "-"]
    function, test = inserted[0], inserted[1]
    if model == REV_A:
        return Reply(text=(
            "Both steps are there; the return type is not what the plan says.\n\n"
            f"- [medium] cell={function}: `trips_per_day` returns a `Counter`, but the plan and its "
            "annotation promise a plain `dict[date, int]` in date order; return `dict(sorted(...))`.\n"
            f"- [low] cell={test}: the test does not check 2026-05-03 nor that the counts sum to "
            "`len(trips)`, as the plan's checks ask.\n\n"
            "VERDICT: changes\n"), chunk_size=32)
    if model == REV_B:
        return Reply(text=(
            "Correct counts.\n\n"
            f"- [low] cell={function}: the docstring does not say that a trip counts on the day it "
            "starts, a rule the plan adds.\n\n"
            "VERDICT: approve\n"), chunk_size=32)
    return Reply(fault="404_model")


def _doc_update(system: str) -> str:
    found = re.search(r"<architecture_doc[^>]*>\n(.*)\n</architecture_doc>", system, re.DOTALL)
    doc = found.group(1) if found else "# tripstats\n"
    doc = doc.replace("`load_trips`, `trips_per_day`, `mean_distance`.",
                      "`load_trips`, `trips_per_day` (a plain `dict[date, int]` in date order), `mean_distance`.")
    doc = doc.replace("* Timestamps are parsed", "* A trip belongs to the day it starts (`start.date()`).\n"
                      "* Timestamps are parsed")
    return ("`trips_per_day` is described under Modules; the day rule goes under Rules.\n\n"
            f"````markdown\n{doc}\n````\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "examples" / "workflow.ipynb"),
                        help="where to write the executed notebook (default: over the example)")
    args = parser.parse_args()
    import nbformat
    from nbclient import NotebookClient

    main_server = OpenAIServer(models=[ARCH, DEV, REV_A]).start()
    second = OpenAIServer(models=[REV_B]).start()
    main_server.responder = second.responder = respond
    saved = dict(os.environ)
    try:
        with tempfile.TemporaryDirectory(prefix="llmdev-demo-") as folder:
            work = Path(folder) / "examples"
            shutil.copytree(ROOT / "examples", work, ignore=shutil.ignore_patterns(".llmdev", ".ipynb_checkpoints"))
            with open(work / "pyproject.toml", "a", encoding="utf-8") as config:
                config.write(f'\n[tool.llmdev.models]\narchitect = "{ARCH}"\ndeveloper = "{DEV}"\n'
                             f'reviewers = ["{REV_A}", "second:{REV_B}"]\n\n'
                             f'[tool.llmdev.providers.second]\nbase_url = "{second.base_url}"\napi_key_env = ""\n')
            notebook = work / "workflow.ipynb"
            for name in [name for name in os.environ if name.startswith("LLMDEV_")]:
                del os.environ[name]
            os.environ.update({"OPENAI_BASE_URL": main_server.base_url, "OPENAI_API_KEY": "sk-demo",
                               "JPY_SESSION_NAME": str(notebook), "IPYTHONDIR": str(Path(folder) / "ipython"),
                               "USER": "demo", "LOGNAME": "demo",
                               "JUPYTER_CONFIG_DIR": str(Path(folder) / "jupyter-config")})
            # the demo project adds a provider: trusted, as a user would with `llmdev trust examples`
            from jupyter_llmdev.config.trust import trust_project

            trust_project(work, user="demo")
            nb = nbformat.read(notebook, as_version=4)
            NotebookClient(nb, timeout=120, kernel_name="python3", record_timing=False,
                           resources={"metadata": {"path": str(work)}}).execute()
            nbformat.validate(nb)
            nbformat.write(nb, args.output)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        main_server.stop()
        second.stop()
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
