"""Logging that never shows the bot token."""

from __future__ import annotations

import logging

from bot.redact import STATE, RedactingFilter, Redaction


class RedactTokens(RedactingFilter):
    """Replace anything shaped like a bot token (and the configured one) with ``<token>``."""

    def __init__(self, token: str | None = None) -> None:
        state = Redaction(secrets=list(STATE.secrets), debug=STATE.debug)
        state.add(token)
        super().__init__(state)

    def redact(self, text: str) -> str:
        return self.state(text)


def setup_logging(token: str | None, level: int | None = None) -> None:
    """One stderr handler, redacted; DEBUG when debugging was asked for, else INFO."""
    STATE.add(token)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level if level is not None else logging.DEBUG if STATE.debug else logging.INFO)
    # httpx logs every request URL, and the URL contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
