"""Model replies -> proposed cells (streaming-safe) and reviews -> findings and a verdict."""

from __future__ import annotations

from .cells import ReplyParser, parse_reply
from .review import Finding, Review, parse_review

__all__ = ["Finding", "Review", "ReplyParser", "parse_reply", "parse_review"]
