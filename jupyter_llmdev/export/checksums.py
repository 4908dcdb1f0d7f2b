"""The cell checksums of a module, kept in its header where nbdev does not look.

``llmdev sync`` needs, for each cell section, a checksum of the code as exported, to tell a
module edit from a notebook edit made since the export (or both). nbdev 3's readers
(``nbdev_update``, ``_modidx``) take the last word of a marker line as ``#<cell id>`` and read a
module only after its first ``\\n# %% ``, so the checksums cannot sit in the markers and are
written in the header instead, one or more lines of ``<cell id>=<crc32>`` in section order::

    # cell checksums for llmdev sync: 3f2a9c1e=0b1c2d3e 4a5b6c7d=12345678

A cell id may appear twice in a module (two notebooks, e.g. a copy, sending cells to it): the
checksums of one id are handed to its sections in order. Modules written before these lines
existed carry the checksum in the marker (``# %% nb.ipynb cell=ID hash=CRC``); that one wins.

The header is untrusted like the rest of the module: the reader looks only at the comment lines
at the top, once each, and refuses a checksum line it cannot read (rather than guess which side
changed).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..errors import ExportError
from .markers import Section
from ..safety.terminal import one_line

__all__ = ["PREFIX", "Checksums", "apply_checksums", "checksum_lines", "read_checksums", "refreshed"]

PREFIX = "# cell checksums for llmdev sync:"
_ENTRY = re.compile(r"([A-Za-z0-9_-]+)=([0-9a-f]{8})")
_WIDTH = 100


@dataclass(frozen=True)
class Checksums:
    """The checksum lines of a module's header."""

    #: 0-based line of the first checksum line (-1: none)
    first: int = -1
    #: (cell id, checksum) in section order
    entries: tuple[tuple[str, str], ...] = ()
    #: how many lines they take
    count: int = 0
    #: section line -> index into ``entries`` (filled by :func:`apply_checksums`)
    used: dict[int, int] = field(default_factory=dict)


def checksum_lines(entries: Sequence[tuple[str, str]]) -> list[str]:
    """The header lines for ``entries``, each at most about 100 columns."""
    lines: list[str] = []
    current = PREFIX
    for cell_id, digest in entries:
        word = f" {cell_id}={digest}"
        if current != PREFIX and len(current) + len(word) > _WIDTH:
            lines.append(current)
            current = PREFIX
        current += word
    if current != PREFIX:
        lines.append(current)
    return lines


def read_checksums(lines: Sequence[str], name: str) -> Checksums:
    """The checksum lines among the comment lines at the top of a module (``name`` for messages)."""
    first, count = -1, 0
    entries: list[tuple[str, str]] = []
    for number, line in enumerate(lines):
        if not line.startswith("#") or line.startswith("# %% "):
            break
        if not line.startswith(PREFIX):
            continue
        if first >= 0 and number != first + count:
            raise _damaged(name, number, "the checksum lines are not together")
        first = number if first < 0 else first
        count += 1
        for word in line[len(PREFIX):].split():
            match = _ENTRY.fullmatch(word)
            if match is None:
                raise _damaged(name, number, f"`{one_line(word, 40)}` is not CELL_ID=CHECKSUM")
            entries.append((match.group(1), match.group(2)))
    return Checksums(first, tuple(entries), count)


def apply_checksums(sections: list[Section], checksums: Checksums) -> tuple[list[Section], Checksums]:
    """``sections`` with the header's checksums filled in where the marker has none."""
    queues: dict[str, deque[int]] = {}
    for index, (cell_id, _) in enumerate(checksums.entries):
        queues.setdefault(cell_id, deque()).append(index)
    used: dict[int, int] = {}
    filled: list[Section] = []
    for section in sections:
        queue = queues.get(section.cell_id)
        if section.kind == "cell" and section.digest is None and queue:
            index = queue.popleft()
            used[section.line] = index
            section = replace(section, digest=checksums.entries[index][1])
        filled.append(section)
    return filled, replace(checksums, used=used)


def refreshed(lines: list[str], checksums: Checksums, digests: dict[int, str]) -> list[str]:
    """``lines`` with the checksum lines rewritten: ``digests`` maps section lines to new ones."""
    if checksums.first < 0:
        return lines
    entries = list(checksums.entries)
    for line, digest in digests.items():
        if line in checksums.used:
            index = checksums.used[line]
            entries[index] = (entries[index][0], digest)
    start, end = checksums.first, checksums.first + checksums.count
    return [*lines[:start], *checksum_lines(entries), *lines[end:]]


def _damaged(name: str, number: int, why: str) -> ExportError:
    return ExportError(
        f"{one_line(name)}, line {number + 1}: the checksum line is damaged ({why}). Nothing was synced.",
        hint="Restore it (version control), or delete the checksum lines to let the module's code win.",
    )
