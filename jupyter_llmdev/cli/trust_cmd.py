"""``llmdev trust [DIR]``: let a project's [tool.llmdev] add providers, name key variables and
point outside the project (see SECURITY.md); ``--revoke`` takes that back."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "trust",
        help="trust the project's [tool.llmdev] settings (providers, key variables, outside paths)",
        description="A downloaded project's pyproject.toml may not add or redirect a provider, name an "
        "environment variable to read or point a path outside the project until you trust it. Read its "
        "[tool.llmdev] first. Trust is recorded with a hash of that table in your Jupyter config folder; "
        "any change to the table makes the project untrusted again.",
    )
    parser.add_argument("path", nargs="?", default=".", help="the project folder or a notebook in it (default: .)")
    parser.add_argument("--revoke", action="store_true", help="stop trusting the project")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..config.trust import trust_project
    from ..safety.terminal import printable

    result = trust_project(Path(args.path).resolve(), user=getpass.getuser(), revoke_it=args.revoke)
    print(printable(result.report()))
    return 0
