"""``llmdev log | show | diff | revert``: the change history recorded in a notebook.

A history comes with the notebook, so it is untrusted: everything printed from it is escaped
(``output.show``, or escaped by ``notebook.history``), and ``revert`` prints the diff of exactly
what it will write before writing it, then asks (or, off a terminal, wants ``--yes``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import CommandError
from .notebook_file import notebook_path
from .output import confirm, show, use_color


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
        "revert", help="restore the exact sources from before a change (shows the diff first)",
        description="Apply the inverse of a change, recorded as a new change. The diff of what the revert "
        "writes (each cell: now -> restored) is printed first; on a terminal you are asked to confirm, "
        "otherwise nothing is written without --yes. Refuses when a cell was edited since the change, "
        "unless --force (those edits are then lost). It writes the saved file: for a notebook open in "
        "JupyterLab, revert from the LLM panel's History (or /revert CHANGE there) instead.",
    )
    revert.add_argument("notebook", help="the .ipynb file")
    revert.add_argument("change", help="change id or unique prefix")
    revert.add_argument("--force", action="store_true", help="revert even over later edits")
    revert.add_argument("--yes", "-y", action="store_true",
                        help="write without asking (read the diff it prints; needed when stdin is not a terminal)")
    revert.set_defaults(handler=_revert)


def _log(args: argparse.Namespace) -> int:
    from ..notebook.history import log_lines
    from ..notebook.io import read_notebook_data as read_notebook  # no nbformat: fast start

    path = Path(args.notebook)
    nb = read_notebook(notebook_path(path))
    if args.usage:
        from ..engine.ledger import format_usage, usage_rows
        from ..notebook.metadata import read_section

        from .config_load import cli_config

        prices = cli_config(path).prices
        show("\n".join(format_usage(usage_rows(read_section(nb, path=args.notebook)), prices)))
        return 0
    lines = log_lines(nb)
    show("\n".join(lines) if lines else f"No changes recorded in {args.notebook} yet.")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ..notebook.history import show_change
    from ..notebook.io import read_notebook_data as read_notebook  # no nbformat: fast start

    show(show_change(read_notebook(notebook_path(Path(args.notebook))), args.change))
    return 0


def _diff(args: argparse.Namespace) -> int:
    from ..notebook.history import diff_change
    from ..notebook.io import read_notebook_data as read_notebook  # no nbformat: fast start

    color = use_color() if args.color == "auto" else args.color == "always"
    print(diff_change(read_notebook(notebook_path(Path(args.notebook))), args.change, color=color, display=True))
    return 0


def _revert(args: argparse.Namespace) -> int:
    from ..notebook.apply import apply_changeset
    from ..notebook.history import diff_changeset
    from ..notebook.io import read_notebook, write_notebook
    from ..notebook.revert import plan_revert

    path = Path(args.notebook)
    nb = read_notebook(notebook_path(path))
    inverse = plan_revert(nb, args.change, force=args.force)
    title = f"revert {inverse.reverts}: writes {len(inverse.edits)} edit(s) to {path} (- now, + after the revert)"
    print(diff_changeset(inverse, color=use_color(), display=True, title=title))
    if not args.yes:
        answer = confirm(f"Write this revert to {path}? [y/N]")
        if answer is None:
            raise CommandError(
                "Not reverted: nothing was written, because stdin is not a terminal to confirm the diff above.",
                hint=f"Read the diff, then run: llmdev revert {path} {args.change} --yes",
            )
        if not answer:
            show(f"Not reverted: nothing was written to {path}.", file=sys.stderr)
            return 0
    apply_changeset(nb, inverse)  # exactly the edits shown; refuses if a cell changed meanwhile
    write_notebook(path, nb)
    show(f"reverted {inverse.reverts} as change {inverse.id} ({len(inverse.edits)} edit(s)) in {path}",
         file=sys.stderr)
    return 0
