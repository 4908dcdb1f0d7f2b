"""Scenario (a): ``%llm`` in real JupyterLab puts every generated cell below it, recorded and saved."""

from __future__ import annotations

import json

from lab_page import (
    CELL,
    open_notebook,
    run_cell,
    save,
    sources,
    type_into_cell,
    wait_cell_count,
    wait_executed,
    wait_saved,
    write_notebook,
)
from openai_server import Reply

#: prose becomes a markdown cell too: four cells in all
REPLY = (
    "Here you go.\n\n"
    "```python\ny = 21\n```\n\n"
    "```python\nprint(y * 2)\n```\n\n"
    "```markdown\n## The answer\n```\n"
)


def test_llm_magic_inserts_every_cell_below_and_records_the_change(lab, llm, page) -> None:
    path = write_notebook(lab.root, "live.ipynb", [
        ("code", "%load_ext jupyter_llmdev"),
        ("code", "%llm define y and print twice y"),
        ("code", "# last cell"),
    ])
    llm.script(Reply(text=REPLY))
    open_notebook(page, lab.page_url("live.ipynb"))
    # an unsaved edit: the kernel must get it through the live snapshot, not from the file
    type_into_cell(page, 2, "\nmarker = 'unsaved-edit-0f3c'")

    run_cell(page, 0)
    wait_executed(page, 0)
    run_cell(page, 1)
    wait_cell_count(page, 7)
    wait_executed(page, 1)

    output = page.locator(CELL).nth(1).locator(".jp-OutputArea").inner_text()
    assert "4 cells inserted below" in output, output
    # the model saw the live notebook, unsaved edit included
    body = json.dumps(llm.completion_requests[-1].body)
    assert "unsaved-edit-0f3c" in body

    save(page)
    nb = wait_saved(path, lambda nb: len(nb.cells) == 7)
    assert sources(nb) == [
        ("code", "%load_ext jupyter_llmdev"),
        ("code", "%llm define y and print twice y"),
        ("markdown", "Here you go."),
        ("code", "y = 21"),
        ("code", "print(y * 2)"),
        ("markdown", "## The answer"),
        ("code", "# last cell\nmarker = 'unsaved-edit-0f3c'"),
    ]
    section = nb.metadata["jupyter_llmdev"]
    assert section["schema_version"] == 1
    [change] = section["changes"]
    assert change["status"] == "applied" and change["command"] == "ask"
    assert [edit["op"] for edit in change["edits"]] == ["insert"] * 4
    assert change["edits"][0]["anchor"] == "c2"
    inserted = nb.cells[2:6]
    assert [edit["cell_id"] for edit in change["edits"]] == [cell.id for cell in inserted]
    for cell in inserted:
        assert cell.metadata["jupyter_llmdev"] == {"change": change["id"], "revision": 1, "origin": "llm"}
    assert "jupyter_llmdev" not in nb.cells[1].metadata
