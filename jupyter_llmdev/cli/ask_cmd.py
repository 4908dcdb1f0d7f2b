"""``llmdev ask NOTEBOOK PROMPT``: generate cells into a notebook file as one recorded change."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import CommandError, NoCells
from .notebook_file import check_cell, open_notebook, save, streamed
from .output import show


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="generate cells into a notebook (one recorded, revertable change)",
        description="Send the prompt with the notebook's cells and the architecture doc to the model, "
        "stream the reply, and insert the generated cells as one change recorded in the notebook's "
        "metadata. The file is written atomically, and only when the whole reply arrived.",
    )
    parser.add_argument("notebook", help="the .ipynb file")
    parser.add_argument("prompt", nargs="+", help="what to build ('-' reads it from stdin)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--after", metavar="CELL_ID", help="insert after this cell (default: the last cell)")
    where.add_argument("--replace", metavar="CELL_ID", help="replace this cell with the first generated one")
    parser.add_argument("--model", help="model for this request, e.g. gpt-4o or local:qwen2.5-coder")
    parser.add_argument("--dry-run", action="store_true", help="show the change as a diff; write nothing")
    parser.add_argument("--no-markdown", action="store_true",
                        help="the reply's prose stays in the output instead of becoming Markdown cells")
    parser.add_argument("--accept-cut", action="store_true",
                        help="keep a reply the output limit cut as it is (default: exit 3, write nothing)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..engine.ask import AskRequest, Engine
    from .config_load import cli_config

    path = Path(args.notebook)
    prompt = sys.stdin.read() if args.prompt == ["-"] else " ".join(args.prompt)
    if not prompt.strip():
        raise CommandError("The prompt is empty.", hint="Usage: llmdev ask NOTEBOOK PROMPT")
    nb, _, snapshot = open_notebook(path)
    check_cell(snapshot, args.replace or args.after, path)
    target = args.after or (snapshot.cells[-1].id if snapshot.cells else None)
    config = cli_config(path)
    request = AskRequest(prompt=prompt, snapshot=snapshot, target_cell_id=target, replace_id=args.replace,
                         model=args.model, accept_cut=args.accept_cut, markdown=not args.no_markdown)
    from .workflow_cmd import cli_say

    result = streamed(lambda sink: Engine(config, say=cli_say(path)).ask(request, sink))
    if result.changeset is None:
        raise NoCells("The reply holds no cells; the notebook is unchanged.",
                      hint="Read the answer above; ask again saying which cells you want.", partial=result.text)
    if save(path, nb, [], result.changeset, dry_run=args.dry_run):
        show(f"[llm] change {result.changeset.id}: {len(result.changeset.edits)} edit(s) written to {path}",
             file=sys.stderr)
    return 0
