"""``llmdev export``: notebooks to importable modules; ``--check`` for CI and pre-commit."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

__all__ = ["add_parser", "display_path", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``llmdev export``."""
    parser = subparsers.add_parser(
        "export",
        help="write the exported cells of notebooks to Python modules",
        description="Write the cells marked `#| export` (nbdev directives, or the cell tag `export`) "
        "to Python modules. Module name: `#| default_exp NAME`, else the notebook's name. Modules go to "
        "lib_path of [tool.llmdev] or [tool.nbdev] in the nearest pyproject.toml (or an nbdev "
        "settings.ini), else next to the notebook; --to overrides both. Files are rewritten only when "
        "their content changes.",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        metavar="NOTEBOOK",
        help="notebooks or folders of notebooks (default: the project's nbs_path)",
    )
    parser.add_argument("--to", metavar="DIR", help="write the modules under DIR")
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; list the modules that are out of date and exit 1 if there are any",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Export; returns 1 when ``--check`` finds modules out of date, else 0."""
    from ..export import export_notebooks

    result = export_notebooks(args.notebooks, to=args.to, check=args.check)
    for warning in result.warnings:
        print(f"llmdev: warning: {warning}", file=sys.stderr)
    if args.check:
        if result.stale:
            print(f"{len(result.stale)} file(s) out of date:")
            for item in result.stale:
                print(f"  {display_path(item.path)}{_sources(item.notebooks)}")
            print("Run `llmdev export` to update them.")
            return 1
        print(f"{len(result.modules)} module(s) up to date.")
        return 0
    for item in result.written:
        print(f"wrote {display_path(item.path)}{_sources(item.notebooks)}")
    unchanged = len(result.files) - len(result.written)
    print(f"{len(result.written)} file(s) written, {unchanged} unchanged.")
    return 0


def display_path(path: Path) -> str:
    """``path`` relative to the current folder when it is inside it, else as is."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _sources(notebooks: tuple[Path, ...]) -> str:
    return f" (from {', '.join(display_path(nb) for nb in notebooks)})" if notebooks else ""
