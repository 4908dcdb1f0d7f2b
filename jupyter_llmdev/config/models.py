"""Model references: ``"model"`` or ``"PROVIDER:model"``; model names may hold colons too."""

from __future__ import annotations

from collections.abc import Container

from .settings import DEFAULT_PROVIDER

__all__ = ["WELL_KNOWN_PROVIDERS", "model_problem", "parse_model"]

#: names of hosted services and local servers that are never a model's own name; a model
#: written with one of them as prefix but no such provider configured is a mistake (a
#: missing [tool.llmdev.providers.NAME]), not a model name. Names that are also model
#: families served by Ollama (``mistral:7b``, ``gemma:2b``, ``deepseek-r1:8b``) are left out.
WELL_KNOWN_PROVIDERS = frozenset(
    {
        "anthropic",
        "azure",
        "fireworks",
        "groq",
        "litellm",
        "llamacpp",
        "lmstudio",
        "ollama",
        "openrouter",
        "together",
        "vllm",
    }
)


def parse_model(spec: str, providers: Container[str]) -> tuple[str, str]:
    """``(provider, model)`` of a model reference.

    ``"NAME:model"`` is split on its first colon only when ``NAME`` is a configured
    provider; otherwise the whole string is the model of the default provider, so that
    ``"llama3:8b"`` stays one model name while ``"ollama:llama3:8b"`` (with a provider
    ``ollama``) is model ``"llama3:8b"`` at that provider.
    """
    prefix, colon, rest = spec.partition(":")
    if colon and prefix in providers:
        return prefix, rest
    return DEFAULT_PROVIDER, spec


def model_problem(spec: str, providers: Container[str]) -> tuple[str, str] | None:
    """``(problem, fix)`` when a reference cannot be right, else ``None``.

    Caught: a well-known provider name (see :data:`WELL_KNOWN_PROVIDERS`) used as prefix
    with no such provider configured, and ``"NAME:"`` with no model after the colon. Any
    other unknown prefix may be part of a model's name (``llama3:8b``) and passes.
    """
    prefix, colon, rest = spec.partition(":")
    if not colon:
        return None
    if prefix in providers:
        if rest:
            return None
        return (f"Model {spec!r} names provider {prefix!r} but no model.", "write NAME:model")
    if prefix in WELL_KNOWN_PROVIDERS:
        return (
            f"Model {spec!r} uses provider {prefix!r}, which is not configured.",
            f"add [tool.llmdev.providers.{prefix}] with base_url (and api_key_env) "
            "or drop the prefix",
        )
    return None
