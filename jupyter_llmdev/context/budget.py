"""Token estimates and text truncation for the context budget (no tokenizer: ceil(chars / 4))."""

from __future__ import annotations

__all__ = ["CHARS_PER_TOKEN", "estimate_tokens", "format_tokens", "truncate_head"]

#: the estimate assumes this many characters per token (English prose and code average 3.5-4.5);
#: no tokenizer is loaded, so the estimate is cheap, provider-neutral and a little rough
CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Estimated tokens of ``text``: ``ceil(len(text) / 4)``."""
    return -(-len(text) // CHARS_PER_TOKEN)


def format_tokens(count: int) -> str:
    """``950``, ``6.1k``, ``8k``, ``128k``: a token count for a one-line report."""
    if count < 1000:
        return str(count)
    thousands = count / 1000
    if thousands >= 100 or round(thousands, 1) == round(thousands):
        return f"{round(thousands)}k"
    return f"{thousands:.1f}k"


def truncate_head(text: str, max_chars: int, *, label: str) -> str:
    """The start of ``text`` in at most ``max_chars`` characters, cut at a line end, with a marker.

    The marker names ``label`` and how much was left out, so the model knows the text is partial.
    Returns ``""`` when not even the marker fits; ``text`` itself when it fits whole.
    """
    if len(text) <= max_chars:
        return text
    marker = f"\n[... {label} truncated: {len(text):,} characters, only the first part shown ...]"
    room = max_chars - len(marker)
    if room <= 0:
        return ""
    head = text[:room]
    line_end = head.rfind("\n")
    if line_end > room // 2:
        head = head[:line_end]
    return head.rstrip("\n") + marker
