"""``llmdev``: the jupyter-llmdev commands on .ipynb files, for scripts, CI and other editors.

Exit codes: 0 success; 1 ``export --check`` found stale modules; 2 bad command line or
configuration; 3 the LLM request failed; 4 notebook or history error (unreadable file, unknown
change, revert conflict); 5 refused for safety (a path outside the project, a setting of an
untrusted project); 130 stopped with Ctrl-C. Failures print one message, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from .._version import __version__
from ..errors import (
    Cancelled,
    CommandError,
    ConfigError,
    LLMDevError,
    LLMError,
    PathOutsideRoot,
    ReplyCut,
    UntrustedProject,
)

__all__ = ["EXIT_CODES", "build_parser", "main"]

#: subcommand modules, each with ``add_parser(subparsers)``; order is the order of ``--help``
_COMMAND_MODULES = ("ask_cmd", "workflow_cmd", "history_cmd", "export_cmd", "sync_cmd", "config_cmd", "trust_cmd")
#: commands whose module alone is imported and registered when they are run (fast start, see
#: benchmarks/cli_start.py); every other command line builds the whole parser
_QUICK_COMMANDS = {"log": "history_cmd", "show": "history_cmd", "diff": "history_cmd", "sync": "sync_cmd"}

EXIT_CODES = {
    "ok": 0,
    "stale": 1,
    "usage": 2,
    "llm": 3,
    "notebook": 4,
    "refused": 5,
    "cancelled": 130,
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``llmdev`` parser with every subcommand (or only those of module ``only``)."""
    parser = argparse.ArgumentParser(
        prog="llmdev",
        description="LLM-assisted notebook development: ask; plan, approve, build, review, fix, doc; "
        "log, show, diff, revert; export, sync; config, trust.",
        epilog="Exit codes: 0 ok, 1 stale modules (export --check), 2 usage or configuration error, "
        "3 LLM request failed, 4 notebook or history error, 5 refused for safety, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"jupyter-llmdev {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMAND_MODULES if only is None else (only,):
        importlib.import_module(f"{__package__}.{name}").add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``llmdev`` with ``argv`` (default: the process arguments); returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_QUICK_COMMANDS.get(argv[0]) if argv else None)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return EXIT_CODES["usage"]
    try:
        return int(handler(args))
    except (Cancelled, KeyboardInterrupt):
        print("llmdev: stopped; nothing was written.", file=sys.stderr)
        return EXIT_CODES["cancelled"]
    except LLMDevError as error:
        from ..safety.terminal import printable  # messages quote notebooks and providers

        if isinstance(error, ReplyCut):  # the CLI keeps nothing between runs: no `continue` here
            error = ReplyCut(error.message, hint="Nothing was written. Run again with --accept-cut to keep the cut "
                             "reply as it is, or raise max_output_tokens.")
        print(f"llmdev: {printable(str(error))}", file=sys.stderr)
        return _exit_code(error)


def _exit_code(error: LLMDevError) -> int:
    if isinstance(error, (CommandError, ConfigError)):
        return EXIT_CODES["usage"]
    if isinstance(error, (PathOutsideRoot, UntrustedProject)):
        return EXIT_CODES["refused"]
    if isinstance(error, LLMError):
        return EXIT_CODES["llm"]
    return EXIT_CODES["notebook"]


if __name__ == "__main__":
    sys.exit(main())
