"""Runs the side panel's requests: slash command in, engine events and one final message out."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .._version import PROTOCOL_VERSION, __version__
from .wire import WireError, server_message

__all__ = ["ChatRunner", "Send"]

#: delivers one server message (a dict) to the panel
Send = Callable[[dict[str, Any]], None]

#: commands the panel runs in the browser, never on the server: what the server answers instead
_IN_THE_BROWSER = {
    "revert": "/revert runs in the panel itself, on the open notebook (the History section's Revert button, "
    "or /revert CHANGE typed in the panel): the server never rewrites a notebook that is open.",
}


#: cut replies kept for ``/continue`` (one per notebook, the newest ones)
_MAX_CUTS = 32


class ChatRunner:
    """Shared by every connection: where notebooks live and the server's traitlets config."""

    def __init__(
        self,
        *,
        root_dir: Path,
        traitlets_config: Any = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.root_dir = Path(root_dir).expanduser().resolve()
        self.traitlets_config = traitlets_config
        self._environ = environ
        #: notebook path -> (command, ReplyCut) of its newest cut reply, for ``/continue``
        self._cuts: dict[str, tuple[Any, Any]] = {}

    # -- configuration ---------------------------------------------------------------------

    def config(self, notebook_dir: Path | None = None) -> Any:
        """The resolved configuration as seen from ``notebook_dir`` (default: the server root)."""
        from ..config import load_config

        return load_config(
            start_dir=notebook_dir or self.root_dir,
            traitlets_config=self.traitlets_config,
            environ=self._environ,
            root=self.root_dir,
        )

    def untrusted(self, config: Any) -> dict[str, Any] | None:
        """What the project settings of ``config`` lost for want of trust, for the panel."""
        from .flow import panel_say

        decision = config.untrusted
        if decision is None:
            return None
        settings_file = self._shown(decision.pyproject)
        return {
            "settings_file": settings_file,
            "ignored": list(decision.ignored),
            "message": decision.message(f"the Trust button (or {panel_say('trust')})").replace(
                str(decision.pyproject), settings_file
            ),
        }

    def _shown(self, path: Path) -> str:
        """``path`` relative to the server root when inside it (the browser never needs more)."""
        try:
            return str(Path(path).resolve().relative_to(self.root_dir))
        except ValueError:
            return Path(path).name

    def info(self, notebook: str | None = None) -> dict[str, Any]:
        """Versions and role -> ``provider:model`` (keys and base URLs are never included), as
        seen from ``notebook`` (a path relative to the root) when given; ``untrusted`` says which
        project settings are ignored until the user trusts the project."""
        from ..errors import LLMDevError

        data: dict[str, Any] = {
            "name": "jupyter-llmdev",
            "version": __version__,
            "protocol_version": PROTOCOL_VERSION,
            "roles": {},
            "reviewers": [],
            "models": [],
            "config_error": None,
            "untrusted": None,
        }
        try:
            path = self._notebook_file(notebook) if notebook else None
            folder = path.parent if path else None
            config = self.config(folder)
            data["untrusted"] = self.untrusted(config)
            for role in ("ask", "architect", "developer"):
                endpoint = config.endpoint(role)
                data["roles"][role] = {
                    "model": endpoint.describe(),
                    "key_set": config.has_api_key(endpoint),
                }
            data["reviewers"] = [e.describe() for e in config.reviewer_endpoints()]
        except (LLMDevError, WireError) as error:
            data["config_error"] = str(error)
            return data
        models = [entry["model"] for entry in data["roles"].values()] + data["reviewers"]
        data["models"] = sorted(set(models))
        return data

    # -- requests --------------------------------------------------------------------------

    async def run(self, message: dict[str, Any], send: Send) -> None:
        """Answer one validated ``request`` message; every outcome ends in ``done`` or ``error``.

        Cancellation (``asyncio.CancelledError``) propagates: the caller reports it.
        """
        from ..commands import parse_command, usage
        from ..errors import LLMDevError
        from .flow import WORKFLOW_COMMANDS, panel_say

        from ..errors import ReplyCut

        request_id = message["id"]
        resume: tuple[str, Any] | None = None
        try:
            command = parse_command(message["line"], say=panel_say)
            if command.name == "continue":
                command, resume = self._resume(message, command)
            try:
                if command.name == "ask":
                    await self._ask(message, command, send, resume=resume)
                    return
                if command.name in WORKFLOW_COMMANDS and command.spec.available:
                    await self._workflow(message, command, send, resume=resume)
                    return
            except ReplyCut as error:
                self._remember_cut(message, command, error)
                raise
            if not command.spec.available:
                answer = (
                    f"{panel_say(command.name)} is not built yet in this version of jupyter-llmdev. "
                    f"{panel_say('help')} lists what works today."
                )
            elif command.name == "help":
                answer = usage(say=panel_say)
            elif command.name == "config":
                answer = self._config_text(message)
            elif command.name == "trust":
                answer = self._trust(message, command)
            elif command.name == "export":
                answer = await self._export(message, command)
            else:
                # every command of the grammar has a branch above or a row here (the parity test)
                answer = _IN_THE_BROWSER.get(command.name) or ""
                if not answer:
                    from ..errors import CommandError

                    raise CommandError(f"{panel_say(command.name)} does not run in the side panel.",
                                       hint=f"{panel_say('help')} lists what does.")
            send(_done(request_id, command.name, answer))
        except LLMDevError as error:
            send(server_message("error", id=request_id, code=error.code, message=str(error)))
        except WireError as error:
            send(server_message("error", id=request_id, code="bad_message", message=str(error)))

    # -- replies cut by the output limit: /continue [--as-is] -------------------------------

    def _remember_cut(self, message: dict[str, Any], command: Any, error: Any) -> None:
        """Keep the cut reply of ``command`` for the notebook's ``/continue`` (the newest few only)."""
        key = str((message.get("snapshot") or {}).get("path") or "")
        self._cuts.pop(key, None)
        self._cuts[key] = (command, error)
        while len(self._cuts) > _MAX_CUTS:
            self._cuts.pop(next(iter(self._cuts)))

    def _resume(self, message: dict[str, Any], command: Any) -> tuple[Any, tuple[str, Any]]:
        """The command whose reply was cut in this notebook, and how to go on (continue / as-is)."""
        from ..errors import CommandError

        key = str((message.get("snapshot") or {}).get("path") or "")
        found = self._cuts.pop(key, None)
        if found is None:
            raise CommandError("No reply was cut by the output limit in this notebook: there is nothing to continue.")
        original, error = found
        return original, ("as-is" if command.flags.get("as-is") else "continue", error)

    async def _ask(self, message: dict[str, Any], command: Any, send: Send, *,
                   resume: tuple[str, Any] | None = None) -> None:
        from ..engine.ask import AskRequest, Engine
        from ..engine.streaming import off_loop
        from ..llm.types import Delta, Status, StreamEvent
        from ..notebook.snapshot import NotebookSnapshot

        request_id = message["id"]
        snapshot = NotebookSnapshot.from_wire(message["snapshot"])
        notebook = self._notebook_file(snapshot.path)
        snapshot.path = str(notebook) if notebook else None
        target = command.flags.get("after") or message["target_cell_id"]
        replace = command.flags.get("replace")
        replace_id = (replace if isinstance(replace, str) else target) if replace else None
        model = command.flags.get("model") or message["model"]
        request = AskRequest(
            prompt=command.text,
            snapshot=snapshot,
            target_cell_id=str(target) if target else None,
            replace_id=replace_id,
            model=str(model) if model else None,
            accept_cut=bool(command.flags.get("accept-cut")),
            markdown=not command.flags.get("no-markdown"),
        )

        def on_event(event: StreamEvent) -> None:
            if isinstance(event, Delta):
                send(server_message("delta", id=request_id, text=event.text))
            elif isinstance(event, Status):
                send(server_message("status", id=request_id, text=event.text))

        from .flow import panel_say

        # reading the configuration files: off the loop, like the rest of the request's preparation
        config = await off_loop(self.config, notebook.parent if notebook else None)
        engine = Engine(config, environ=self._environ, say=panel_say)
        result = await engine.aask(request, on_event, resume=resume)
        changeset = None
        if result.changeset is not None:
            changeset = result.changeset.to_dict()
            changeset["status"] = "proposed"
        send(
            server_message(
                "done",
                id=request_id,
                command="ask",
                text=result.text,
                changeset=changeset,
                records=[],
                prose=list(result.prose),
                context_summary=result.context_summary,
                usage=result.usage.to_dict() if result.usage.reported else {},
                truncated=bool(result.truncated),
                model=result.endpoint.describe(),
            )
        )

    async def _workflow(self, message: dict[str, Any], command: Any, send: Send, *,
                        resume: tuple[str, Any] | None = None) -> None:
        from ..engine.workflow import local_user
        from ..notebook.snapshot import NotebookSnapshot
        from .flow import run_workflow

        snapshot = NotebookSnapshot.from_wire(message["snapshot"])
        notebook = self._notebook_file(snapshot.path)
        snapshot.path = str(notebook) if notebook else None
        environ = dict(self._environ) if self._environ is not None else None
        await run_workflow(message, command, send, config=self.config(notebook.parent if notebook else None),
                           snapshot=snapshot, user=local_user(), environ=environ, resume=resume)

    def _config_text(self, message: dict[str, Any]) -> str:
        from ..config import format_config_table

        notebook = self._notebook_file((message.get("snapshot") or {}).get("path"))
        return format_config_table(self.config(notebook.parent if notebook else None))

    def _trust(self, message: dict[str, Any], command: Any) -> str:
        """``/trust``: the user (who holds the server token) trusts the notebook's project."""
        from ..config.trust import trust_project
        from ..engine.workflow import local_user

        notebook = self._notebook_file((message.get("snapshot") or {}).get("path"))
        folder = notebook.parent if notebook else self.root_dir
        result = trust_project(folder, user=local_user(), revoke_it=bool(command.flags.get("revoke")))
        report = result.report()
        if result.pyproject is not None:
            report = report.replace(str(result.pyproject), self._shown(result.pyproject))
        return report

    async def _export(self, message: dict[str, Any], command: Any) -> str:
        """Export the saved notebook's ``#| export`` cells (in a worker thread); the report text."""
        import asyncio

        from ..errors import CommandError
        from ..export import export_notebooks
        from ..export.report import export_report

        notebook = self._notebook_file((message.get("snapshot") or {}).get("path"))
        if notebook is None or not notebook.is_file():
            raise CommandError("Save the notebook first: export works on the saved file.")
        to = command.flags.get("to")
        # --to is relative to the notebook's folder; export confines it, lib_path, the notebooks
        # it reads and every file it writes to root_dir (and the project): PathOutsideRoot
        target = notebook.parent / str(to) if to else None
        result = await asyncio.to_thread(
            export_notebooks,
            [notebook],
            to=target,
            check=bool(command.flags.get("check")),
            cwd=notebook.parent,
            root=self.root_dir,
        )
        lines, _ = export_report(result)
        return "\n".join([f"Exported the saved {notebook.name} (save first to include unsaved edits).", *lines])

    def _notebook_file(self, path: str | None) -> Path | None:
        """The notebook's absolute path; a path outside the server root is refused."""
        if not path:
            return None
        candidate = (self.root_dir / path).resolve()
        if candidate != self.root_dir and self.root_dir not in candidate.parents:
            raise WireError("The notebook path is outside the server's root folder.")
        return candidate


def _done(request_id: str, command: str, text: str) -> dict[str, Any]:
    return server_message(
        "done",
        id=request_id,
        command=command,
        text=text,
        changeset=None,
        records=[],
        prose=[],
        context_summary="",
        usage={},
        truncated=False,
        model=None,
    )
