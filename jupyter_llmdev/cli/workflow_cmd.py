"""``llmdev plan | modularize | approve | build | review | fix | doc``: the architect -> developer -> reviewer
workflow on files; ``llmdev continue`` says why the CLI has no cut reply to go on with, ``llmdev help``
lists the commands.

Each command reads the notebook (and stops on a corrupt or newer history before spending
tokens), runs the step, then stores the records and the change in one atomic write; a failure
leaves the file byte-identical. Only ``approve``, typed by a human, approves a plan.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..commands import Say
from ..errors import CommandError, NoCells
from .notebook_file import check_cell, open_notebook, save, streamed
from .output import show


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    plan = _command(subparsers, "plan", "start or continue the draft plan with the architect (nothing is inserted)",
                    "Talk the change through with the architect model. The plan is stored in the notebook's "
                    "metadata as a draft; nothing is built until you run `llmdev approve`.", _plan)
    _words(plan, "prompt", "what should change ('-' reads stdin; none: show the plan)")
    plan.add_argument("--new", action="store_true", help="start a new plan; the current draft is superseded")
    _model_after(plan)
    modularize = _command(subparsers, "modularize", "plan how this notebook becomes modules (then approve, build)",
                          "The architect proposes which cells become which modules and functions (directives "
                          "#| default_exp / #| export, functions to extract) as a new plan; `llmdev approve` "
                          "then `llmdev build` make the change, and `llmdev export` writes the modules.",
                          _modularize)
    _words(modularize, "prompt", "an optional focus, e.g. 'only the loading code'")
    _model_after(modularize)
    approve = _command(subparsers, "approve", "approve the draft plan (the only way a plan gets approved)",
                       "Mark the plan approved, with the time and your user name. No model reply can do this.",
                       _approve)
    approve.add_argument("plan", nargs="?", help="plan id or prefix (default: the newest draft)")
    approve.add_argument("--insert", action="store_true", help="also insert the plan as a Markdown cell")
    approve.add_argument("--after", metavar="CELL_ID", help="with --insert: after this cell (default: the last)")
    build = _command(subparsers, "build", "implement the approved plan as one recorded change",
                     "The developer model implements the approved plan as one change linked to it (inserts "
                     "and replacements across cells). Refuses without an approved plan unless --no-plan.",
                     _build)
    _words(build, "words", "plan id or prefix (with --no-plan: the prompt)", metavar="PLAN")
    build.add_argument("--no-plan", action="store_true", help="build from the prompt given instead of a plan")
    _model_after(build, dry_run=True)
    review = _command(subparsers, "review", "review a change against its plan with every configured reviewer",
                      "Send the change's before/after, its plan and the architecture doc to each reviewer model "
                      "at once; record their findings and verdicts. A reviewer that fails is reported.", _review)
    review.add_argument("change", nargs="?", help="change id or prefix (default: the newest change)")
    review.add_argument("--models", metavar="A,B",
                        help="review with these 1 to 3 models (comma-separated) instead of reviewer_models")
    fix = _command(subparsers, "fix", "apply review findings as a new change",
                   "The developer model fixes the review's findings (all, or --only some) as a new change "
                   "whose parent is the reviewed change.", _fix)
    fix.add_argument("review", nargs="?", help="review id or prefix (default: the newest review)")
    fix.add_argument("--only", metavar="N,M", help="fix only these finding numbers (see `review`), e.g. 1,3")
    _model_after(fix, dry_run=True)
    doc = _command(subparsers, "doc", "show the architecture doc; propose (update) or accept an update",
                   "`doc NB` shows the doc. `doc NB update [TEXT]` asks the architect for the doc updated "
                   "after the newest built plan and shows it as a diff; `doc NB accept` writes it, keeping "
                   "the previous version in .llmdev/doc-history/.", _doc)
    doc.add_argument("action", nargs="?", choices=("show", "update", "accept"), default="show")
    _words(doc, "text", "with update: what else to change")
    doc.add_argument("--model", help="architect model for this request")
    _accept_cut(doc)
    go_on = subparsers.add_parser(
        "continue", help="(kernel and panel only) go on with a reply the output limit cut",
        description="The CLI keeps nothing between runs, so it has no cut reply to go on with: run the "
        "command again with --accept-cut (keep the cut reply) or a higher max_output_tokens.")
    go_on.add_argument("notebook", nargs="?", help="ignored")
    go_on.add_argument("--as-is", action="store_true", help="ignored")
    go_on.set_defaults(handler=_continue)
    helper = subparsers.add_parser("help", help="list the commands (as --help does)")
    helper.set_defaults(handler=_help)


def _accept_cut(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--accept-cut", action="store_true",
                        help="keep a reply the output limit cut as it is (default: exit 3, write nothing)")


def _command(subparsers: argparse._SubParsersAction, name: str, summary: str, description: str,
             handler: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=summary, description=description)
    parser.add_argument("notebook", help="the .ipynb file")
    parser.set_defaults(handler=handler)
    return parser


def _words(parser: argparse.ArgumentParser, dest: str, help_text: str, metavar: str | None = None) -> None:
    """A ``nargs="*"`` positional that also takes the words written after flags.

    argparse fills a ``*`` positional from the words before the first flag only, so
    ``llmdev plan NB --new add a loader`` would leave "add a loader" unrecognised.
    """
    parser.add_argument(dest, nargs="*", metavar=metavar, help=help_text)
    parse = parser.parse_known_args

    def parse_known_args(args: Any = None, namespace: Any = None) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = parse(args, namespace)
        words = [extra for extra in extras if extra == "-" or not extra.startswith("-")]
        setattr(parsed, dest, [*getattr(parsed, dest), *words])
        return parsed, [extra for extra in extras if extra not in words]

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def _model_after(parser: argparse.ArgumentParser, *, dry_run: bool = False) -> None:
    parser.add_argument("--model", help="model for this request, e.g. gpt-4o or local:qwen2.5-coder")
    parser.add_argument("--after", metavar="CELL_ID", help="new cells go after this cell (default: the last)")
    _accept_cut(parser)
    if dry_run:
        parser.add_argument("--dry-run", action="store_true", help="show the change as a diff; write nothing")


def cli_say(path: Path | str) -> Say:
    """The CLI's spelling of a hint (command + arguments) about notebook ``path``:
    ``cli_say(nb)("fix --only 1,2")`` -> "`llmdev fix NB --only 1,2`"."""

    def say(command: str) -> str:
        verb, _, rest = command.partition(" ")
        return f"`llmdev {verb} {path}{' ' + rest if rest else ''}`"

    return say


def _flow(path: Path) -> Any:
    from ..engine.workflow import Workflow
    from .config_load import cli_config

    return Workflow(cli_config(path), say=cli_say(path))


def _continue(args: argparse.Namespace) -> int:
    del args
    raise CommandError("The CLI keeps nothing between runs, so there is no cut reply to continue here.",
                       hint="Run the command again with --accept-cut to keep a cut reply as it is, or raise "
                       "max_output_tokens; `%llm continue` and the panel's `/continue` go on with one.")


def _help(args: argparse.Namespace) -> int:
    del args
    from .main import build_parser

    build_parser().print_help()
    return 0


def _notes(notes: list[str]) -> None:
    for note in notes:
        show(f"[llm] {note}", file=sys.stderr)


def _modularize(args: argparse.Namespace) -> int:
    from ..engine.modularize import modularize_request

    args.prompt, args.new = [modularize_request(" ".join(args.prompt))], True
    return _plan(args)


def _plan(args: argparse.Namespace) -> int:
    path = Path(args.notebook)
    nb, section, snapshot = open_notebook(path)
    prompt = sys.stdin.read() if args.prompt == ["-"] else " ".join(args.prompt)
    if not prompt.strip():
        from ..notebook.plans import current_plan

        plan = current_plan(section)
        if plan is None:
            show(f"No plan in {path} yet. Start one with {cli_say(path)('plan PROMPT')}.")
        else:
            show(f"Plan {plan['id']} ({plan['status']})\n\n{plan['text']}")
        return 0
    check_cell(snapshot, args.after, path)
    flow = _flow(path)
    step = flow.plan(section, snapshot, prompt, new=args.new, model=args.model, target=args.after)
    outcome = streamed(lambda sink: flow.run(step, sink, accept_cut=args.accept_cut))
    save(path, nb, outcome.records)
    _notes(outcome.notes)
    return 0


def _approve(args: argparse.Namespace) -> int:
    from ..engine.workflow import local_user

    path = Path(args.notebook)
    nb, section, snapshot = open_notebook(path)
    check_cell(snapshot, args.after, path)
    outcome = _flow(path).approve(section, args.plan, user=local_user(), insert=args.insert, snapshot=snapshot,
                                  after=args.after)
    save(path, nb, outcome.records, outcome.changeset)
    _notes(outcome.notes)
    return 0


def _build(args: argparse.Namespace) -> int:
    path = Path(args.notebook)
    nb, section, snapshot = open_notebook(path)
    check_cell(snapshot, args.after, path)
    no_plan = None
    ref = None
    if args.no_plan:
        no_plan = sys.stdin.read() if args.words == ["-"] else " ".join(args.words)
    elif len(args.words) > 1:
        raise CommandError("`build` takes one plan id.",
                           hint=f"To build from a prompt without a plan: {cli_say(path)('build --no-plan PROMPT')}")
    elif args.words:
        ref = args.words[0]
    flow = _flow(path)
    step = flow.build(section, snapshot, ref, no_plan=no_plan, model=args.model, target=args.after)
    return _write_change(path, nb, flow, step, dry_run=args.dry_run, accept_cut=args.accept_cut)


def _fix(args: argparse.Namespace) -> int:
    from ..notebook.reviews import parse_only

    path = Path(args.notebook)
    nb, section, snapshot = open_notebook(path)
    check_cell(snapshot, args.after, path)
    flow = _flow(path)
    step = flow.fix(section, snapshot, args.review, only=parse_only(args.only) if args.only else None,
                    model=args.model, target=args.after)
    return _write_change(path, nb, flow, step, dry_run=args.dry_run, accept_cut=args.accept_cut)


def _write_change(path: Path, nb: Any, flow: Any, step: Any, *, dry_run: bool, accept_cut: bool) -> int:
    outcome = streamed(lambda sink: flow.run(step, sink, accept_cut=accept_cut))
    if outcome.changeset is None:
        _notes(outcome.notes)
        raise NoCells("The reply holds no cells (only fenced code blocks become cells); the notebook is unchanged.",
                      hint="Read the developer's answer above; run the command again, or refine the plan.")
    if save(path, nb, outcome.records, outcome.changeset, dry_run=dry_run):
        _notes([f"change {outcome.changeset.id}: {len(outcome.changeset.edits)} edit(s) written to {path}",
                *outcome.notes])
    return 0


def _review(args: argparse.Namespace) -> int:
    from ..engine.review_report import review_text

    path = Path(args.notebook)
    nb, section, snapshot = open_notebook(path)
    flow = _flow(path)
    step = flow.review(section, snapshot, args.change, models=args.models)
    names = ", ".join(call.endpoint.describe() for call in step.calls)
    print(f"[llm] {len(step.calls)} reviewer(s) at once: {names}", file=sys.stderr)
    outcome = streamed(lambda sink: flow.run(step, sink), show_text=False)
    save(path, nb, outcome.records)
    show(review_text(outcome.review))
    _notes(outcome.notes)
    return 0


def _doc(args: argparse.Namespace) -> int:
    path = Path(args.notebook)
    nb, section, snapshot = open_notebook(path)
    flow = _flow(path)
    text = " ".join(args.text)
    if text and args.action != "update":
        raise CommandError(f"`doc {args.action}` takes no text.", hint=f"Usage: {cli_say(path)('doc update [TEXT]')}")
    if args.action == "show":
        doc = flow.doc(section)
        if doc.text is None:
            show(f"No architecture doc found (looked for {doc.shown_path}); "
                 f"{cli_say(path)('doc update TEXT')} asks the architect for one.")
        else:
            show(doc.text, end="" if doc.text.endswith("\n") else "\n")
        if doc.pending:
            _notes([f"pending proposal {doc.pending['id']}: {cli_say(path)('doc accept')} writes it."])
        return 0
    if args.action == "update":
        step = flow.doc_update(section, snapshot, text, model=args.model)
        outcome = streamed(lambda sink: flow.run(step, sink, accept_cut=args.accept_cut), show_text=False)
        save(path, nb, outcome.records)
        if outcome.record["summary"]:
            show(outcome.record["summary"])
        if outcome.diff:
            show(outcome.diff)
        _notes(outcome.notes)
        return 0
    from ..notebook.docs import write_accepted_doc
    from ..engine.workflow import local_user
    from ..notebook.records import commit

    outcome = flow.doc_accept(section, user=local_user())
    commit(nb, outcome.records)  # checked before the doc is written
    write_accepted_doc(outcome.path, outcome.new_text,
                       previous=outcome.previous, backup=outcome.backup)
    from ..notebook.io import write_notebook

    write_notebook(path, nb)
    _notes(outcome.notes)
    return 0
