"""Keep the server token out of the Jupyter server's log.

Browsers open websockets with the token in the URL (``?token=...``), and tornado's default error
logging prints the request, URL and all. The chat handler logs its own errors without the URL;
this filter is the second line: on the loggers the extension's handlers reach (tornado's and the
server app's), every ``token=...`` / ``_xsrf=...`` value and ``Authorization: token ...`` header
in a record, its arguments or its traceback text is replaced by ``[secret]`` before any handler
sees it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

__all__ = ["SECRET", "SecretScrubber", "install", "scrub"]

#: what a secret is replaced with (jupyter_server's own access log uses the same word)
SECRET = "[secret]"

# fixed words, then a value without separators: one attempt per position, no backtracking
_QUERY = re.compile(r"(token|xsrf)=[^&\s'\"#<>]+", re.IGNORECASE)
_HEADER = re.compile(r"(authorization['\"]?[:=]\s*['\"]?(?:token|bearer|basic))\s+[^\s'\",]+", re.IGNORECASE)
#: tornado's loggers (errors, warnings, access) and the root of jupyter_server's own
_TORNADO_LOGGERS = ("tornado.application", "tornado.general", "tornado.access")


def scrub(text: str) -> str:
    """``text`` with token values replaced by :data:`SECRET`."""
    return _HEADER.sub(rf"\1 {SECRET}", _QUERY.sub(rf"\1={SECRET}", text))


class SecretScrubber(logging.Filter):
    """Rewrites a record whose text holds a token; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        return True


def install(loggers: Iterable[logging.Logger | logging.LoggerAdapter[logging.Logger]] = ()) -> None:
    """Put one :class:`SecretScrubber` on tornado's loggers and on ``loggers`` (idempotent)."""
    targets = [logging.getLogger(name) for name in _TORNADO_LOGGERS]
    for logger in loggers:
        targets.append(logger.logger if isinstance(logger, logging.LoggerAdapter) else logger)
    for logger in targets:
        if not any(isinstance(existing, SecretScrubber) for existing in logger.filters):
            logger.addFilter(SecretScrubber())
