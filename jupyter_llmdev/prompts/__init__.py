"""Role prompts shipped as text files in this package: :func:`load_prompt`."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

__all__ = ["ROLES", "load_prompt"]

#: the roles that have a prompt file ``<role>.txt`` next to this module
ROLES = ("architect", "ask", "developer", "reviewer")

#: appended to every role prompt: how the context built by ``jupyter_llmdev.context`` is laid out
_CONTEXT_FORMAT = "context_format.txt"


@lru_cache(maxsize=None)
def load_prompt(role: str) -> str:
    """The system prompt of ``role`` (one of :data:`ROLES`), read once and cached.

    It is the role's own text followed by the shared description of the context layout.
    Raises ``ValueError`` for an unknown role: roles are chosen by the engine, not typed by users.
    """
    if role not in ROLES:
        raise ValueError(f"no prompt for role {role!r}; known roles: {', '.join(ROLES)}")
    return f"{_read(f'{role}.txt')}\n\n{_read(_CONTEXT_FORMAT)}"


def _read(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8").strip()
