"""One command grammar for ``%llm`` / ``%%llm``, the side panel's slash commands and the CLI.

A command line is ``[COMMAND] [FLAGS...] [TEXT]``. The first word is a command only when it is
one of :data:`COMMANDS`; otherwise the whole line is the prompt of ``ask`` (so ``%llm plot the
losses`` asks). To ask something that starts with a command word, write ``ask`` first. Flags
are read from the front until the first word that is not a flag; the rest is kept verbatim
(quotes, apostrophes and all), so prompts need no shell quoting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import CommandError

__all__ = ["COMMANDS", "Command", "CommandSpec", "Say", "kernel_say", "parse_command", "usage"]

#: How a front end writes a hint. A hint is data: the command and its arguments as the grammar
#: has them (``"approve"``, ``"doc accept"``, ``"fix --only 1,2"``); each front end spells it its
#: own way, quoted: ``say("approve")`` -> "`%llm approve`" (kernel), "`/approve`" (panel),
#: "`llmdev approve NB`" (CLI). Nothing patches a spelled hint afterwards.
Say = Callable[[str], str]


def kernel_say(command: str) -> str:
    """A command as typed in a notebook cell (the grammar's default spelling)."""
    return f"`%llm {command}`"


@dataclass(frozen=True)
class CommandSpec:
    """What a command is for, which flags it takes, and what its text means."""

    role: str
    summary: str
    #: flag name -> True when it takes a value; a value-taking flag with a ``?`` default may stand alone
    flags: dict[str, bool] = field(default_factory=dict)
    #: what the text after the flags is ("" = the command takes none)
    text: str = ""
    #: False while the engine part of the command is not built yet
    available: bool = True


_ASK_FLAGS = {"replace": False, "after": True, "model": True, "dry-run": False, "no-markdown": False,
              "accept-cut": False}
_CHANGE_FLAGS = {"model": True, "after": True, "dry-run": False, "accept-cut": False}

COMMANDS: dict[str, CommandSpec] = {
    "ask": CommandSpec("ask", "generate cells below the current one (or --replace it)", _ASK_FLAGS, "PROMPT"),
    "plan": CommandSpec("architect", "start or continue the draft plan (no PROMPT: show it)",
                        {"model": True, "new": False, "accept-cut": False}, "[PROMPT]"),
    "approve": CommandSpec("human", "approve the draft plan (only this approves a plan)",
                           {"insert": False, "after": True}, "[PLAN]"),
    "build": CommandSpec("developer", "implement the approved plan as one change (--no-plan PROMPT: without one)",
                         _CHANGE_FLAGS | {"no-plan": False}, "[PLAN]"),
    "review": CommandSpec("reviewers", "review a change against its plan, concurrently (--models A,B: these reviewers)",
                          {"models": True}, "[CHANGE]"),
    "fix": CommandSpec("developer", "apply review findings as a new change", _CHANGE_FLAGS | {"only": True},
                       "[REVIEW]"),
    "log": CommandSpec("-", "list the recorded changes (--usage: tokens and cost per role and model)",
                       {"usage": False}, ""),
    "show": CommandSpec("-", "show one change", {}, "CHANGE"),
    "diff": CommandSpec("-", "show the diff of one change", {}, "CHANGE"),
    "revert": CommandSpec("-", "revert a change exactly", {"force": False}, "CHANGE"),
    "doc": CommandSpec("architect", "show the architecture doc; `doc update`: propose an update; `doc accept`",
                       {"model": True, "accept-cut": False}, "[update [TEXT] | accept]"),
    "modularize": CommandSpec("architect", "plan modules for this notebook (then approve, build)",
                              {"model": True, "accept-cut": False}, "[FOCUS]"),
    "continue": CommandSpec("-", "go on with the last reply the output limit cut (--as-is: keep it as it is)",
                            {"as-is": False}, ""),
    "export": CommandSpec("-", "export the saved notebook's #| export cells to modules",
                          {"to": True, "check": False}, ""),
    "config": CommandSpec("-", "show the resolved configuration (keys masked)", {}, ""),
    "trust": CommandSpec("human", "trust this project's [tool.llmdev]: its providers, key variables, outside paths "
                         "(--revoke: stop)", {"revoke": False}, ""),
    "help": CommandSpec("-", "list the commands", {}, ""),
}


@dataclass
class Command:
    """A parsed command line."""

    name: str
    flags: dict[str, str | bool] = field(default_factory=dict)
    text: str = ""

    @property
    def spec(self) -> CommandSpec:
        return COMMANDS[self.name]


def parse_command(line: str, *, body: str | None = None, say: Say | None = None) -> Command:
    """Parse a magic / slash-command line; ``body`` is a ``%%llm`` cell's body (appended to the text).

    Raises :class:`CommandError` for an unknown flag, a flag missing its value, or a command given
    text it does not take; its usage hint is spelled with ``say`` (default: unquoted, as a magic).
    """
    stripped = line.strip()
    if stripped.startswith("/"):
        stripped = stripped[1:]
    head, _, rest = stripped.partition(" ")
    if head in COMMANDS:
        name, remainder = head, rest
    else:
        name, remainder = "ask", stripped
    spec = COMMANDS[name]
    flags, text = _parse_flags(name, spec, remainder, say)
    if body is not None and body.strip():
        text = f"{text}\n{body}".strip("\n") if text else body.strip("\n")
    if text and not spec.text:
        raise CommandError(f"`{name}` takes no text, got {text[:40]!r}.", hint=f"Usage: {usage(name, say=say)}")
    if spec.text == "PROMPT" and not text:
        raise CommandError(f"`{name}` needs a prompt.", hint=f"Usage: {usage(name, say=say)}")
    return Command(name, flags, text)


def _parse_flags(name: str, spec: CommandSpec, remainder: str,
                 say: Say | None) -> tuple[dict[str, str | bool], str]:
    flags: dict[str, str | bool] = {}
    rest = remainder.lstrip()
    while rest.startswith("--"):
        word, _, after = rest.partition(" ")
        flag, equals, value = word[2:].partition("=")
        if flag not in spec.flags:
            known = ", ".join(f"--{known}" for known in spec.flags) or "none"
            raise CommandError(f"Unknown flag --{flag} for `{name}` (flags: {known}).",
                               hint=f"Usage: {usage(name, say=say)}")
        if spec.flags[flag] and not equals:
            value, _, after = after.lstrip().partition(" ")
            if not value:
                raise CommandError(f"--{flag} needs a value.", hint=f"Usage: {usage(name, say=say)}")
        # a switch may still carry a value: `--replace=CELL_ID`
        flags[flag] = value if (spec.flags[flag] or equals) else True
        rest = after.lstrip()
    return flags, rest.strip()


def usage(name: str | None = None, *, say: Say | None = None) -> str:
    """One usage line for ``name`` spelled by ``say``, or the table of every command.

    Without ``say`` the line is the bare magic form (``%llm approve [--insert] ...``), as the
    grammar documents it.
    """
    spell = say or (lambda words: f"%llm {words}")
    if name is not None:
        spec = COMMANDS[name]
        flags = " ".join(f"[--{flag}{' VALUE' if takes else ''}]" for flag, takes in spec.flags.items())
        return spell(" ".join(part for part in (name, flags, spec.text) if part))
    width = max(len(command) for command in COMMANDS)
    rows = []
    for command, spec in COMMANDS.items():
        later = "" if spec.available else "  (not built yet)"
        rows.append(f"  {command.ljust(width)}  {spec.summary}{later}")
    quoted = say or kernel_say
    return f"Commands ({quoted('PROMPT')} is {quoted('ask PROMPT')}):\n" + "\n".join(rows)
