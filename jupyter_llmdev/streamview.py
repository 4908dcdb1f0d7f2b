"""What a running request shows (in a cell or a terminal): a status line, the reply streaming in, notes."""

from __future__ import annotations

import sys
import time
from typing import Any

from .llm.types import Delta, Status, StreamEvent

__all__ = ["StreamView"]

#: seconds between flushes of streamed text: smooth to watch, few output messages
FLUSH_INTERVAL = 0.1


class StreamView:
    """Renders engine events into the running cell's output.

    In a kernel the status line is one display updated in place (so "rate limited, retrying in 1 s
    (2/3)" replaces "waiting for ...") and the reply text goes to stdout as it arrives. In a
    terminal IPython the status goes to stderr on its own lines.
    """

    def __init__(self, *, rich: bool) -> None:
        self.rich = rich
        self.received = 0
        self._handle: Any = None
        self._ends_with_newline = True
        self._flushed = 0.0

    def __call__(self, event: StreamEvent) -> None:
        if isinstance(event, Delta):
            self.text(event.text)
        elif isinstance(event, Status):
            self.status(event.text)

    def status(self, text: str) -> None:
        """Show or replace the status line."""
        if not text:
            return
        if not self.rich:
            print(f"[llm] {text}", file=sys.stderr, flush=True)
            return
        from IPython.display import display

        bundle = {"text/plain": f"[llm] {text}"}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)

    def text(self, delta: str) -> None:
        """Write reply text as it arrives."""
        if not delta:
            return
        self.received += len(delta)
        self._ends_with_newline = delta.endswith("\n")
        sys.stdout.write(delta)
        # flushing every delta would make one output message (and notebook output) per chunk
        now = time.monotonic()
        if now - self._flushed >= FLUSH_INTERVAL:
            sys.stdout.flush()
            self._flushed = now

    def end_text(self) -> None:
        """Close the streamed text with a newline so later lines start clean."""
        if not self._ends_with_newline:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self._ends_with_newline = True

    def stopped(self, partial: str, *, cancelled: bool) -> None:
        """Mark a reply that did not finish: the text above stays, nothing was applied."""
        if cancelled:
            self.note("[stopped] nothing was inserted." if not partial
                      else "[stopped: the reply above is incomplete] nothing was inserted.")
        elif partial:
            self.note("[incomplete reply: the text above is all that arrived] nothing was inserted.")

    def note(self, text: str) -> None:
        """A final line under the reply (what was inserted, what was cut, usage)."""
        self.end_text()
        print(text, flush=True)
