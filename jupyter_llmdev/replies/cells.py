"""Reply text -> proposed cells, fed chunk by chunk as the reply streams in.

The reply is read line by line (a line is handled once its newline has arrived, the last one at
:meth:`ReplyParser.finish`), so where the chunks are split never changes the result. Fences follow
CommonMark (```` ``` ```` or ``~~~``, three or more, closed by at least as many of the same
character), except that they may be indented by any amount (models indent them inside lists):

* a ``python`` / ``py`` / ``ipython`` fence, or one with no language, is a code cell;
* a ``markdown`` / ``md`` fence is a markdown cell with the inner text;
* a fence in any other language (``bash``, ``text``, ``json`` ...) stays, fences and all, in the
  surrounding prose: it is shown, never run;
* ``replace=CELL_ID`` in the info string (```` ```python replace=ab12cd34 ````) sets
  :attr:`ProposedCell.replaces`;
* prose between blocks becomes markdown cells (``prose_as_markdown``) and is always collected in
  :attr:`ReplyParser.prose`; only whitespace is ever dropped.

Code keeps its exact source, less the newline before the closing fence. A fence still open at the
end (a cut reply) is still a cell, and :attr:`ReplyParser.unterminated` says so.

The reply is untrusted: each line is handled once, with string operations that only move forward
(no regular expression that can backtrack), so parsing is linear in the reply's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..notebook.changeset import ProposedCell

__all__ = ["CODE_LANGUAGES", "MARKDOWN_LANGUAGES", "ReplyParser", "parse_reply"]

#: fence languages that make a code cell ("" is a fence with no language)
CODE_LANGUAGES = frozenset({"", "python", "py", "python3", "py3", "ipython", "ipython3"})
#: fence languages that make a markdown cell
MARKDOWN_LANGUAGES = frozenset({"markdown", "md"})

_BLANKS = " \t"
_REPLACE_KEYS = ("replace", "replaces")


@dataclass
class _Fence:
    """An open fence: what closes it and what it has collected."""

    char: str
    length: int
    indent: int
    #: "code", "markdown", or "other" (an other-language fence, kept in the prose)
    kind: str
    replaces: str | None = None
    lines: list[str] = field(default_factory=list)


class ReplyParser:
    """Turns a streamed reply into :class:`ProposedCell` objects as soon as each one is complete.

    ``feed(delta)`` returns the cells completed by that chunk, ``finish()`` the rest. Feeding the
    whole reply at once, or one character at a time, gives the same cells and the same prose.
    """

    def __init__(self, *, prose_as_markdown: bool = True) -> None:
        self.prose_as_markdown = prose_as_markdown
        #: every prose segment (text outside code and markdown fences), whether or not it became
        #: a markdown cell, in reply order; whitespace-only segments are left out
        self.prose: list[str] = []
        #: every cell returned so far, in reply order
        self.cells: list[ProposedCell] = []
        #: the reply ended inside a fence (the last block was cut off)
        self.unterminated = False
        self._partial: list[str] = []
        self._prose_lines: list[str] = []
        self._fence: _Fence | None = None
        self._new: list[ProposedCell] = []
        self._finished = False

    @property
    def in_code(self) -> bool:
        """Whether the text fed so far ends inside a code or markdown fence."""
        return self._fence is not None and self._fence.kind != "other"

    def feed(self, delta: str) -> list[ProposedCell]:
        """Add a chunk of the reply; returns the cells it completed (possibly none)."""
        if self._finished:
            raise RuntimeError("ReplyParser.feed() called after finish()")
        if "\n" not in delta:
            if delta:
                self._partial.append(delta)
            return []
        lines = ("".join(self._partial) + delta).split("\n")
        self._partial = [lines.pop()]
        for line in lines:
            self._line(line)
        return self._take()

    def finish(self) -> list[ProposedCell]:
        """End of the reply: returns the remaining cells, including an unterminated last block."""
        if self._finished:
            return []
        self._finished = True
        last = "".join(self._partial)
        self._partial = []
        if last:
            self._line(last)
        fence = self._fence
        if fence is not None:
            self.unterminated = True
            self._fence = None
            if fence.kind != "other":
                self._emit_block(fence)
        self._flush_prose()
        return self._take()

    def _line(self, line: str) -> None:
        if line.endswith("\r"):
            line = line[:-1]
        fence = self._fence
        if fence is None:
            self._outside(line)
        elif _closes(line, fence):
            self._fence = None
            if fence.kind == "other":
                self._prose_lines.append(line)
            else:
                self._emit_block(fence)
        elif fence.kind == "other":
            self._prose_lines.append(line)
        else:
            fence.lines.append(_dedent(line, fence.indent))

    def _outside(self, line: str) -> None:
        opening = _opening(line)
        if opening is None or (opening[1][0] == "`" and "`" in opening[2]):
            self._prose_lines.append(line)
            return
        indent, marker, info = opening
        language, replaces = _parse_info(info)
        if language in CODE_LANGUAGES:
            kind = "code"
        elif language in MARKDOWN_LANGUAGES:
            kind = "markdown"
        else:
            kind = "other"
        self._fence = _Fence(marker[0], len(marker), indent, kind, replaces)
        if kind == "other":
            self._prose_lines.append(line)
        else:
            self._flush_prose()

    def _emit_block(self, fence: _Fence) -> None:
        source = "\n".join(fence.lines)
        if source.strip() or fence.replaces:
            self._emit(ProposedCell(fence.kind, source, replaces=fence.replaces))

    def _flush_prose(self) -> None:
        lines = self._prose_lines
        self._prose_lines = []
        start, end = 0, len(lines)
        while start < end and not lines[start].strip():
            start += 1
        while end > start and not lines[end - 1].strip():
            end -= 1
        if start == end:
            return
        text = "\n".join(lines[start:end])
        self.prose.append(text)
        if self.prose_as_markdown:
            self._emit(ProposedCell("markdown", text))

    def _emit(self, cell: ProposedCell) -> None:
        self.cells.append(cell)
        self._new.append(cell)

    def _take(self) -> list[ProposedCell]:
        new, self._new = self._new, []
        return new


def parse_reply(text: str, *, prose_as_markdown: bool = True) -> list[ProposedCell]:
    """All cells of a whole reply: the same as feeding ``text`` to a :class:`ReplyParser`."""
    parser = ReplyParser(prose_as_markdown=prose_as_markdown)
    return parser.feed(text) + parser.finish()


def _parse_info(info: str) -> tuple[str, str | None]:
    """(language, replaced cell id) from a fence's info string such as ``python replace=ab12``."""
    language: str | None = None
    replaces: str | None = None
    for token in info.split():
        key, equals, value = token.partition("=")
        if equals:
            if key.strip("{.").lower() in _REPLACE_KEYS:
                replaces = value.strip("\"'{}`,") or None
        elif language is None:
            language = token.strip("{.}").lower()
    return language or "", replaces


def _opening(line: str) -> tuple[int, str, str] | None:
    """(indent, marker, info string) of a fence line such as ``  ```python replace=ab12``, else ``None``.

    The marker is a run of three or more backticks or tildes after any blanks (spaces, tabs).
    """
    body = line.lstrip(_BLANKS)
    char = body[:1]
    if char not in ("`", "~"):
        return None
    info = body.lstrip(char)
    length = len(body) - len(info)
    if length < 3:
        return None
    return len(line) - len(body), body[:length], info


def _closes(line: str, fence: _Fence) -> bool:
    """Whether ``line`` is only a marker (blanks around it) that closes ``fence``."""
    marker = line.strip(_BLANKS)
    return (len(marker) >= max(fence.length, 3) and marker[0] == fence.char
            and not marker.strip(fence.char))


def _dedent(line: str, indent: int) -> str:
    """``line`` less up to ``indent`` leading blanks (the opening fence's own indentation)."""
    if not indent:
        return line
    blanks = len(line) - len(line.lstrip(_BLANKS))
    return line[min(blanks, indent) :]
