"""How workflow results appear in a cell: plans streamed as Markdown, review tables as HTML."""

from __future__ import annotations

import time
from typing import Any

from ..llm.types import Delta, StreamEvent
from ..streamview import FLUSH_INTERVAL, StreamView

__all__ = ["MarkdownView", "show"]


class MarkdownView:
    """Renders a reply as Markdown that grows in place (kernel), or as streamed text (terminal).

    Status lines go through a :class:`StreamView`, so waiting and retry notes look like ``ask``'s.
    """

    def __init__(self, *, rich: bool) -> None:
        self.rich = rich
        self.stream = StreamView(rich=rich)
        self.text = ""
        self._handle: Any = None
        self._shown = 0.0

    def __call__(self, event: StreamEvent) -> None:
        if isinstance(event, Delta) and self.rich:
            self.text += event.text
            if time.monotonic() - self._shown >= FLUSH_INTERVAL:
                self._render()
        else:
            self.stream(event)

    def finish(self) -> None:
        """Show the whole reply."""
        if self.rich:
            self._render()
        else:
            self.stream.end_text()

    def stopped(self, partial: str, *, cancelled: bool) -> None:
        """The reply did not finish: keep what arrived on screen and say nothing was recorded."""
        if self.rich and partial:
            self.text = partial
            self._render()
        self.stream.stopped(partial if not self.rich else "", cancelled=cancelled)

    def note(self, text: str) -> None:
        """A line under the reply."""
        self.stream.note(text)

    def _render(self) -> None:
        from IPython.display import display

        bundle = {"text/markdown": self.text, "text/plain": self.text}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)
        self._shown = time.monotonic()


def show(text: str, *, rich: bool, markdown: str | None = None, html: str | None = None) -> None:
    """One result: Markdown or HTML with ``text`` as the plain form in a kernel, else ``text`` printed."""
    if not rich:
        print(text, flush=True)
        return
    from IPython.display import display

    bundle = {"text/plain": text}
    if markdown is not None:
        bundle["text/markdown"] = markdown
    if html is not None:
        bundle["text/html"] = html
    display(bundle, raw=True)
