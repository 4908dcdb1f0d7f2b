"""``%llm`` / ``%%llm``: the command grammar of :mod:`jupyter_llmdev.commands` inside a kernel."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from IPython.core.magic import Magics, line_cell_magic, magics_class

from ..commands import Command, kernel_say, parse_command, usage
from ..errors import Cancelled, CommandError, LLMError, ReplyCut
from ..notebook.snapshot import CellSnapshot, NotebookSnapshot
from ..streamview import StreamView
from .comm import LiveChannel

if TYPE_CHECKING:
    from .session import SessionRecords
    from .workflow_magics import WorkflowCommands

__all__ = ["LLMMagics"]

#: user-namespace names under which front ends publish the notebook's path
_PATH_NAMES = ("__session__", "__vsc_ipynb_file__")


@magics_class
class LLMMagics(Magics):
    """The ``%llm`` line magic and ``%%llm`` cell magic."""

    def __init__(self, shell: Any, channel: LiveChannel | None = None) -> None:
        super().__init__(shell)
        self.channel = channel
        #: the last command whose reply the output limit cut, and its error (for ``continue``)
        self.last_cut: tuple[Command, ReplyCut] | None = None
        #: while ``continue`` re-runs that command: ("continue" | "as-is", the error)
        self.resume: tuple[str, ReplyCut] | None = None

    # the workflow parts are made on first use, so that %load_ext stays cheap

    @cached_property
    def session(self) -> SessionRecords:
        """Plans, reviews, doc proposals and changes made in this kernel, per notebook."""
        from .session import SessionRecords

        return SessionRecords()

    @cached_property
    def workflow(self) -> WorkflowCommands:
        """The handlers of plan, approve, build, review, fix and doc."""
        from .workflow_magics import WorkflowCommands

        return WorkflowCommands(self)

    @line_cell_magic
    def llm(self, line: str, cell: str | None = None) -> None:
        """Ask the LLM, or run a history command; ``%llm help`` lists the commands."""
        command = parse_command(line, body=cell, say=kernel_say)
        if not command.spec.available:
            raise CommandError(
                f"`{command.name}` is not built yet in this version of jupyter-llmdev.",
                hint=f"{kernel_say('help')} lists what works today.",
            )
        try:
            self._handler(command)(command)
        except ReplyCut as error:
            self.last_cut = (command, error)
            raise

    def _handler(self, command: Command) -> Any:
        return getattr(self, f"_cmd_{command.name}", None) or getattr(self.workflow, f"cmd_{command.name}")

    # -- commands ----------------------------------------------------------------------------

    def _cmd_help(self, command: Command) -> None:
        del command
        print(usage(say=kernel_say))

    def _cmd_config(self, command: Command) -> None:
        del command
        from ..config import format_config_table

        print(format_config_table(self.resolved_config()))

    def _cmd_continue(self, command: Command) -> None:
        """Go on with the last cut reply (the model continues it), or ``--as-is``: keep it as it is."""
        if self.last_cut is None:
            raise CommandError("No reply was cut by the output limit in this kernel: there is nothing to continue.")
        original, error = self.last_cut
        self.resume = ("as-is" if command.flags.get("as-is") else "continue", error)
        try:
            self._handler(original)(original)
        finally:
            self.resume = None
        self.last_cut = None

    def _cmd_trust(self, command: Command) -> None:
        import getpass

        from ..config.trust import trust_project

        path = self.notebook_path()
        start = Path(path).parent if path else Path.cwd()
        print(trust_project(start, user=getpass.getuser(), revoke_it=bool(command.flags.get("revoke"))).report())

    def _cmd_ask(self, command: Command) -> None:
        from ..context import interpolate
        from ..engine.ask import AskRequest

        cell_id = self.executing_cell_id()
        snapshot, live = self.snapshot(cell_id)
        target = cell_id if snapshot.index(cell_id) is not None else last_id(snapshot)
        replace = command.flags.get("replace")
        replace_id = (replace if isinstance(replace, str) else target) if replace else None
        prompt, variables = interpolate(command.text, self.shell.user_ns)
        request = AskRequest(
            prompt=prompt,
            snapshot=snapshot,
            target_cell_id=str(command.flags.get("after") or target or "") or None,
            replace_id=replace_id,
            model=str(command.flags["model"]) if "model" in command.flags else None,
            variables=variables,
            exclude_cell_ids=(cell_id,) if cell_id and not replace_id else (),
            accept_cut=bool(command.flags.get("accept-cut")),
            markdown=not command.flags.get("no-markdown"),
        )
        view = StreamView(rich=self.in_kernel())
        try:
            result = self._engine_for().ask(request, view, resume=self.resume)
        except Cancelled as error:
            view.stopped(error.partial, cancelled=True)
            return
        except LLMError as error:
            view.stopped(error.partial, cancelled=False)
            raise
        view.end_text()
        if result.changeset is None:
            view.note(f"[llm] the reply holds no cells; nothing inserted.{summary_tail(result)}")
            return
        replace = bool(command.flags.get("replace"))
        self.deliver(result.changeset, live=live, view=view, notebook_path=snapshot.path, tail=summary_tail(result),
                     where=" in place of this cell" if result.proposed and replace else " below",
                     replace=replace, dry_run=bool(command.flags.get("dry-run")))

    def _cmd_log(self, command: Command) -> None:
        from ..notebook.history import log_lines

        section = self.history()
        if command.flags.get("usage"):
            from ..engine.ledger import format_usage, usage_rows

            print("\n".join(format_usage(usage_rows(section), self.resolved_config().prices)))
            return
        shown = self.session.shown_status(self.notebook_path())
        lines = log_lines(section, status_of=shown, cells=self._cells_on_display())
        print("\n".join(lines) if lines else "No changes recorded in this notebook yet.")
        if any(record["id"] in shown for record in section["changes"]):
            from .session import SESSION_ONLY_NOTE

            print(SESSION_ONLY_NOTE)

    def _cmd_show(self, command: Command) -> None:
        from ..notebook.history import show_change

        print(show_change(self.history(), _change_id(command), cells=self._cells_on_display()))

    def _cmd_diff(self, command: Command) -> None:
        from ..notebook.history import diff_change

        print(diff_change(self.history(), _change_id(command), color=True))

    def _cmd_export(self, command: Command) -> None:
        from ..export import export_notebooks
        from ..export.report import export_report

        path = self.notebook_path()
        if not path:
            raise CommandError(
                "This kernel does not know which notebook it belongs to.",
                hint="Use the CLI: llmdev export NOTEBOOK.ipynb",
            )
        to = command.flags.get("to")
        result = export_notebooks([path], to=str(to) if to else None, check=bool(command.flags.get("check")))
        lines, code = export_report(result)
        print(f"[llm] exporting the saved {Path(path).name} (save first to include unsaved edits)")
        print("\n".join(lines))
        if code:
            raise CommandError("Exported modules are out of date.", hint=f"Run {kernel_say('export')} to update them.")

    def _cmd_revert(self, command: Command) -> None:
        change = _change_id(command)
        path = self.notebook_path() or "NOTEBOOK.ipynb"
        raise CommandError(
            "The kernel cannot safely rewrite a notebook that is open in an editor.",
            hint=f"Use the LLM panel's History > Revert, or save and run: llmdev revert {path} {change}",
        )

    # -- delivery ----------------------------------------------------------------------------

    def deliver(self, changeset: Any, *, live: bool, view: Any, notebook_path: str | None, tail: str = "",
                where: str = "", replace: bool = False, dry_run: bool = False,
                records: list[Any] | None = None) -> bool:
        """Put ``changeset`` into the notebook: through the frontend when ``live``, else the fallback.

        ``records`` (plans, reviews) go with it into this session's records and to the frontend;
        ``notebook_path`` is the path the frontend's snapshot gave. Returns False for a dry run
        (nothing delivered, nothing recorded).
        """
        if dry_run:
            view.note(f"[llm] dry run: {len(changeset.edits)} edit(s) proposed, nothing inserted.{tail}")
            return False
        self.session.add(self.notebook_path(), list(records or []), changeset)
        if live and self.channel and self.channel.send_apply(changeset.to_dict(), notebook_path=notebook_path):
            self.workflow.publish(records or [], notebook_path)
            view.note(f"[llm] change {changeset.id}: {edits_phrase(changeset)}{where}.{tail}")
            return True
        self.session.keep_here_only(self.notebook_path(), changeset.id)
        self._fallback_insert(changeset, view, replace=replace, tail=tail)
        return True

    def _fallback_insert(self, changeset: Any, view: StreamView, *, replace: bool, tail: str) -> None:
        """No frontend: one cell through ``set_next_input`` (always a code cell), the rest shown."""
        edits = [edit for edit in changeset.edits if edit.after is not None]
        first = next((edit for edit in edits if edit.after.cell_type == "code"), edits[0])
        self.shell.set_next_input(first.after.source, replace=replace)
        where = "in place of this cell" if replace else "below"
        instead = f" (it is meant to replace cell {first.cell_id})" if first.op == "replace" and not replace else ""
        rest = [edit for edit in edits if edit is not first]
        view.note(f"[llm] change {changeset.id} is kept in this kernel session only: no JupyterLab extension is "
                  f"connected, so the notebook file does not record it ({kernel_say('log')} lists it as session). Its first "
                  f"{first.after.cell_type} cell{instead} goes to the front end as the next input (VS Code and "
                  f"IPython put it {where}; a headless run drops it){'; the rest is shown below to copy' if rest else ''}."
                  f"{tail}")
        for number, edit in enumerate(rest, start=1):
            what = f"replaces cell {edit.cell_id}: copy it there" if edit.op == "replace" else "copy it into a new cell"
            view.note(f"--- {edit.after.cell_type} cell {number} of {len(rest)} more ({what}) ---\n"
                      f"{edit.after.source}")

    # -- context -----------------------------------------------------------------------------

    def snapshot(self, cell_id: str | None) -> tuple[NotebookSnapshot, bool]:
        """The notebook as context for ``cell_id``, and whether it came live from the frontend."""
        if self.channel is not None:
            live = self.channel.snapshot_for(cell_id)
            if live is not None:
                return live, True
        path = self.notebook_path()
        if path and os.path.exists(path):
            from ..notebook.io import read_notebook

            nb = read_notebook(path)
            return NotebookSnapshot.from_notebook(nb, path=path, active_cell_id=cell_id), False
        return self._history_snapshot(), False

    def _cells_on_display(self) -> list[CellSnapshot] | None:
        """The notebook's cells (live, else saved) that show whether a change was undone; None without one."""
        snapshot, live = self.snapshot(self.executing_cell_id())
        return snapshot.cells if live or snapshot.path else None

    def _history_snapshot(self) -> NotebookSnapshot:
        """Without a notebook (terminal IPython): this session's inputs, as cells."""
        inputs = list(self.shell.user_ns.get("In", []))[1:-1]
        cells = [CellSnapshot(id=f"in-{n}", cell_type="code", source=src)
                 for n, src in enumerate(inputs, start=1) if src.strip()]
        return NotebookSnapshot(cells=cells, path=None, active_cell_id=None)

    def executing_cell_id(self) -> str | None:
        """The id of the cell running now (JupyterLab sends it with the execute request)."""
        kernel = getattr(self.shell, "kernel", None)
        if kernel is None:
            return None
        parent = kernel.get_parent() or {}
        cell_id = (parent.get("metadata") or {}).get("cellId")
        return str(cell_id) if cell_id else None

    def notebook_path(self) -> str | None:
        """The notebook this kernel runs, when the front end published it."""
        for name in _PATH_NAMES:
            value = self.shell.user_ns.get(name)
            if isinstance(value, str) and value.endswith(".ipynb"):
                return value
        return None

    def history(self) -> dict[str, Any]:
        """The notebook's recorded history: the saved file's, with this session's records over it."""
        return self.session.section(self.notebook_path())

    def in_kernel(self) -> bool:
        """Whether a kernel (and so rich output) is there, rather than a terminal IPython."""
        return getattr(self.shell, "kernel", None) is not None

    def resolved_config(self) -> Any:
        """The resolved configuration, searched from the notebook's folder."""
        from ..config import load_config
        from ..config.jupyter_files import jupyter_config_files

        path = self.notebook_path()
        start = Path(path).parent if path else Path.cwd()
        # the Jupyter config files (as the server and the CLI read them), then the kernel's own
        config = load_config(
            start_dir=start, config_files=jupyter_config_files(), traitlets_config=self.shell.config
        )
        if config.untrusted is not None:
            import sys

            from ..safety.terminal import printable

            print(f"[llm] {printable(config.untrusted.message(kernel_say('trust')))}", file=sys.stderr)
        return config

    def _engine_for(self) -> Any:
        from ..engine.ask import Engine

        return Engine(self.resolved_config())


