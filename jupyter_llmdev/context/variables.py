"""``{name}`` interpolation of kernel variables into a request, and short summaries of live objects.

Summaries are duck-typed: pandas, polars, numpy and torch are recognised by their attributes
(``shape``, ``dtype``, ``columns``, ``head``), never imported. Only cheap operations are used
(``len``, ``shape``, ``head(5)``, a bounded ``repr``), so a summary of a huge object stays cheap.
"""

from __future__ import annotations

import re
import reprlib
from collections import deque
from collections.abc import Mapping
from itertools import islice
from types import ModuleType

__all__ = ["SUMMARY_CHARS", "Interpolation", "interpolate", "summarize"]

#: longest summary of one variable, in characters
SUMMARY_CHARS = 1500
#: rows shown of a data frame or series
HEAD_ROWS = 5
#: columns listed with their dtypes
MAX_COLUMNS = 40
#: arrays with at most this many elements show their values
SMALL_ARRAY = 100

# Fenced blocks and `inline code` pass through unchanged (code the user pastes may hold f-strings);
# ``{{`` and ``}}`` are escaped braces; ``{identifier}`` is a variable reference.
_TOKENS = re.compile(
    r"(?P<fence>^[ \t]*(?P<marker>`{3,}|~{3,})[^\n]*(?:\n.*?^[ \t]*(?P=marker)[ \t]*$|.*\Z))"
    r"|(?P<code>`[^`\n]+`)"
    r"|(?P<escape>\{\{|\}\})"
    r"|\{(?P<name>[^\W\d]\w*)\}",
    re.MULTILINE | re.DOTALL,
)


class Interpolation(tuple[str, dict[str, str]]):
    """The result of :func:`interpolate`: the pair ``(text, variables)``, plus ``unknown``.

    * ``text``: the request, each known ``{name}`` replaced by ``name``, ``{{``/``}}`` by braces;
    * ``variables``: name -> :func:`summary <summarize>` of each referenced variable, in order;
    * ``unknown``: referenced names the namespace does not have (left as ``{name}`` in the text).
    """

    unknown: list[str]

    def __new__(cls, text: str, variables: dict[str, str], unknown: list[str]) -> Interpolation:
        pair = super().__new__(cls, (text, variables))
        pair.unknown = unknown
        return pair

    @property
    def text(self) -> str:
        """The interpolated request."""
        return self[0]

    @property
    def variables(self) -> dict[str, str]:
        """Summaries of the referenced variables, by name."""
        return self[1]

    def __repr__(self) -> str:
        fields = f"text={self.text!r}, variables={self.variables!r}, unknown={self.unknown!r}"
        return f"Interpolation({fields})"


def interpolate(prompt: str, namespace: Mapping[str, object]) -> Interpolation:
    """Resolve ``{name}`` in ``prompt`` against ``namespace`` (the kernel's user namespace).

    A known ``{name}`` becomes ``name`` in the text and its summary goes to ``variables``; an
    unknown one stays as written and is listed in ``unknown`` so the caller can tell the user.
    ``{{`` and ``}}`` give literal braces. Text inside ```` ``` ```` fences and `` `code` ``
    spans is left exactly as written. Only plain names are resolved, not ``{name.attr}`` or
    ``{name[0]}``.
    """
    variables: dict[str, str] = {}
    unknown: list[str] = []

    def replace(match: re.Match[str]) -> str:
        escape = match.group("escape")
        if escape:
            return escape[0]
        name = match.group("name")
        if name is None:
            return match.group(0)
        if name in namespace:
            if name not in variables:
                variables[name] = summarize(namespace[name])
            return name
        if name not in unknown:
            unknown.append(name)
        return match.group(0)

    return Interpolation(_TOKENS.sub(replace, prompt), variables, unknown)


def summarize(value: object) -> str:
    """A short description of ``value`` for the model: type, size, shape, columns, a preview.

    Never raises: an object whose ``repr`` or ``len`` fails is described by its type alone.
    """
    try:
        text = _summary(value)
    except Exception as error:  # user objects may raise anything from __repr__ or __len__
        text = f"{_type_name(value)} (no summary: {type(error).__name__} while describing it)"
    return _clip(text, SUMMARY_CHARS)


def _summary(value: object) -> str:
    name = _type_name(value)
    if value is None or isinstance(value, (bool, int, float, complex)):
        return f"{name}: {_REPR.repr(value)}"
    if isinstance(value, (str, bytes, bytearray)):
        return f"{name}, len {len(value)}: {_REPR.repr(value)}"
    shape = _shape(value)
    if shape is not None:
        if _has(value, "columns", "dtypes") and callable(getattr(value, "head", None)):
            return _frame_summary(value, name, shape)
        if _has(value, "dtype") and callable(getattr(value, "head", None)):
            return _series_summary(value, name, shape)
        if _has(value, "dtype"):
            return _array_summary(value, name, shape)
    if isinstance(value, Mapping):
        return _mapping_summary(value, name)
    if isinstance(value, (list, tuple, set, frozenset, deque, range)):
        return f"{name}, len {len(value)}{_item_types(value)}: {_REPR.repr(value)}"
    if isinstance(value, ModuleType):
        return f"module {value.__name__}"
    if isinstance(value, type):
        return f"class {_qualified(value)}{_first_doc_line(value)}"
    if callable(value) and hasattr(value, "__name__"):
        label = str(getattr(value, "__qualname__", value.__name__)).rpartition("<locals>.")[2]
        return f"{name} {label}{_signature(value)}{_first_doc_line(value)}"
    length = ""
    if hasattr(type(value), "__len__"):
        length = f", len {len(value)}"  # type: ignore[arg-type]
    return f"{name}{length}: {_clip(repr(value), 300)}"


