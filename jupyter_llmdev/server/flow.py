"""The engine commands of the side panel on the server: plan, modularize, approve, build, review,
fix, doc, and the history views log, show and diff (read from the panel's section).

The panel sends its live notebook (cells and ``metadata.jupyter_llmdev``); the engine runs on
the server's loop and the ``done`` message carries the records to store and at most one
proposed ChangeSet. Nothing here writes the notebook: the panel stores the records through the
shared model (with the change on Insert). Only a typed ``/approve`` (or the panel's Approve
button, which sends that line) approves a plan: the engine never approves from model text.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..commands import Command, usage
from ..errors import CommandError
from ..llm.types import Delta, Status, StreamEvent
from .wire import server_message

if TYPE_CHECKING:
    from ..engine.workflow import Workflow
    from ..notebook.snapshot import NotebookSnapshot

__all__ = ["WORKFLOW_COMMANDS", "panel_say", "run_workflow"]

#: the commands this module runs
WORKFLOW_COMMANDS = ("plan", "modularize", "approve", "build", "review", "fix", "doc", "log", "show", "diff")

#: delivers one server message (a dict) to the panel
Send = Callable[[dict[str, Any]], None]


def panel_say(command: str) -> str:
    """A command as typed in the side panel: every hint and usage line the panel shows."""
    return f"`/{command}`"


async def run_workflow(message: dict[str, Any], command: Command, send: Send, *, config: Any,
                       snapshot: NotebookSnapshot, user: str,
                       environ: dict[str, str] | None = None, resume: tuple[str, Any] | None = None) -> None:
    """Run one workflow command for the panel and send its ``done`` (errors propagate).

    ``resume`` (``("continue" | "as-is", the ReplyCut)``): ``/continue`` re-runs the command
    whose reply was cut, with the continuation (or the cut reply as it is) instead of a new call.
    """
    from ..engine.workflow import Workflow

    flow = Workflow(config, environ=environ, say=panel_say)
    run = _Run(message, command, send, flow, snapshot, _section(message, snapshot), user)
    run.resume = resume
    await getattr(run, f"cmd_{command.name}")()


def _section(message: dict[str, Any], snapshot: NotebookSnapshot) -> dict[str, Any]:
    """The panel's ``metadata.jupyter_llmdev``, read and migrated like a saved notebook's."""
    from ..notebook.metadata import read_section

    raw = (message.get("snapshot") or {}).get("section")
    return read_section({"metadata": {"jupyter_llmdev": raw}} if raw is not None else {},
                        path=snapshot.path and Path(snapshot.path).name)


class _Run:
    """One request: the command, the notebook it is about, and how to answer."""

    def __init__(self, message: dict[str, Any], command: Command, send: Send, flow: Workflow,
                 snapshot: NotebookSnapshot, section: dict[str, Any], user: str) -> None:
        self.id = message["id"]
        self.command = command
        self.send = send
        self.flow = flow
        self.snapshot = snapshot
        self.section = section
        self.user = user
        #: the panel's model picker choice for this command's role (a --model flag wins)
        self.model = message.get("model")
        #: set by ``/continue``: see :func:`run_workflow`
        self.resume: tuple[str, Any] | None = None
        after = command.flags.get("after")
        self.target = after if isinstance(after, str) and after else message.get("target_cell_id")

    # -- commands ------------------------------------------------------------------------------

    async def cmd_plan(self) -> None:
        await self._plan(self.command.text, new=bool(self.command.flags.get("new")))

    async def cmd_modularize(self) -> None:
        """A new architect plan for modules: ``/plan --new`` with the modularize request."""
        from ..engine.modularize import modularize_request

        await self._plan(modularize_request(self.command.text), new=True)

    async def _plan(self, prompt: str, *, new: bool) -> None:
        from ..notebook.plans import current_plan

        if not prompt:
            plan = current_plan(self.section)
            text = (f"Plan {plan['id']} ({plan['status']})\n\n{plan['text']}" if plan
                    else f"No plan yet. Start one with {panel_say('plan PROMPT')}.")
            self._done(text)
            return
        step = self.flow.plan(self.section, self.snapshot, prompt, new=new, model=self._flag("model"),
                              target=self.target)
        outcome = await self._arun(step, self._sink)
        self._done(outcome.text, outcome=outcome, prose=outcome.notes, usage=outcome.usage,
                   context_summary=outcome.context_summary, endpoint=outcome.endpoint,
                   truncated=outcome.truncated)

    async def cmd_approve(self) -> None:
        outcome = self.flow.approve(self.section, self._ref(), user=self.user,
                                    insert=bool(self.command.flags.get("insert")), snapshot=self.snapshot,
                                    after=self.target)
        self._done("\n".join(outcome.notes), outcome=outcome)

    async def cmd_build(self) -> None:
        no_plan = self.command.text if self.command.flags.get("no-plan") else None
        # placed by the plan and the reviewed change, never by where the panel's cursor is: build
        # appends (or follows --after), fix follows the reviewed change
        step = self.flow.build(self.section, self.snapshot, None if no_plan is not None else self._ref(),
                               no_plan=no_plan, model=self._flag("model"), target=self._flag("after"))
        await self._change(step)

    async def cmd_fix(self) -> None:
        from ..notebook.reviews import parse_only

        only = self._flag("only")
        step = self.flow.fix(self.section, self.snapshot, self._ref(), only=parse_only(only) if only else None,
                             model=self._flag("model"), target=self._flag("after"))
        await self._change(step)

    async def cmd_review(self) -> None:
        from ..engine.review_report import review_text

        # --models, else the panel's reviewer picker (sent as the request's model; "A,B" for two)
        models = self.command.flags.get("models")
        picked = models if isinstance(models, str) and models else self.model
        step = self.flow.review(self.section, self.snapshot, self._ref(), models=picked)
        names = ", ".join(call.endpoint.describe() for call in step.calls)
        self._status(f"{len(step.calls)} reviewer(s) at once: {names}")
        outcome = await self._arun(step, self._status_sink)
        self._done(review_text(outcome.review), outcome=outcome, prose=outcome.notes)

    async def cmd_doc(self) -> None:
        action, _, rest = self.command.text.partition(" ")
        if action not in ("", "update", "accept") or (action == "accept" and rest.strip()):
            raise CommandError(f"`doc` takes update [TEXT] or accept, not {self.command.text[:40]!r}.",
                               hint=f"Usage: {usage('doc', say=panel_say)}")
        if action == "":
            doc = self.flow.doc(self.section)
            pending = (f"\n\n(pending proposal {doc.pending['id']}: {panel_say('doc accept')} writes it)"
                       if doc.pending else "")
            if doc.text is None:
                self._done(f"No architecture doc found (looked for {doc.shown_path}). "
                           f"{panel_say('doc update TEXT')} asks the architect for one.{pending}")
            else:
                self._done(f"{doc.shown_path}\n\n{doc.text}{pending}")
            return
        if action == "update":
            step = self.flow.doc_update(self.section, self.snapshot, rest, model=self._flag("model"))
            outcome = await self._arun(step, self._status_sink)
            record = outcome.record
            text = "\n\n".join(part for part in (record.get("summary") or "", outcome.diff) if part)
            self._done(text, outcome=outcome, prose=outcome.notes)
            return
        from ..engine.streaming import off_loop
        from ..notebook.docs import write_accepted_doc

        # in the engine's worker thread: it diffs the proposal (stored model text) against the file, and
        # difflib is far from linear on crafted text; the server's loop must not wait for it
        outcome = await off_loop(lambda: self.flow.doc_accept(self.section, user=self.user))
        _check(outcome.records)
        write_accepted_doc(outcome.path, outcome.new_text,
                           previous=outcome.previous, backup=outcome.backup)
        self._done("\n".join(outcome.notes), outcome=outcome)

    async def cmd_log(self) -> None:
        from ..notebook.history import log_lines

        if self.command.flags.get("usage"):
            from ..engine.ledger import format_usage, usage_rows

            self._done("\n".join(format_usage(usage_rows(self.section), self.flow.config.prices)))
            return
        lines = log_lines(self.section, cells=self.snapshot.cells)
        self._done("\n".join(lines) if lines else "No changes recorded in this notebook yet.")

    async def cmd_show(self) -> None:
        from ..notebook.history import show_change

        self._done(show_change(self.section, self._change_id(), cells=self.snapshot.cells))

    async def cmd_diff(self) -> None:
        from ..notebook.history import diff_change

        # display: control characters escaped (the history comes with the notebook: untrusted)
        self._done(diff_change(self.section, self._change_id(), display=True))

    # -- shared ------------------------------------------------------------------------------

    def _change_id(self) -> str:
        ref = self._ref()
        if ref is None:
            raise CommandError(f"`/{self.command.name}` needs a change id (the History section lists them).",
                               hint=f"Usage: {usage(self.command.name, say=panel_say)}")
        return ref

    async def _arun(self, step: Any, sink: Any) -> Any:
        """Run ``step``, or under ``/continue`` the cut reply's continuation (or the reply as it is)."""
        if self.resume is not None and self.resume[0] == "as-is":
            from ..engine.cut import keep_cut

            return keep_cut(self.resume[1])
        if self.resume is not None:
            return await self.flow.arun(self.flow.continue_cut(self.resume[1]), sink)
        return await self.flow.arun(step, sink, accept_cut=bool(self.command.flags.get("accept-cut")))

    async def _change(self, step: Any) -> None:
        """A developer step (build, fix): stream it, then propose its ChangeSet with its records."""
        outcome = await self._arun(step, self._sink)
        notes = list(outcome.notes)
        if outcome.changeset is None:
            notes.insert(0, "The reply holds no cells (only fenced blocks become cells); nothing to insert.")
        self._done(outcome.text, outcome=outcome, prose=[*outcome.prose, *notes], usage=outcome.usage,
                   context_summary=outcome.context_summary, endpoint=outcome.endpoint,
                   truncated=outcome.truncated)

    def _done(self, text: str, *, outcome: Any = None, prose: list[str] | None = None, usage: Any = None,
              context_summary: str = "", endpoint: Any = None, truncated: bool = False) -> None:
        records = list(outcome.records) if outcome is not None else []
        changeset = outcome.changeset if outcome is not None else None
        _check(records, changeset)
        wire_change = None
        if changeset is not None:
            wire_change = changeset.to_dict()
            wire_change["status"] = "proposed"
        self.send(server_message(
            "done",
            id=self.id,
            command=self.command.name,
            text=text,
            changeset=wire_change,
            records=[{"kind": kind, "record": record} for kind, record in records],
            prose=[line for line in (prose or []) if line],
            context_summary=context_summary,
            usage=usage.to_dict() if usage is not None and usage.reported else {},
            truncated=bool(truncated),
            model=endpoint.describe() if endpoint is not None else None,
        ))

    def _sink(self, event: StreamEvent) -> None:
        if isinstance(event, Delta):
            self.send(server_message("delta", id=self.id, text=event.text))
        elif isinstance(event, Status):
            self._status(event.text)

    def _status_sink(self, event: StreamEvent) -> None:
        if isinstance(event, Status):
            self._status(event.text)

    def _status(self, text: str) -> None:
        self.send(server_message("status", id=self.id, text=text))

    def _flag(self, name: str) -> str | None:
        value = self.command.flags.get(name)
        if name == "model" and not (isinstance(value, str) and value):
            value = self.model
        return value if isinstance(value, str) and value else None

    def _ref(self) -> str | None:
        words = self.command.text.split()
        if len(words) > 1:
            raise CommandError(f"`/{self.command.name}` takes one id, got {self.command.text[:40]!r}.",
                               hint=f"Usage: {usage(self.command.name, say=panel_say)}")
        return words[0] if words else None


def _check(records: list[Any], changeset: Any = None) -> None:
    """MetadataError unless the new records (and change) are valid on their own (a bug otherwise)."""
    from ..notebook.metadata import empty_section, validate_section
    from ..notebook.records import upsert

    alone = empty_section()
    upsert(alone, records)
    if changeset is not None:
        record = changeset.to_dict()
        record["status"] = "applied"
        alone["changes"].append(record)
    validate_section(alone)