def _change_id(command: Command) -> str:
    if not command.text:
        raise CommandError(f"`{command.name}` needs a change id.", hint=f"Usage: {usage(command.name, say=kernel_say)}")
    return command.text.split()[0]


def last_id(snapshot: NotebookSnapshot) -> str | None:
    """The id of the notebook's last cell (``None``: no cells)."""
    return snapshot.cells[-1].id if snapshot.cells else None


def edits_phrase(changeset: Any) -> str:
    """``2 cells inserted, 1 cell replaced``."""
    counts: dict[str, int] = {}
    for edit in changeset.edits:
        counts[edit.op] = counts.get(edit.op, 0) + 1
    words = {"insert": "inserted", "replace": "replaced", "delete": "deleted"}
    return ", ".join(f"{n} cell{'s' if n != 1 else ''} {words[op]}" for op, n in counts.items())


def summary_tail(result: Any) -> str:
    """Usage and a cut reply (kept with --accept-cut), as the end of the final note.

    The context summary is not repeated: the status line above the reply already shows it.
    """
    # "tokens n/a" when the server reported no usage: unknown is never shown as 0
    usage_text = f" {result.usage.describe()}."
    cut = " The reply hit the output limit and is kept as it is, cut." if result.truncated else ""
    return f"{usage_text}{cut}"
