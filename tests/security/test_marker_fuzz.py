"""Fuzzing the marker parser (``export/markers.py``), sync's module reader and the renderer.

Modules and notebooks are untrusted: every input must finish (no timing assertions, only
inputs that took quadratic time before) and either parse or raise ExportError, never another
exception. And the renderer must never write a line the reader takes for a marker that the
renderer did not write itself (issue 8, finding 4).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_llmdev.errors import ExportError
from jupyter_llmdev.export.markers import (
    Section,
    code_hash,
    format_marker,
    marker_error,
    module_lines,
    parse_marker,
    split_sections,
)
from jupyter_llmdev.export.module_reader import read_module_text
from jupyter_llmdev.export.render import ModuleSpec, render_module
from jupyter_llmdev.export.scrub import scrub_code
from jupyter_llmdev.export.selection import ExportedCell

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: pieces that make up markers, and the characters that break lines or hide them
PIECES = [
    "# %% ", "# %%", "#%% ", "# %%  ", " ", "  ", "\t", "\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c",
    "\x85", "\u2028", "\x00", "\x1b[2J", "auto", " #1", "../nbs/", "/etc/", "..", "a.ipynb", ".ipynb",
    " cell=", "c1", "x-_9", " hash=", "0badf00d", "deadbeef", " #", "#", "=", "'''", '"""', "(", ")", "[",
    "def f():", "    return 1", "x = 1", "é", "\U0001f600", "\\",
]
text_from_pieces = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)
fuzz_text = st.one_of(text_from_pieces, st.text(max_size=200))


def sections_are_consistent(lines: list[str], sections: list[Section]) -> None:
    numbers = [section.line for section in sections]
    assert numbers == sorted(set(numbers))
    for section in sections:
        assert parse_marker(lines[section.line], section.line) is not None
        assert section.kind in ("cell", "auto", "no-id")


@FUZZ
@given(fuzz_text)
def test_parse_marker_returns_a_section_or_none(line: str) -> None:
    marker = parse_marker(line, 7)
    assert marker is None or (marker.line == 7 and marker.kind in ("cell", "auto", "no-id"))
    if marker is not None:
        assert "\n" not in line and "\r" not in line


@FUZZ
@given(fuzz_text)
def test_split_sections_never_fails(text: str) -> None:
    lines, sections = split_sections(text)
    assert lines == module_lines(text)
    sections_are_consistent(lines, sections)


@FUZZ
@given(fuzz_text)
def test_the_module_reader_parses_or_raises_export_error(text: str) -> None:
    try:
        module = read_module_text(text, "core.py")
    except ExportError as error:
        assert 1 <= len(str(error).splitlines()) <= 3
    else:
        assert all(section.kind == "cell" for section in module.cells)


@FUZZ
@given(st.text(max_size=60), st.text(max_size=20))
def test_a_marker_reads_back_as_written_or_is_refused(reference: str, cell_id: str) -> None:
    problem = marker_error(reference, cell_id)
    if problem is None:
        [line] = module_lines(format_marker(reference, cell_id))
        marker = parse_marker(line, 0)
        assert marker is not None and (marker.notebook, marker.cell_id, marker.digest) == (
            reference, cell_id, None)


def exported_cell(body: str, *, notebook: Path = Path("/p/nbs/core.ipynb"), cell_id: str = "c1") -> ExportedCell:
    return ExportedCell(notebook=notebook, cell_id=cell_id, index=1, kind="export", target=None,
                        code=scrub_code(body), head_lines=1)


def assert_only_written_markers(text: str, cells: list[tuple[str, str]]) -> None:
    """The reader finds exactly one auto marker and one marker per (reference, id) written."""
    _, sections = split_sections(text)
    assert [s.kind for s in sections].count("auto") == 1
    assert [(s.notebook, s.cell_id) for s in sections if s.kind != "auto"] == cells


@FUZZ
@given(fuzz_text, fuzz_text)
def test_rendering_writes_no_marker_it_did_not_mean(first: str, second: str) -> None:
    spec = ModuleSpec("core", Path("/p/mylib/core.py"),
                      (exported_cell(first), exported_cell(second, cell_id="c2")))
    try:
        text = render_module(spec)
    except ExportError as error:
        assert 1 <= len(str(error).splitlines()) <= 3
        return
    written = [("../nbs/core.ipynb", cid) for cid, body in (("c1", first), ("c2", second))
               if scrub_code(body).text.strip()]
    assert_only_written_markers(text, written)
    # the header's checksums go to the sections written, each the checksum of its code
    module = read_module_text(text, "core.py") if written else None
    if module is not None:
        assert [(s.cell_id, s.digest) for s in module.cells] == [
            (s.cell_id, code_hash("\n".join(s.code))) for s in module.cells]


@FUZZ
@given(fuzz_text, fuzz_text, fuzz_text)
def test_rendering_a_docstring_notebook_name_or_cell_id_writes_no_foreign_marker(
    docstring: str, name: str, cell_id: str
) -> None:
    notebook = Path("/p/nbs") / (name.replace("/", "_") + ".ipynb")
    spec = ModuleSpec("core", Path("/p/mylib/core.py"),
                      (exported_cell("x = 1", notebook=notebook, cell_id=cell_id),), docstring)
    try:
        text = render_module(spec)
    except ExportError as error:
        assert 1 <= len(str(error).splitlines()) <= 3
        return
    assert_only_written_markers(text, [(f"../nbs/{notebook.name}", cell_id)])
    namespace: dict[str, object] = {}
    exec(compile(text, "core.py", "exec"), namespace)
    assert namespace.get("__doc__") == (docstring or None)


