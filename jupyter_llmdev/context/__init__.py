"""Context assembly: what is sent to the model (role prompt, doc, cells, variables, request)."""

from __future__ import annotations

from .assemble import Context, build_context
from .budget import estimate_tokens
from .doc import DOC_NAME, find_architecture_doc, read_architecture_doc
from .report import ContextReport
from .variables import Interpolation, interpolate, summarize

__all__ = [
    "DOC_NAME",
    "Context",
    "ContextReport",
    "Interpolation",
    "build_context",
    "estimate_tokens",
    "find_architecture_doc",
    "interpolate",
    "read_architecture_doc",
    "summarize",
]
