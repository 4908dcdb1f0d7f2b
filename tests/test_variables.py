"""{name} interpolation and summaries of live objects: duck-typed frames and arrays, builtins."""

from __future__ import annotations

import json
from collections import OrderedDict
from types import MappingProxyType
from unittest import mock

from jupyter_llmdev.context import interpolate, summarize
from jupyter_llmdev.context.variables import SUMMARY_CHARS


class Explodes:
    """Any use of this is the 'heavy method' a summary must never call."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __call__(self, *args: object, **kwargs: object) -> None:
        raise AssertionError(f"summary called {self.what}")


class FakeHead:
    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class FakeFrame:
    """Looks like a pandas DataFrame; everything expensive explodes."""

    __module__ = "pandas.core.frame"

    def __init__(self, rows: int) -> None:
        self.shape = (rows, 3)
        self.columns = ["id", "price", "name"]
        self.dtypes = ["int64", "float64", "object"]
        self.head_calls: list[int] = []

    def head(self, n: int = 5) -> FakeHead:
        self.head_calls.append(n)
        return FakeHead("   id  price  name\n0   1    2.5  pen")

    __repr__ = Explodes("DataFrame.__repr__")  # type: ignore[assignment]
    __iter__ = Explodes("DataFrame.__iter__")  # type: ignore[assignment]
    __len__ = Explodes("DataFrame.__len__")  # type: ignore[assignment]
    to_string = Explodes("DataFrame.to_string")
    describe = Explodes("DataFrame.describe")


FakeFrame.__qualname__ = "DataFrame"


class FakeSeries:
    __module__ = "pandas.core.series"

    def __init__(self) -> None:
        self.shape = (10_000_000,)
        self.dtype = "float64"
        self.name = "price"

    def head(self, n: int = 5) -> FakeHead:
        return FakeHead("0    2.5\n1    3.0\nName: price, dtype: float64")

    __repr__ = Explodes("Series.__repr__")  # type: ignore[assignment]


FakeSeries.__qualname__ = "Series"


class FakeArray:
    __module__ = "numpy"

    def __init__(self, shape: tuple[int, ...], text: str | None = None) -> None:
        self.shape = shape
        self.dtype = "float32"
        self.text = text

    def __repr__(self) -> str:
        if self.text is None:
            raise AssertionError("repr of a big array")
        return self.text


FakeArray.__qualname__ = "ndarray"


# --- interpolate ------------------------------------------------------------------------------


def test_known_names_are_replaced_and_summarised():
    namespace = {"df": {"a": 1}, "n": 3}
    result = interpolate("plot {df} with {n} bins, then {df} again", namespace)
    assert result.text == "plot df with 3 bins, then df again".replace("3", "n")
    assert list(result.variables) == ["df", "n"]
    assert result.variables["n"] == "int: 3"
    assert result.unknown == []


def test_unknown_names_stay_and_are_reported():
    result = interpolate("use {missing} and {missing} and {known}", {"known": 1})
    assert result.text == "use {missing} and {missing} and known"
    assert result.unknown == ["missing"]
    assert list(result.variables) == ["known"]


def test_double_braces_escape_and_other_braces_are_left_alone():
    result = interpolate("{{x}} {x.y} {x[0]} {0} {} {'a': 1} }}", {"x": 1})
    assert result.text == "{x} {x.y} {x[0]} {0} {} {'a': 1} }"
    assert result.variables == {}
    assert result.unknown == []


def test_code_spans_and_fences_are_left_exactly_as_written():
    prompt = "fix `f'{x}'` and\n```python\nprint(f'{x}', {{}})\n```\nbut use {x}"
    result = interpolate(prompt, {"x": 5})
    assert result.text == "fix `f'{x}'` and\n```python\nprint(f'{x}', {{}})\n```\nbut use x"
    assert list(result.variables) == ["x"]


def test_an_unterminated_fence_protects_the_rest():
    result = interpolate("see {x}\n```\n{x}", {"x": 5})
    assert result.text == "see x\n```\n{x}"


def test_the_result_unpacks_as_text_and_variables():
    result = interpolate("{a} {b}", {"a": "b"})
    text, variables = result
    assert text == "a {b}" == result.text
    assert variables == {"a": "str, len 1: 'b'"} == result.variables
    assert result.unknown == ["b"]
    assert repr(result).startswith("Interpolation(text='a {b}', ")


# --- summarize --------------------------------------------------------------------------------


def test_dataframe_like_objects_show_shape_columns_and_head_only():
    frame = FakeFrame(rows=5_000_000)
    text = summarize(frame)
    assert text.startswith("pandas.DataFrame, shape (5000000, 3)\n")
    assert "columns: id (int64), price (float64), name (object)" in text
    assert text.endswith("head:\n   id  price  name\n0   1    2.5  pen")
    assert frame.head_calls == [5]


def test_an_empty_frame_is_not_asked_for_its_head():
    frame = FakeFrame(rows=0)
    assert "head" not in summarize(frame)
    assert frame.head_calls == []


def test_many_columns_are_listed_up_to_a_limit():
    frame = FakeFrame(rows=2)
    frame.shape = (2, 500)
    frame.columns = [f"c{i}" for i in range(500)]
    frame.dtypes = ["int64"] * 500
    text = summarize(frame)
    assert "c39 (int64), ... 460 more" in text
    assert "c40" not in text


def test_series_like_objects():
    text = summarize(FakeSeries())
    assert text.startswith("pandas.Series 'price', length 10000000, dtype float64\nhead:\n0    2.5")


def test_arrays_show_values_only_when_small():
    assert summarize(FakeArray((1000, 1000))) == "numpy.ndarray, shape (1000, 1000), dtype float32"
    small = summarize(FakeArray((3,), "array([1., 2., 3.], dtype=float32)"))
    assert small == "numpy.ndarray, shape (3,), dtype float32: array([1., 2., 3.], dtype=float32)"


def test_arrays_inside_containers_are_shown_by_shape():
    text = summarize([FakeArray((10_000, 3)), {"w": FakeArray((5,), "small")}])
    assert text == (
        "list, len 2: [<numpy.ndarray shape (10000, 3)>, {'w': <numpy.ndarray shape (5,)>}]"
    )


def test_dicts_show_keys_and_a_bounded_preview():
    assert summarize({"a": 1, "b": [1, 2]}) == "dict, 2 keys\n{'a': 1, 'b': [1, 2]}"
    big = {f"key{i}": i for i in range(100_000)}
    text = summarize(big)
    assert text.startswith("dict, 100000 keys\nkeys: 'key0', 'key1', ")
    assert "'key29', ...\n" in text and "'key30'" not in text.split("\n")[1]
    assert len(text) < 700


def test_mappings_that_are_not_dicts():
    assert summarize(OrderedDict(a=1)).startswith("collections.OrderedDict, 1 keys\n")
    assert summarize(MappingProxyType({"k": 2})) == "mappingproxy, 1 keys\n{'k': 2}"


def test_sequences_show_length_item_type_and_first_items():
    text = summarize(list(range(1_000_000)))
    assert text == "list, len 1000000 of int: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...]"
    assert summarize((1, "a")) == "tuple, len 2: (1, 'a')"
    assert summarize(set()) == "set, len 0: set()"


def test_strings_and_bytes_are_trimmed_before_repr():
    text = summarize("x" * 10_000_000)
    assert text.startswith("str, len 10000000: 'xxx") and len(text) < 300
    data = summarize(b"\x00" * 10_000_000)
    assert data.startswith("bytes, len 10000000: b'\\x00") and data.endswith("...'")
    assert len(data) < 1000


def test_scalars_and_none():
    assert summarize(None) == "NoneType: None"
    assert summarize(True) == "bool: True"
    assert summarize(2.5) == "float: 2.5"


def test_functions_classes_and_modules():
    def scale(values: list[float], factor: float = 2.0) -> list[float]:
        """Multiply every value by factor.

        More text.
        """
        return values

    text = summarize(scale)
    # this module uses postponed annotations, so the signature shows them as strings
    assert text.startswith("function scale(values: 'list[float]', factor: 'float' = 2.0)")
    assert text.endswith(": Multiply every value by factor.")
    assert summarize(FakeHead) == "class test_variables.FakeHead"
    assert summarize(json) == "module json"
    assert summarize(len).startswith("builtin_function_or_method len(obj, /)")


def test_generic_objects_use_a_trimmed_repr():
    class Point:
        def __repr__(self) -> str:
            return "Point(" + "9" * 1000 + ")"

    text = summarize(Point())
    assert text.startswith("test_variables.Point: Point(999") and text.endswith(" ... [trimmed]")
    assert len(text) <= len("test_variables.Point: ") + 300


def test_objects_that_answer_every_attribute_are_not_taken_for_frames():
    text = summarize(mock.MagicMock(name="thing"))
    assert text.startswith("unittest.MagicMock")
    assert "shape" not in text


def test_a_broken_object_never_breaks_the_summary():
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

    expected = "test_variables.Broken (no summary: RuntimeError while describing it)"
    assert summarize(Broken()) == expected
    assert summarize([Broken()]).startswith("list (no summary: RuntimeError")


def test_every_summary_is_bounded():
    class Wide:
        shape = (3, 2)
        columns = ["a", "b"]
        dtypes = ["int64", "int64"]

        def head(self, n: int) -> FakeHead:
            return FakeHead("row\n" * 10_000)

    assert len(summarize(Wide())) <= SUMMARY_CHARS
    assert len(summarize({i: "v" * 300 for i in range(50)})) <= SUMMARY_CHARS