#: inputs that are slow for a quadratic parser, or crash a careless one
PATHOLOGICAL = {
    "spaces after a marker": "# %% a.ipynb cell=x" + " " * 200_000 + "!",
    "spaces inside a marker": "# %% " + " " * 200_000 + "a.ipynb cell=x",
    "many cell= in one line": "# %% " + "a cell=b " * 30_000 + "!",
    "many .ipynb in one line": "# %% " + "a.ipynb " * 30_000 + "\rx",
    "many .ipynb # in one line": "# %% " + "a.ipynb #b " * 30_000 + "!",
    "huge line": "x = '" + "a" * 2_000_000 + "'",
    "many markers": "# %% ../nbs/a.ipynb cell=c1\nx = 1\n" * 40_000,
    "many blank lines in a section": "# %% ../nbs/a.ipynb cell=c1\n" + "\n" * 200_000 + "x = 1\n",
    "many statements after many markers": "# %% auto\n" * 5_000 + "x = 1\n" * 20_000,
    "deep brackets": "# %% ../nbs/a.ipynb cell=c1\nx = " + "(" * 100_000 + ")" * 100_000,
    "deep unary": "# %% ../nbs/a.ipynb cell=c1\nx = " + "-" * 200_000 + "1",
    "deep blocks": "# %% ../nbs/a.ipynb cell=c1\n"
    + "".join(" " * i + "if x:\n" for i in range(200))
    + " " * 200
    + "pass",
    "null byte": "# %% ../nbs/a.ipynb cell=c1\nx = 1\x00\n",
    "lone carriage returns": "# %% ../nbs/a.ipynb cell=c1\rx = 1\r# %% ../nbs/b.ipynb cell=c2\ry = 2\r",
    "control characters": "# %% ../nbs/\x1b]0;pwned\x07a.ipynb cell=c1\nx = 1\n",
    "surrogate escapes": "# %% ../nbs/\udcff.ipynb cell=c1\nx = 1\n",
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_modules_finish(name: str) -> None:
    text = PATHOLOGICAL[name]
    lines, sections = split_sections(text)
    sections_are_consistent(lines, sections)
    for number, line in enumerate(lines[:50]):
        parse_marker(line, number)
    try:
        read_module_text(text, "core.py")
    except ExportError as error:
        assert 1 <= len(str(error).splitlines()) <= 3


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_cells_finish_when_rendered(name: str) -> None:
    spec = ModuleSpec("core", Path("/p/mylib/core.py"), (exported_cell(PATHOLOGICAL[name]),))
    try:
        text = render_module(spec)
    except ExportError as error:
        assert 1 <= len(str(error).splitlines()) <= 3
        return
    assert_only_written_markers(text, [("../nbs/core.ipynb", "c1")])


def test_syncing_a_huge_repetitive_edit_finishes(tmp_path: Path) -> None:
    # difflib is super-linear on repetitive lines: the merge diffs only a bounded middle
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from jupyter_llmdev.export import export_notebooks
    from jupyter_llmdev.export.sync import sync_modules

    (tmp_path / ".git").mkdir()
    lines = [f"a = {i % 2}" for i in range(3000)]
    nb = new_notebook(cells=[new_code_cell("#| default_exp core"), new_code_cell("#| export\n%time\n" + "\n".join(lines))])
    for index, cell in enumerate(nb.cells):
        cell.id = f"c{index}"
    notebook = tmp_path / "core.ipynb"
    nbformat.write(nb, notebook)
    export_notebooks([notebook])
    module = tmp_path / "core.py"
    edited = [f"a = {(i // 3) % 2}" for i in range(3000)]
    module.write_text(module.read_text().replace("\n".join(lines), "x = 0\n" + "\n".join(edited) + "\nz = 0"))

    result = sync_modules([module])

    assert [item.cell_ids for item in result.notebooks] == [("c1",)]
    source = nbformat.read(notebook, as_version=4).cells[1].source
    assert source.startswith("#| export\n") and "%time" in source
    assert source.replace("%time\n", "").endswith("x = 0\n" + "\n".join(edited) + "\nz = 0")


#: cell heads (directives) that are slow for a quadratic directive parser
PATHOLOGICAL_HEADS = {
    "spaces inside a directive value": "#| export a" + " " * 200_000 + "b\nx = 1",
    "spaces after a directive name": "#| export" + " " * 200_000 + ":\nx = 1",
    "many directives": "#| export\n" * 50_000 + "x = 1",
    "pipes": "#" + "|" * 200_000 + "\nx = 1",
}


@pytest.mark.parametrize("name", PATHOLOGICAL_HEADS)
def test_pathological_cell_heads_finish(name: str) -> None:
    from jupyter_llmdev.export.selection import select_exports

    cell = {"cell_type": "code", "id": "c1", "metadata": {}, "source": PATHOLOGICAL_HEADS[name], "outputs": []}
    exports = select_exports({"cells": [cell], "metadata": {}}, Path("/p/nbs/core.ipynb"))
    for exported in exports.cells:
        try:
            render_module(ModuleSpec("core", Path("/p/mylib/core.py"), (exported,)))
        except ExportError as error:
            assert 1 <= len(str(error).splitlines()) <= 3
