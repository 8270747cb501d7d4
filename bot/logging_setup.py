"""Logging that never shows the bot token."""

from __future__ import annotations

import logging

from handlers.errors import redact


class RedactTokens(logging.Filter):
    """Replace anything shaped like a bot token (and the configured one) with ``<token>``."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token

    def redact(self, text: str) -> str:
        return redact(text, self.token)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted, so the handler prints our copy.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        record.msg = self.redact(message)
        record.args = None
        return True


def setup_logging(token: str | None, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactTokens(token))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
