"""``llmdev export``: notebooks to importable modules; ``--check`` for CI and pre-commit."""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``llmdev export``."""
    parser = subparsers.add_parser(
        "export",
        help="write the exported cells of notebooks to Python modules",
        description="Write the cells marked `#| export` (nbdev directives, or the cell tag `export`) "
        "to Python modules. Module name: `#| default_exp NAME`, else the notebook's name. Modules go to "
        "lib_path of [tool.llmdev] or [tool.nbdev] in the nearest pyproject.toml (or an nbdev "
        "settings.ini), else next to the notebook; --to overrides both. Files are rewritten only when "
        "their content changes. lib_path, nbs_path, --to and the notebooks an existing module's markers "
        "name must lie inside the project (its git checkout, or the folder of its pyproject.toml or "
        "settings.ini), else nothing is written (exit 5). A cell line that sync would read as a marker "
        "(`# %% NB #ID`) is refused. Several notebooks: those without exported cells are skipped with a "
        "note. In an nbdev project, nbdev's `recursive` setting is followed, and a warning names the line "
        "to add when nbdev_clean would delete llmdev's history.",
    )
    parser.add_argument(
        "notebooks",
        nargs="*",
        metavar="NOTEBOOK",
        help="notebooks or folders of notebooks (default: the notebooks in the project's nbs_path)",
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
    from ..export.report import export_report

    lines, code = export_report(export_notebooks(args.notebooks, to=args.to, check=args.check))
    for line in lines:
        if line.startswith(("warning:", "note:")):
            print(f"llmdev: {line}", file=sys.stderr)
        else:
            print(line)
    return code