def _frame_summary(frame: object, name: str, shape: tuple[int, ...]) -> str:
    columns = list(islice(getattr(frame, "columns"), MAX_COLUMNS))
    dtypes = list(islice(getattr(frame, "dtypes"), MAX_COLUMNS))
    listed = ", ".join(f"{column} ({dtype})" for column, dtype in zip(columns, dtypes))
    more = shape[1] - len(columns) if len(shape) > 1 else 0
    if more > 0:
        listed += f", ... {more} more"
    lines = [f"{name}, shape {_shape_text(shape)}", f"columns: {listed}"]
    if shape and shape[0]:
        lines.append(f"head:\n{_clip(repr(getattr(frame, 'head')(HEAD_ROWS)), 800)}")
    return "\n".join(lines)


def _series_summary(series: object, name: str, shape: tuple[int, ...]) -> str:
    label = getattr(series, "name", None)
    title = f"{name} {label!r}" if label is not None else name
    lines = [f"{title}, length {shape[0] if shape else 0}, dtype {getattr(series, 'dtype')}"]
    if shape and shape[0]:
        lines.append(f"head:\n{_clip(repr(getattr(series, 'head')(HEAD_ROWS)), 600)}")
    return "\n".join(lines)


def _array_summary(array: object, name: str, shape: tuple[int, ...]) -> str:
    text = f"{name}, shape {_shape_text(shape)}, dtype {getattr(array, 'dtype')}"
    size = 1
    for extent in shape:
        size *= extent
    if size <= SMALL_ARRAY:
        text += f": {_clip(repr(array), 600)}"
    return text


def _mapping_summary(mapping: Mapping[object, object], name: str) -> str:
    count = len(mapping)
    lines = [f"{name}, {count} keys"]
    if count > _REPR.maxdict:
        keys = ", ".join(_REPR.repr(key) for key in islice(mapping, 30))
        lines.append(f"keys: {keys}" + (", ..." if count > 30 else ""))
    if not isinstance(mapping, dict):  # reprlib knows dicts only; show the first items as one
        mapping = dict(islice(mapping.items(), _REPR.maxdict))
    lines.append(_REPR.repr(mapping))
    return "\n".join(lines)


def _item_types(items: object) -> str:
    kinds = {type(item).__name__ for item in islice(items, 10)}  # type: ignore[call-overload]
    return f" of {kinds.pop()}" if len(kinds) == 1 else ""


class _ShortRepr(reprlib.Repr):
    """``reprlib`` with limits for prompts; arrays inside containers are shown by shape only."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxdict = 10
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 10
        self.maxstring = 200
        self.maxlong = 60
        self.maxother = 120

    def repr_bytes(self, value: bytes, level: int) -> str:
        return self._sliced(value)

    def repr_bytearray(self, value: bytearray, level: int) -> str:
        return self._sliced(value)

    def repr_instance(self, value: object, level: int) -> str:
        shape = _shape(value)
        if shape is not None:
            return f"<{_type_name(value)} shape {_shape_text(shape)}>"
        return _clip(repr(value), self.maxother)

    def _sliced(self, value: bytes | bytearray) -> str:
        if len(value) <= self.maxstring:
            return repr(value)
        return repr(value[: self.maxstring])[:-1] + "...'"


_REPR = _ShortRepr()


def _shape(value: object) -> tuple[int, ...] | None:
    """``value.shape`` if it is a tuple of ints (so objects answering any attribute don't match)."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple) and all(isinstance(extent, int) for extent in shape):
        return tuple(shape)
    return None


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(extent) for extent in shape) + ("," if len(shape) == 1 else "") + ")"


def _has(value: object, *names: str) -> bool:
    return all(hasattr(value, name) for name in names)


def _type_name(value: object) -> str:
    return _qualified(type(value))


def _qualified(cls: type) -> str:
    """``pandas.DataFrame``: top package and name (no module for builtins and notebook classes)."""
    name = cls.__qualname__.rpartition("<locals>.")[2]
    module = getattr(cls, "__module__", "") or ""
    if module in ("builtins", "__main__"):
        return name
    return f"{module.split('.')[0]}.{name}"


def _signature(function: object) -> str:
    import inspect  # only here: the signature of a callable is rarely asked for

    try:
        return str(inspect.signature(function))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "(...)"


def _first_doc_line(value: object) -> str:
    doc = getattr(value, "__doc__", None)
    if not isinstance(doc, str) or not doc.strip():
        return ""
    return f": {doc.strip().splitlines()[0]}"


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 16] + " ... [trimmed]"
