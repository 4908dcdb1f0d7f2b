"""``llmdev config``: the resolved configuration and where each value came from (keys masked)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config",
        help="show the resolved configuration and its sources (keys masked)",
        description="Print every setting, its value and where it came from: default, Jupyter config, "
        "[tool.llmdev] in the nearest pyproject.toml, environment, flags. API keys are masked.",
    )
    parser.add_argument("path", nargs="?", default=".", help="a notebook or folder to resolve for (default: .)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..config import format_config_table
    from ..errors import CommandError
    from .config_load import cli_config

    path = Path(args.path)
    if not path.exists():  # resolving for a typo would show some other folder's settings
        raise CommandError(f"{args.path}: no such notebook or folder.",
                           hint="Give an existing notebook or folder (default: the current folder).")
    print(format_config_table(cli_config(path)))
    return 0
