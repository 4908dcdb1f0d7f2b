"""The kernel's one ``LLMDevConfig`` instance, so IPython knows the settings as its own.

Registered in ``shell.configurables`` at ``%load_ext``, a child of the shell (it shares
``shell.config``): ``%config`` lists it and ``%config LLMDevConfig`` prints every setting with its
help. The values themselves are still read from ``shell.config`` by
:func:`~jupyter_llmdev.config.load_config` at each ``%llm``, so ``%config LLMDevConfig.NAME = ...``
holds at once and a bad value is reported with where it was set, rather than by traitlets.
"""

from __future__ import annotations

from typing import Any

from .settings import LLMDevConfig

__all__ = ["register_in_shell", "unregister_from_shell"]


def register_in_shell(shell: Any) -> LLMDevConfig:
    """The shell's ``LLMDevConfig`` (made once per shell, however often the extension loads)."""
    from traitlets import TraitError

    for configurable in shell.configurables:
        if isinstance(configurable, LLMDevConfig):
            return configurable
    try:
        instance = LLMDevConfig(parent=shell)
    except TraitError:
        # a bad value in the kernel's config: load_config names it (and where) at the first %llm;
        # loading the extension must not fail on it
        instance = LLMDevConfig()
    shell.configurables.append(instance)
    return instance


def unregister_from_shell(shell: Any) -> None:
    """Forget the shell's ``LLMDevConfig`` (``%unload_ext``)."""
    shell.configurables[:] = [c for c in shell.configurables if not isinstance(c, LLMDevConfig)]
