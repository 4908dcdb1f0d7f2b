"""A small, import-free check of data against ``metadata.schema.json``: the verdict, fast.

Why: compiling the schema with fastjsonschema costs ~0.1 s per process and jsonschema's import
~1-2 s (it compiles a grammar), which every ``llmdev log`` paid before printing a line. This
module interprets the subset of JSON Schema (draft 7) that our schema uses, and nothing more:
:func:`compile_check` raises ``ValueError`` on any keyword it does not know, so a schema that
grows a new keyword fails loudly (in the tests) instead of being checked loosely.

It only answers valid or not. :mod:`.metadata` asks the full validator for the message when the
answer is no (the rare path). The semantics are those of draft 7 as jsonschema applies them,
except ``pattern``: ``$`` means the end of the string, as in ECMA 262 (which JSON Schema
specifies) and fastjsonschema, not "before a final newline" as in Python's ``re``; so an id
ending in a newline is refused. ``tests/redesign/test_fast_read.py`` compares the verdicts with
fastjsonschema and jsonschema on valid and mutated sections.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["compile_check"]

Check = Callable[[Any], bool]

#: keywords that only annotate; ignored like every validator ignores them
_ANNOTATIONS = frozenset({"$schema", "title", "description", "definitions", "$comment"})
_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "number": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "integer": lambda value: (isinstance(value, int) and not isinstance(value, bool))
    or (isinstance(value, float) and value.is_integer()),
}


def compile_check(root: dict[str, Any], ref: str | None = None) -> Check:
    """A function telling whether data is valid against ``root`` (or its ``#/definitions/<ref>``)."""
    definitions = root.get("definitions", {})
    built: dict[str, Check] = {}
    named: dict[str, Check] = {}

    def resolve(pointer: str) -> Check:
        name = pointer.removeprefix("#/definitions/")
        if name == pointer or name not in definitions:
            raise ValueError(f"unsupported $ref {pointer!r}")
        if name not in named:  # set before building, so a recursive definition finds it
            named[name] = lambda value: built[name](value)
            built[name] = build(definitions[name])
        return built.get(name, named[name])

    def build(schema: Any) -> Check:
        if schema is True or schema == {}:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise ValueError(f"unsupported schema {schema!r}")
        if "$ref" in schema:  # draft 7: a $ref's siblings are ignored
            return resolve(schema["$ref"])
        checks = [_keyword(name, schema, build) for name in schema if name not in _ANNOTATIONS]
        parts = [check for check in checks if check is not None]
        return lambda value: all(check(value) for check in parts)

    return build(root if ref is None else {"$ref": f"#/definitions/{ref}"})


def _keyword(name: str, schema: dict[str, Any], build: Callable[[Any], Check]) -> Check | None:
    """The check of one keyword of ``schema`` (``None`` for one handled by a sibling)."""
    arg = schema[name]
    if name == "type":
        names = [arg] if isinstance(arg, str) else list(arg)
        tests = [_TYPES[n] for n in names]
        return lambda value: any(test(value) for test in tests)
    if name == "const":
        return lambda value: _equal(value, arg)
    if name == "enum":
        return lambda value: any(_equal(value, option) for option in arg)
    if name == "required":
        return lambda value: not isinstance(value, dict) or all(key in value for key in arg)
    if name == "properties":
        props = {key: build(sub) for key, sub in arg.items()}
        return lambda value: not isinstance(value, dict) or all(
            props[key](value[key]) for key in props if key in value
        )
    if name == "additionalProperties":
        known = set(schema.get("properties", {}))
        extra = build(arg)
        return lambda value: not isinstance(value, dict) or all(
            extra(item) for key, item in value.items() if key not in known
        )
    if name == "items":
        if not isinstance(arg, dict):
            raise ValueError("only a single schema is supported for 'items'")
        item = build(arg)
        return lambda value: not isinstance(value, list) or all(item(element) for element in value)
    if name in ("minItems", "maxItems"):
        return _bound(list, arg, name == "minItems")
    if name in ("minLength", "maxLength"):
        return _bound(str, arg, name == "minLength")
    if name == "minimum":
        return lambda value: not _TYPES["number"](value) or value >= arg
    if name == "pattern":
        regex = re.compile(_ecma_end(arg))
        return lambda value: not isinstance(value, str) or regex.search(value) is not None
    if name in ("anyOf", "allOf"):
        subs = [build(sub) for sub in arg]
        combine = any if name == "anyOf" else all
        return lambda value: combine(sub(value) for sub in subs)
    if name == "not":
        sub = build(arg)
        return lambda value: not sub(value)
    if name == "if":
        condition, then = build(arg), build(schema.get("then", True))
        otherwise = build(schema.get("else", True))
        return lambda value: then(value) if condition(value) else otherwise(value)
    if name in ("then", "else"):
        return None
    raise ValueError(f"unsupported JSON Schema keyword {name!r}")


def _bound(kind: type, limit: int, at_least: bool) -> Check:
    if at_least:
        return lambda value: not isinstance(value, kind) or len(value) >= limit
    return lambda value: not isinstance(value, kind) or len(value) <= limit


def _ecma_end(pattern: str) -> str:
    """``pattern`` with a final, unescaped ``$`` meaning the very end of the string."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        return pattern[:-1] + r"\Z"
    if "$" in pattern:
        raise ValueError(f"unsupported '$' inside pattern {pattern!r}")
    return pattern


def _equal(left: Any, right: Any) -> bool:
    """JSON equality as JSON Schema means it: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_equal(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_equal, left, right))
    if left is None or right is None:
        return left is None and right is None
    return type(left) is type(right) and left == right
