"""``llmdev sync``: edits made in exported modules go back into their notebook cells."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``llmdev sync``."""
    parser = subparsers.add_parser(
        "sync",
        help="copy edits made in exported modules back into the notebook cells",
        description="Map each `# %% <notebook> #<cell id>` section of the modules `llmdev export` wrote "
        "back to its cell and write the edited code into it (directives and magics kept), as one "
        "revertable change per notebook (role human, command sync). The checksums in the module's header "
        "tell a module edit from a notebook edit made since the export. Missing, duplicated or ambiguous "
        "markers, cells changed in both places, and markers naming a cell that export puts into another "
        "module are refused (exit 4); markers naming a notebook outside the project are refused for "
        "safety (exit 5). Nothing is written then. Modules written by earlier versions (`cell=ID hash=H` "
        "markers) and by nbdev_export are read too.",
    )
    parser.add_argument("modules", nargs="+", metavar="MODULE", help="the .py files export wrote")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Sync; returns 0 (failures raise LLMDevError subclasses)."""
    from ..export.report import display_path, export_command  # imported here: fast `--help`, fast start
    from ..export.sync import sync_modules

    result = sync_modules(args.modules)
    for synced in result.notebooks:
        notebook = display_path(synced.notebook)
        modules = ", ".join(display_path(module) for module in synced.modules)
        print(
            f"{notebook}: {len(synced.cell_ids)} cell(s) updated from {modules} "
            f"(change {synced.change_id}; undo: llmdev revert {notebook} {synced.change_id})"
        )
    for note in result.stale:
        print(f"llmdev: note: {note}", file=sys.stderr)
    if result.to_export:
        notebooks = [display_path(notebook) for notebook in dict.fromkeys(result.to_export)]
        print(f"llmdev: Run `{export_command(notebooks)}` to refresh the module.", file=sys.stderr)
    if not result.notebooks:
        print("Nothing to sync: the modules match their notebooks.")
    return 0
