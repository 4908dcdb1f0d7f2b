"""What a running request shows (in a cell or a terminal): a status line, the reply streaming in, notes.

Everything shown here may come from a model or a server (reply text, server messages quoted
in errors, model names from a project's config), so every string passes through
:func:`jupyter_llmdev.safety.terminal.printable` on its way out: an escape sequence in a reply
cannot retitle the terminal, move the cursor, or erase and fake the ``[llm]`` status line.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from .llm.types import Delta, Status, StreamEvent
from .safety.terminal import printable

__all__ = ["FLUSH_INTERVAL", "StreamView"]

#: seconds between flushes of streamed text: smooth to watch, few output messages
FLUSH_INTERVAL = 0.1
#: without a terminal to redraw a line in, print a waiting count every this many seconds
LOG_EVERY = 10
#: erase the current terminal line (our own sequence, written only to a real terminal)
_ERASE_LINE = "\r\x1b[2K"


class StreamView:
    """Renders engine events into the running cell's output, or a terminal.

    Status lines come in two kinds (``Status.phase``): notes (the context summary, "reviewer 2:
    done") stay; waiting and retrying lines ("waiting for ... 12 s", "retrying in 3 s (1/3)")
    are transient: they end when tokens arrive (``replying``), when the reply ends, or when
    the request fails.

    * In a kernel the status line is one display updated in place: a transient line replaces
      it, and when it ends the last note comes back. The reply goes to stdout as it arrives.
    * In a terminal, status lines go to stderr. On a real terminal a transient line is
      redrawn in place and erased when it ends; elsewhere (a pipe, a log) it is printed once,
      with a waiting count every :data:`LOG_EVERY` seconds.
    """

    def __init__(self, *, rich: bool) -> None:
        self.rich = rich
        self.received = 0
        self._handle: Any = None
        self._note = ""
        #: a transient line is on screen (terminal: drawn in place; kernel: in the display)
        self._transient = False
        self._ends_with_newline = True
        self._flushed = 0.0
        #: a carriage return at the end of a delta, held back in case "\n" follows
        self._carry = ""

    def __call__(self, event: StreamEvent) -> None:
        if isinstance(event, Delta):
            self.text(event.text)
        elif isinstance(event, Status):
            self.show(event)

    # -- status lines -------------------------------------------------------------------------

    def show(self, status: Status) -> None:
        """Show a status event according to its phase."""
        if status.phase == "replying":
            self.end_status()
        elif status.phase in ("waiting", "retrying"):
            self._show_transient(status)
        else:
            self.status(status.text)

    def status(self, text: str) -> None:
        """Show a note as the status line (it stays until the next note)."""
        if not text:
            return
        line = f"[llm] {printable(text, keep_newlines=False)}"
        if self.rich:
            self._note = line
            self._transient = False
            self._display(line)
            return
        self._erase()
        self._break_line()
        print(line, file=sys.stderr, flush=True)

    def end_status(self) -> None:
        """End a waiting or retrying line (tokens arrived, the reply ended, or it failed)."""
        if not self._transient:
            return
        if self.rich:
            self._display(self._note)
            self._transient = False
        else:
            self._erase()

    def _show_transient(self, status: Status) -> None:
        line = f"[llm] {printable(status.text, keep_newlines=False)}"
        if self.rich:
            self._transient = True
            self._display(line)
            return
        if _is_terminal(sys.stderr):
            self._break_line()
            sys.stderr.write(_ERASE_LINE + line)
            sys.stderr.flush()
            self._transient = True
        elif not status.tick or (status.phase == "waiting" and _on_beat(status.seconds)):
            self._break_line()
            print(line, file=sys.stderr, flush=True)

    def _display(self, line: str) -> None:
        from IPython.display import display

        bundle = {"text/plain": line}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)

    def _erase(self) -> None:
        """Erase a transient line drawn on the terminal (only a real terminal has one)."""
        if self._transient:
            sys.stderr.write(_ERASE_LINE)
            sys.stderr.flush()
            self._transient = False

    def _break_line(self) -> None:
        """Start a new line if streamed text stopped mid-line (status and text share a screen)."""
        if not self._ends_with_newline:
            sys.stdout.write("\n")
            sys.stdout.flush()
            self._ends_with_newline = True

    # -- the reply ----------------------------------------------------------------------------

    def text(self, delta: str) -> None:
        """Write reply text as it arrives, control characters made visible."""
        if not delta:
            return
        self.end_status()
        self.received += len(delta)
        shown = self._printable(delta)
        if not shown:
            return
        self._ends_with_newline = shown.endswith("\n")
        sys.stdout.write(shown)
        # flushing every delta would make one output message (and notebook output) per chunk
        now = time.monotonic()
        if now - self._flushed >= FLUSH_INTERVAL:
            sys.stdout.flush()
            self._flushed = now

    def _printable(self, delta: str) -> str:
        """``delta`` made printable; a Windows line end (split across deltas too) stays a newline."""
        text, self._carry = self._carry + delta, ""
        if text.endswith("\r"):
            text, self._carry = text[:-1], "\r"
        return printable(text.replace("\r\n", "\n"))

    def end_text(self) -> None:
        """Close the streamed text with a newline so later lines start clean."""
        self.end_status()
        if self._carry:
            sys.stdout.write(printable(self._carry))
            self._carry = ""
            self._ends_with_newline = False
        if not self._ends_with_newline:
            sys.stdout.write("\n")
            self._ends_with_newline = True
        sys.stdout.flush()

    def stopped(self, partial: str, *, cancelled: bool) -> None:
        """Mark a reply that did not finish: the text above stays, nothing was applied."""
        self.end_status()
        if cancelled:
            self.note("[stopped] nothing was inserted." if not partial
                      else "[stopped: the reply above is incomplete] nothing was inserted.")
        elif partial:
            self.note("[incomplete reply: the text above is all that arrived] nothing was inserted.")

    def note(self, text: str) -> None:
        """A final line under the reply (what was inserted, what was cut, usage)."""
        self.end_text()
        print(printable(text), flush=True)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _on_beat(seconds: float | None) -> bool:
    """True for the waiting counts a log shows: every LOG_EVERY seconds."""
    return seconds is not None and int(seconds) % LOG_EVERY == 0
