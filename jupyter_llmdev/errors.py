"""The exception tree of jupyter-llmdev.

Every error a user can cause or meet derives from :class:`LLMDevError` and carries a
message of one to three lines that says what happened and what to do. Front ends print
``str(error)`` and never a traceback::

    LLMDevError
    ├── ConfigError                 wrong or missing configuration
    ├── CommandError                a command line that does not parse
    ├── ExportError                 notebooks cannot become modules (bad cell, name, target)
    ├── PathOutsideRoot             a path from untrusted input leads outside the project
    ├── UntrustedProject            a project setting needs `llmdev trust` first
    ├── LLMError                    talking to the model failed
    │   ├── AuthenticationFailed    401/403: key missing or wrong
    │   ├── ModelNotFound           404: the server does not know the model
    │   ├── ContextTooLong          400 context_length_exceeded
    │   ├── BadRequest              any other 4xx
    │   ├── RateLimited             429, still after every retry
    │   ├── ServerError             5xx, still after every retry
    │   ├── ServerUnreachable       connection refused, DNS, TLS
    │   ├── LLMTimeout              no first token / no reply in time
    │   ├── IncompleteReply         stream cut, malformed or empty; keeps the partial text
    │   │   └── ReplyCut            the output limit cut the reply; kept for continue / as-is
    │   ├── NoCells                 a reply that had to hold cells holds none
    │   └── Cancelled               the user stopped the request (Ctrl-C, Stop)
    └── NotebookError               the notebook or its history
        ├── NotebookReadError       file missing, not JSON, not a notebook
        ├── MetadataError           the jupyter_llmdev section is corrupt
        ├── MetadataVersionError    written by a newer jupyter-llmdev
        ├── ChangeNotFound          no change with that id (or prefix)
        ├── ApplyError              a ChangeSet does not fit the notebook
        └── RevertConflict          a cell was edited since the change

Usage::

    try:
        result = engine.ask(...)
    except LLMDevError as error:
        print(error)          # the whole, user-facing message
"""

from __future__ import annotations

__all__ = [
    "ApplyError",
    "AuthenticationFailed",
    "BadRequest",
    "Cancelled",
    "ChangeNotFound",
    "CommandError",
    "ConfigError",
    "ContextTooLong",
    "ExportError",
    "IncompleteReply",
    "LLMDevError",
    "LLMError",
    "LLMTimeout",
    "MetadataError",
    "MetadataVersionError",
    "ModelNotFound",
    "NotebookError",
    "NoCells",
    "NotebookReadError",
    "PathOutsideRoot",
    "RateLimited",
    "RevertConflict",
    "ServerError",
    "ReplyCut",
    "ServerUnreachable",
    "UntrustedProject",
]


class LLMDevError(Exception):
    """Base of every jupyter-llmdev error; ``str()`` is the full user-facing message."""

    #: short machine-readable code, also sent to the browser
    code = "error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message}\n{hint}")

    def _render_traceback_(self) -> list[str]:
        """Lines IPython shows instead of a traceback when a magic raises this error."""
        first, *rest = str(self).splitlines() or [""]
        return [f"\x1b[31mjupyter-llmdev: {first}\x1b[0m", *rest]


class ConfigError(LLMDevError):
    """Raised when configuration is missing, malformed or contradictory."""

    code = "config"


class CommandError(LLMDevError):
    """Raised when a magic, slash command or CLI line does not parse."""

    code = "command"


class ExportError(LLMDevError):
    """Raised when notebooks cannot be exported to modules, or module edits synced back.

    Nothing is written when it is raised: no module, no notebook.
    """

    code = "export"


class PathOutsideRoot(LLMDevError):
    """Raised when a path taken from a notebook, project file, module or reply resolves outside
    the project root (CLI, kernel) or the server's root_dir; nothing is read or written."""

    code = "outside_root"


class UntrustedProject(LLMDevError):
    """Raised when a command needs a project setting that is ignored until the user trusts the
    project (``llmdev trust``, ``%llm trust``, the panel's Trust button)."""

    code = "untrusted_project"


class LLMError(LLMDevError):
    """Raised when a request to the model fails; ``partial`` holds any text received."""

    code = "llm"

    def __init__(self, message: str, *, hint: str | None = None, partial: str = "") -> None:
        super().__init__(message, hint=hint)
        self.partial = partial


class AuthenticationFailed(LLMError):
    """Raised on 401/403: the API key is missing, wrong or lacks access."""

    code = "auth"


class ModelNotFound(LLMError):
    """Raised on 404: the endpoint does not serve the requested model."""

    code = "model_not_found"


class ContextTooLong(LLMError):
    """Raised when the server rejects the prompt as longer than the model's context."""

    code = "context_too_long"


class BadRequest(LLMError):
    """Raised on any other 4xx answer."""

    code = "bad_request"


class RateLimited(LLMError):
    """Raised on 429 once every retry has been used."""

    code = "rate_limited"


class ServerError(LLMError):
    """Raised on 5xx once every retry has been used."""

    code = "server_error"


class ServerUnreachable(LLMError):
    """Raised when no connection to the endpoint can be made."""

    code = "unreachable"


class LLMTimeout(LLMError):
    """Raised when the first token or the whole reply does not arrive in time."""

    code = "timeout"


class IncompleteReply(LLMError):
    """Raised when a stream is cut, malformed or ends with no content; nothing is applied."""

    code = "incomplete"


class ReplyCut(IncompleteReply):
    """Raised when the output limit cut the reply: nothing is applied or stored as final.

    ``kept`` is what accepting the cut reply would give (the outcome, or ``None`` when even that
    failed) and ``resume`` what ``continue`` needs to ask the model to go on; front ends that can
    hold them (kernel, server) offer Continue and Insert-anyway, the CLI ``--accept-cut``.
    """

    code = "cut"

    def __init__(self, message: str, *, hint: str | None = None, partial: str = "",
                 kept: object = None, resume: object = None) -> None:
        super().__init__(message, hint=hint, partial=partial)
        self.kept = kept
        self.resume = resume


class NoCells(LLMError):
    """Raised when a reply that had to hold cells (``build``, ``fix``, ``ask`` on a file, a
    ``--replace``) holds none, or none of the replaced cell's type; nothing is changed."""

    code = "no_cells"


class Cancelled(LLMError):
    """Raised when the user stops a request; nothing is applied."""

    code = "cancelled"


class NotebookError(LLMDevError):
    """Base of errors about a notebook file or its recorded history."""

    code = "notebook"


class NotebookReadError(NotebookError):
    """Raised when a notebook file is missing, not JSON or not a valid notebook."""

    code = "notebook_read"


class MetadataError(NotebookError):
    """Raised when ``metadata["jupyter_llmdev"]`` is corrupt; the file is left untouched."""

    code = "metadata"


class MetadataVersionError(NotebookError):
    """Raised when the metadata was written by a newer schema than this version reads."""

    code = "metadata_version"


class ChangeNotFound(NotebookError):
    """Raised when no recorded change matches the given id or prefix."""

    code = "change_not_found"


class ApplyError(NotebookError):
    """Raised when a ChangeSet refers to cells the notebook does not have."""

    code = "apply"


class RevertConflict(NotebookError):
    """Raised when a cell was edited since the change being reverted (use --force)."""

    code = "revert_conflict"
