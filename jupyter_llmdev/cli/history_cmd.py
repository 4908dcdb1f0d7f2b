"""``llmdev log | show | diff | revert``: the change history recorded in a notebook."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .output import use_color


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    log = subparsers.add_parser(
        "log", help="list the recorded changes, one line each, id first",
        description="List the changes recorded in the notebook's metadata, oldest first: "
        "id, time, role/model, status, edit count, prompt.",
    )
    log.add_argument("notebook", help="the .ipynb file")
    log.add_argument("--usage", action="store_true",
                     help="instead: tokens spent per role and model (changes, plans, reviews, doc updates), "
                     "and their cost when [tool.llmdev.prices] are configured")
    log.set_defaults(handler=_log)
    for name, summary in (("show", "describe one change"), ("diff", "unified diff of one change")):
        parser = subparsers.add_parser(name, help=summary, description=f"{summary.capitalize()}; "
                                       "CHANGE is its id or a unique prefix of it.")
        parser.add_argument("notebook", help="the .ipynb file")
        parser.add_argument("change", help="change id or unique prefix")
        if name == "diff":
            parser.add_argument("--color", choices=("auto", "always", "never"), default="auto",
                                help="colour the diff (default: on a terminal)")
        parser.set_defaults(handler=_show if name == "show" else _diff)
    revert = subparsers.add_parser(
        "revert", help="restore the exact sources from before a change",
        description="Apply the inverse of a change, recorded as a new change. Refuses when a cell was "
        "edited since the change, unless --force (those edits are then lost).",
    )
    revert.add_argument("notebook", help="the .ipynb file")
    revert.add_argument("change", help="change id or unique prefix")
    revert.add_argument("--force", action="store_true", help="revert even over later edits")
    revert.set_defaults(handler=_revert)


def _log(args: argparse.Namespace) -> int:
    from ..notebook.history import log_lines
    from ..notebook.io import read_notebook

    path = Path(args.notebook)
    nb = read_notebook(path)
    if args.usage:
        from ..config import load_config
        from ..engine.ledger import format_usage, usage_rows
        from ..notebook.metadata import read_section

        prices = load_config(start_dir=path.resolve().parent).prices
        print("\n".join(format_usage(usage_rows(read_section(nb, path=args.notebook)), prices)))
        return 0
    lines = log_lines(nb)
    print("\n".join(lines) if lines else f"No changes recorded in {args.notebook} yet.")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ..notebook.history import show_change
    from ..notebook.io import read_notebook

    print(show_change(read_notebook(Path(args.notebook)), args.change))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from ..notebook.history import diff_change
    from ..notebook.io import read_notebook

    color = use_color() if args.color == "auto" else args.color == "always"
    print(diff_change(read_notebook(Path(args.notebook)), args.change, color=color))
    return 0


def _revert(args: argparse.Namespace) -> int:
    from ..notebook.io import read_notebook, write_notebook
    from ..notebook.revert import revert_change

    path = Path(args.notebook)
    nb = read_notebook(path)
    inverse = revert_change(nb, args.change, force=args.force)
    write_notebook(path, nb)
    print(f"reverted {inverse.reverts} as change {inverse.id} ({len(inverse.edits)} edit(s)) in {path}",
          file=sys.stderr)
    return 0
