"""Building the messages sent to the model, in cache-friendly order and within a token budget."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..notebook.snapshot import NotebookSnapshot
from ..prompts import load_prompt
from .budget import CHARS_PER_TOKEN, estimate_tokens, truncate_head
from .cells import NotebookView
from .report import ContextReport

__all__ = ["Context", "build_context"]

# Parts of the same role are merged into one message, separated by this. Merging keeps the roles
# alternating (system, user, assistant, user, ...), which some chat templates (Mistral, Gemma on
# vLLM / llama.cpp) require; prefix caching works on tokens, so it loses nothing.
_JOIN = "\n\n"


@dataclass
class Context:
    """The messages for one request and the report of what they hold."""

    #: OpenAI chat messages ``{"role": ..., "content": ...}``, ready to send
    messages: list[dict[str, str]]
    report: ContextReport


def build_context(
    *,
    role: str,
    request: str,
    snapshot: NotebookSnapshot | None,
    target_cell_id: str | None,
    doc_text: str | None,
    doc_path: str | None,
    variables: dict[str, str] | None,
    budget_tokens: int,
    history: list[dict[str, str]] | None = None,
    exclude_cell_ids: Iterable[str] = (),
    max_cells: int = 0,
) -> Context:
    """The context of one request for ``role`` (one of :data:`jupyter_llmdev.prompts.ROLES`).

    Order, stable parts first so providers can cache the prefix: the role prompt and the
    architecture doc (one system message), then the notebook cells and the referenced variables,
    then ``history`` (the plan or the conversation so far), then ``request``. Consecutive parts of
    one role are merged into one message.

    Budget (tokens estimated as ``ceil(chars / 4)``): the role prompt, the request, the variables,
    the latest history message and the target cell are always sent. The older history messages
    come next (oldest cut first), then the doc (only its start is sent when it does not fit), then
    the other cells, nearest to the target first, presented in notebook order. Everything cut is in
    :attr:`Context.report`. ``max_cells`` (``context_cells``) caps the other cells sent, nearest
    first (0: only the budget limits them); the cells past it are reported cut like the others.
    ``target_cell_id`` defaults to the snapshot's active cell; cells in
    ``exclude_cell_ids`` are not sent and not counted.
    """
    prompt = load_prompt(role)
    report = ContextReport(budget=budget_tokens, doc_path=doc_path, cell_limit=max_cells)
    variables_text = _variables_section(variables or {})
    report.variables = list(variables or {})
    remaining = max(budget_tokens, 0) * CHARS_PER_TOKEN
    remaining -= _cost(prompt) + _cost(request) + _cost(variables_text)

    messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in history or []]
    kept = _fit_history(messages, remaining)
    report.history_messages, report.history_cut = len(kept), len(messages) - len(kept)
    remaining -= sum(_cost(message["content"]) for message in kept)

    view = None
    if snapshot is not None:
        view = NotebookView(snapshot, target_cell_id, exclude_cell_ids)
    doc_section = ""
    if doc_text is not None:
        room = remaining - (view.minimum_chars + len(_JOIN) if view else 0)
        doc_section, report.doc_truncated = _doc_section(doc_text, doc_path, room)
        report.doc_included = bool(doc_section)
        remaining -= _cost(doc_section)

    notebook_text = ""
    if view is not None:
        selection = view.select(remaining - len(_JOIN), max_cells)
        notebook_text = selection.text
        report.has_notebook = True
        report.cells_total = selection.total
        report.cells_included = selection.included
        report.cells_cut = selection.cut

    parts = [("system", prompt), ("system", doc_section), ("user", notebook_text)]
    parts += [("user", variables_text)]
    parts += [(message["role"], message["content"]) for message in kept]
    parts += [("user", request)]
    merged = _merge(parts)
    report.tokens_estimate = estimate_tokens("".join(m["content"] for m in merged))
    return Context(messages=merged, report=report)


def _cost(text: str) -> int:
    """Characters a part takes, with the separator it may get when merged."""
    return len(text) + len(_JOIN) if text else 0


def _fit_history(messages: list[dict[str, str]], room: int) -> list[dict[str, str]]:
    """The newest messages that fit in ``room`` characters; the last one always."""
    kept: list[dict[str, str]] = []
    for message in reversed(messages):
        cost = _cost(message["content"])
        if kept and cost > room:
            break
        kept.append(message)
        room -= cost
    kept.reverse()
    return kept


def _doc_section(text: str, path: str | None, room: int) -> tuple[str, bool]:
    """The doc in its tags within ``room`` characters, and whether it had to be shortened."""
    text = text.rstrip()
    if not text:
        return "", False
    opening = f'<architecture_doc path="{path}">\n' if path else "<architecture_doc>\n"
    closing = "\n</architecture_doc>"
    body = truncate_head(text, room - len(opening) - len(closing) - len(_JOIN), label="document")
    return (f"{opening}{body}{closing}" if body else ""), body != text


def _variables_section(variables: dict[str, str]) -> str:
    if not variables:
        return ""
    entries = "\n".join(
        f'<variable name="{name}">\n{summary}\n</variable>' for name, summary in variables.items()
    )
    return f"<variables>\n{entries}\n</variables>"


def _merge(parts: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Messages from ``(role, text)`` parts: empty parts dropped, neighbours of one role joined."""
    messages: list[dict[str, str]] = []
    for role, text in parts:
        if not text:
            continue
        if messages and messages[-1]["role"] == role:
            messages[-1]["content"] += _JOIN + text
        else:
            messages.append({"role": role, "content": text})
    if not messages or messages[-1]["role"] != "user":
        messages.append({"role": "user", "content": ""})
    return messages
