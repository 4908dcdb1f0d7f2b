"""``llmdev ask NOTEBOOK PROMPT``: generate cells into a notebook file as one recorded change."""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

from ..errors import Cancelled, CommandError, LLMError
from .output import use_color


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
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..config import load_config
    from ..engine.ask import AskRequest, Engine
    from ..notebook.apply import apply_changeset
    from ..notebook.history import diff_change
    from ..notebook.io import read_notebook, write_notebook
    from ..notebook.metadata import read_section
    from ..notebook.snapshot import NotebookSnapshot
    from ..streamview import StreamView

    path = Path(args.notebook)
    prompt = sys.stdin.read() if args.prompt == ["-"] else " ".join(args.prompt)
    if not prompt.strip():
        raise CommandError("The prompt is empty.", hint="Usage: llmdev ask NOTEBOOK PROMPT")
    nb = read_notebook(path)
    read_section(nb, path=str(path))  # a corrupt or newer history stops us before any tokens are spent
    snapshot = NotebookSnapshot.from_notebook(nb, path=str(path.resolve()))
    anchor = args.replace or args.after
    if anchor and snapshot.index(anchor) is None:
        ids = ", ".join(cell.id for cell in snapshot.cells[:12])
        raise CommandError(f"{path} has no cell with id {anchor!r}.", hint=f"Its cells: {ids or 'none'}")
    target = args.after or (snapshot.cells[-1].id if snapshot.cells else None)
    config = load_config(start_dir=path.resolve().parent)
    request = AskRequest(prompt=prompt, snapshot=snapshot, target_cell_id=target, replace_id=args.replace,
                         model=args.model)
    view = StreamView(rich=False)
    try:
        result = Engine(config).ask(request, view)
    except LLMError as error:
        view.stopped(error.partial, cancelled=isinstance(error, Cancelled))
        raise
    view.end_text()
    if result.changeset is None:
        print("[llm] the reply holds no cells; the notebook is unchanged.", file=sys.stderr)
        return 0
    preview = copy.deepcopy(nb) if args.dry_run else nb
    apply_changeset(preview, result.changeset)
    if args.dry_run:
        print(diff_change(preview, result.changeset.id, color=use_color()))
        print("[llm] dry run: nothing written.", file=sys.stderr)
        return 0
    write_notebook(path, nb)
    print(f"[llm] change {result.changeset.id}: {len(result.changeset.edits)} edit(s) written to {path}",
          file=sys.stderr)
    return 0
