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
    from .config_load import cli_config

    print(format_config_table(cli_config(Path(args.path))))
    return 0
