"""Cost of ``%load_ext jupyter_llmdev`` over bare IPython, measured side by side in fresh processes.

Each sample is a new Python process that creates an ``InteractiveShell``; half of them also run
``%load_ext jupyter_llmdev``. The two kinds alternate so machine noise hits both alike. Prints
the medians, the difference (target: <= +50 ms) and the ratio, and checks that loading the
extension imported neither ``openai`` nor ``httpx``.

    python benchmarks/load.py [--samples 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
t1 = time.perf_counter()
if sys.argv[1] == "ext":
    shell.run_line_magic("load_ext", "jupyter_llmdev")
t2 = time.perf_counter()
heavy = sorted(m for m in ("openai", "httpx", "httpx2", "jsonschema", "nbformat", "ssl") if m in sys.modules)
print(json.dumps({"shell": t1 - t0, "ext": t2 - t1, "total": t2 - t0, "heavy": heavy}))
"""


def sample(kind: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _PROBE, kind], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=15)
    args = parser.parse_args()
    bare, ext = [], []
    sample("bare"), sample("ext")  # warm the file cache
    for _ in range(args.samples):
        bare.append(sample("bare"))
        ext.append(sample("ext"))
    bare_total = statistics.median(s["total"] for s in bare) * 1000
    ext_total = statistics.median(s["total"] for s in ext) * 1000
    load_ext = statistics.median(s["ext"] for s in ext) * 1000
    heavy = sorted({m for s in ext for m in s["heavy"]})
    print(f"bare IPython shell            {bare_total:8.1f} ms (median of {args.samples})")
    print(f"IPython shell + %load_ext     {ext_total:8.1f} ms")
    print(f"  of which %load_ext itself   {load_ext:8.1f} ms")
    print(f"difference                    {ext_total - bare_total:+8.1f} ms   (target <= +50 ms)")
    print(f"ratio with/without            {ext_total / bare_total:8.3f}x")
    print(f"heavy modules imported        {', '.join(heavy) or 'none'}")
    if "openai" in heavy:
        print("FAIL: %load_ext imported openai")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
