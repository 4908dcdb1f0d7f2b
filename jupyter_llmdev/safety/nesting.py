"""How deep untrusted JSON may nest: one limit, checked without recursion, in linear time.

Notebook files, their ``metadata.jupyter_llmdev`` section, the side panel's websocket frames and
the kernel's comm snapshots all come from untrusted notebooks. Python's JSON decoder, nbformat,
``copy.deepcopy`` and the schema validators recurse once (or more) per level, so a document nested
a few hundred levels deep ends in a ``RecursionError`` (a 1,000-frame traceback) and, with a raised
recursion limit, in a crashed process. Real notebooks nest about 6 levels (nbformat's own
structure) plus whatever a cell's metadata or a JSON output holds; :data:`MAX_DEPTH` is far above
that and far below the recursion limit. Both checks here count levels of objects and lists
(``{}`` and ``[]``): a bare value is depth 0, ``{"a": 1}`` depth 1, ``{"a": [1]}`` depth 2.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MAX_DEPTH", "json_text_too_deep", "too_deep"]

#: the deepest nesting of objects and lists read from a notebook, a section, a frame or a comm
MAX_DEPTH = 100

# a JSON string (closed or cut at the end): its brackets are text, not structure. The unrolled
# form `"[^"\\]*(?:\\.[^"\\]*)*` has no ambiguity (each character is a quote, a backslash or
# neither), so it never backtracks more than the closing quote.
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_text_too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text ``text`` nests objects and lists deeper than ``limit``.

    Meant to run before ``json.loads``, which recurses per level. Invalid JSON is not reported
    here (the decoder does that); the scan stops at the first level over ``limit``.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    depth = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether decoded data (dicts, lists, tuples) nests deeper than ``limit``; iterative.

    A container is walked again only when reached at a greater depth than before, so the cost
    is at most ``limit`` times the size of ``value`` (once per container for decoded JSON, which
    shares nothing); a cycle counts as too deep.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    reached: dict[int, int] = {}
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        depth += 1
        if depth > limit:
            return True
        if reached.get(id(item), 0) >= depth:
            continue
        reached[id(item)] = depth
        stack.extend((child, depth) for child in children if isinstance(child, (dict, list, tuple)))
    return False
