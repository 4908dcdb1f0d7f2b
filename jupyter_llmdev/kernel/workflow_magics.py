"""The workflow commands of ``%llm`` in a kernel: plan, modularize, approve, build, review, fix, doc.

:class:`~.magics.LLMMagics` dispatches ``%llm <command>`` here for these commands. Records
(plans, reviews, doc proposals) are kept in the magics' session records and, when the
JupyterLab frontend is connected, sent to it (``record`` messages) to be stored in the
notebook; ChangeSets are delivered exactly as ``ask`` delivers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ..commands import Command, kernel_say, usage
from ..errors import Cancelled, CommandError, LLMError
from ..llm.types import Delta, StreamEvent
from ..notebook.snapshot import NotebookSnapshot
from ..streamview import StreamView
from .workflow_view import MarkdownView, show

if TYPE_CHECKING:
    from ..engine.steps import Step
    from ..engine.workflow import Workflow
    from .magics import LLMMagics

__all__ = ["WorkflowCommands"]

T = TypeVar("T")


@dataclass
class _Here:
    """Where a command runs: the notebook as context, the running cell, the recorded history."""

    snapshot: NotebookSnapshot
    live: bool
    target: str | None
    exclude: tuple[str, ...]
    section: dict[str, Any]


class WorkflowCommands:
    """``cmd_<name>`` handlers for the workflow commands, on behalf of one :class:`LLMMagics`."""

    def __init__(self, magics: LLMMagics) -> None:
        self.magics = magics

    # -- commands ----------------------------------------------------------------------------

    def cmd_plan(self, command: Command) -> None:
        from ..context import interpolate
        from ..notebook.plans import current_plan

        here = self._here()
        if not command.text:
            plan = current_plan(here.section)
            if plan is None:
                print(f"No plan yet. Start one with {kernel_say('plan PROMPT')}.")
                return
            heading = f"Plan {plan['id']} ({plan['status']})"
            show(f"{heading}\n\n{plan['text']}", rich=self._rich(), markdown=f"**{heading}**\n\n{plan['text']}")
            return
        prompt, variables = interpolate(command.text, self.magics.shell.user_ns)
        flow = self._flow()
        step = flow.plan(here.section, here.snapshot, prompt, new=bool(command.flags.get("new")),
                         model=_flag(command, "model"), target=here.target, exclude=here.exclude,
                         variables=variables or None)
        view = MarkdownView(rich=self._rich())
        outcome = self._run(flow, step, view, command=command)
        if outcome is None:
            return
        view.finish()
        self._store(outcome.records, here)
        self._notes(view, outcome.notes, _tail(outcome))

    def cmd_modularize(self, command: Command) -> None:
        """A new architect plan for modules: ``plan --new`` with the modularize request."""
        from ..engine.modularize import modularize_request

        self.cmd_plan(Command("plan", {**command.flags, "new": True}, modularize_request(command.text)))

    def cmd_approve(self, command: Command) -> None:
        from ..engine.workflow import local_user

        here = self._here()
        outcome = self._flow().approve(here.section, _ref(command), user=local_user(),
                                       insert=bool(command.flags.get("insert")), snapshot=here.snapshot,
                                       after=_flag(command, "after") or here.target)
        view = StreamView(rich=self._rich())
        if outcome.changeset is not None:
            self.magics.deliver(outcome.changeset, live=here.live, view=view, notebook_path=here.snapshot.path,
                                records=outcome.records, where=" below")
        else:
            self._store(outcome.records, here)
        self._notes(view, outcome.notes)

    def cmd_build(self, command: Command) -> None:
        here = self._here()
        no_plan = command.text if command.flags.get("no-plan") else None
        flow = self._flow()
        step = flow.build(here.section, here.snapshot, None if no_plan is not None else _ref(command),
                          no_plan=no_plan, model=_flag(command, "model"),
                          target=_flag(command, "after") or here.target, exclude=here.exclude)
        self._change(flow, step, command, here)

    def cmd_review(self, command: Command) -> None:
        from ..engine.review_report import review_html, review_text

        here = self._here()
        flow = self._flow()
        step = flow.review(here.section, here.snapshot, _ref(command), exclude=here.exclude,
                           models=_flag(command, "models"))
        view = StreamView(rich=self._rich())
        names = ", ".join(call.endpoint.describe() for call in step.calls)
        view.status(f"{len(step.calls)} reviewer(s) at once: {names}")
        outcome = self._run(flow, step, view, command=command)
        if outcome is None:
            return
        answered = sum(1 for entry in outcome.review["reviewers"] if not entry["error"])
        view.status(f"{answered} of {len(step.calls)} reviewer(s) answered")
        self._store(outcome.records, here)
        show(review_text(outcome.review), rich=self._rich(), html=review_html(outcome.review))
        self._notes(view, outcome.notes)

    def cmd_fix(self, command: Command) -> None:
        from ..notebook.reviews import parse_only

        here = self._here()
        only = _flag(command, "only")
        flow = self._flow()
        # fix cells go after the reviewed change (the engine's default), never where the cursor is
        step = flow.fix(here.section, here.snapshot, _ref(command), only=parse_only(only) if only else None,
                        model=_flag(command, "model"), target=_flag(command, "after"), exclude=here.exclude)
        self._change(flow, step, command, here)

    def cmd_doc(self, command: Command) -> None:
        action, _, rest = command.text.partition(" ")
        if action not in ("", "update", "accept") or (action == "accept" and rest.strip()):
            raise CommandError(f"`doc` takes update [TEXT] or accept, not {command.text[:40]!r}.",
                               hint=f"Usage: {usage('doc', say=kernel_say)}")
        here = self._here()
        flow = self._flow()
        rich = self._rich()
        if action == "":
            doc = flow.doc(here.section)
            pending = (f"\n\n(pending proposal {doc.pending['id']}: {kernel_say('doc accept')} writes it)"
                       if doc.pending else "")
            if doc.text is None:
                print(f"No architecture doc found (looked for {doc.shown_path}). "
                      f"{kernel_say('doc update TEXT')} asks the architect for one.{pending}")
                return
            show(f"{doc.shown_path}\n\n{doc.text}{pending}", rich=rich, markdown=f"{doc.text}{pending}")
            return
        if action == "update":
            step = flow.doc_update(here.section, here.snapshot, rest, model=_flag(command, "model"),
                                   exclude=here.exclude)
            view = StreamView(rich=rich)
            outcome = self._run(flow, step, view, sink=_status_only(view), command=command)
            if outcome is None:
                return
            self._store(outcome.records, here)
            if outcome.record["summary"]:
                print(outcome.record["summary"])
            if outcome.diff:
                show(outcome.diff, rich=rich, markdown=f"```diff\n{outcome.diff}\n```")
            self._notes(view, outcome.notes, _tail(outcome.record))
            return
        from ..notebook.docs import write_accepted_doc
        from ..engine.workflow import local_user

        outcome = flow.doc_accept(here.section, user=local_user())
        self.magics.session.check(outcome.records)
        write_accepted_doc(outcome.path, outcome.new_text,
                           previous=outcome.previous, backup=outcome.backup)
        self._store(outcome.records, here)
        self._notes(StreamView(rich=rich), outcome.notes)

    # -- shared steps ------------------------------------------------------------------------

    def publish(self, records: list[Any], notebook_path: str | None) -> bool:
        """Send records to the frontend to store in the notebook; False when none is connected."""
        channel = self.magics.channel
        if channel is None or not channel.connected or not records:
            return False
        for kind, record in records:
            channel.send("record", notebook_path=notebook_path, kind=kind, record=record)
        return True

    def _change(self, flow: Workflow, step: Step[Any], command: Command, here: _Here) -> None:
        """Run a developer step (build, fix) and deliver its ChangeSet the way ``ask`` does."""
        view = StreamView(rich=self._rich())
        outcome = self._run(flow, step, view, command=command)
        if outcome is None:
            return
        view.end_text()
        tail = _tail(outcome)
        if outcome.changeset is None:
            empty = "the reply holds no cells (only fenced blocks become cells); nothing inserted."
            self._notes(view, [empty, *outcome.notes], tail)
            return
        delivered = self.magics.deliver(outcome.changeset, live=here.live, view=view,
                                        notebook_path=here.snapshot.path, tail=tail,
                                        dry_run=bool(command.flags.get("dry-run")), records=outcome.records)
        if delivered:
            self._notes(view, outcome.notes)

    def _here(self) -> _Here:
        from .magics import last_id

        cell_id = self.magics.executing_cell_id()
        snapshot, live = self.magics.snapshot(cell_id)
        target = cell_id if snapshot.index(cell_id) is not None else last_id(snapshot)
        return _Here(snapshot, live, target, (cell_id,) if cell_id else (), self.magics.history())

    def _run(self, flow: Workflow, step: Step[T], view: Any, sink: Any = None, *, command: Command) -> T | None:
        """Run ``step`` (or, under ``%llm continue``, the continuation of the cut reply instead)."""
        resume = self.magics.resume
        try:
            if resume is not None and resume[0] == "as-is":
                from ..engine.cut import keep_cut

                return keep_cut(resume[1])  # type: ignore[no-any-return]
            if resume is not None:
                return flow.run(flow.continue_cut(resume[1]), sink or view)  # type: ignore[no-any-return]
            return flow.run(step, sink or view, accept_cut=bool(command.flags.get("accept-cut")))
        except Cancelled as error:
            view.stopped(error.partial, cancelled=True)
            return None
        except LLMError as error:
            view.stopped(error.partial, cancelled=False)
            raise

    def _store(self, records: list[Any], here: _Here) -> None:
        """Keep records in the session and send them to the frontend (in its own path terms)."""
        self.magics.session.add(self.magics.notebook_path(), records)
        self.publish(records, here.snapshot.path)

    def _flow(self) -> Workflow:
        from ..engine.workflow import Workflow

        return Workflow(self.magics.resolved_config())

    def _rich(self) -> bool:
        return self.magics.in_kernel()

    @staticmethod
    def _notes(view: Any, notes: list[str], tail: str = "") -> None:
        for number, note in enumerate(notes, start=1):
            view.note(f"[llm] {note}{tail if number == len(notes) else ''}")


def _ref(command: Command) -> str | None:
    """The id argument of a command (one word) or ``None``."""
    words = command.text.split()
    if len(words) > 1:
        raise CommandError(f"`{command.name}` takes one id, got {command.text[:40]!r}.",
                           hint=f"Usage: {usage(command.name, say=kernel_say)}")
    return words[0] if words else None


def _flag(command: Command, name: str) -> str | None:
    value = command.flags.get(name)
    return value if isinstance(value, str) and value else None


def _tail(result: Any) -> str:
    """Usage (and a cut reply) of an outcome or a record, as the end of the last note."""
    from .magics import summary_tail

    if isinstance(result, dict):
        from ..llm.types import Usage

        return f" {Usage.from_dict(result.get('usage')).describe()}."
    return summary_tail(result)


def _status_only(view: StreamView) -> Any:
    """A sink showing status lines only (the architect's whole new doc is shown as a diff instead)."""

    def sink(event: StreamEvent) -> None:
        if not isinstance(event, Delta):
            view(event)

    return sink
