"""Keep the bot token (and database passwords) out of every line the process writes.

Its parts (the hooks installed once by ``bot.cli.main``):

* :class:`RedactingFilter`, a logging filter on the root handler: every record's message and
  traceback is redacted before any handler formats it. Without debugging, the records PTB logs
  just before it re-raises a fatal startup error ("... Aborting") are dropped, because that
  error reaches :func:`fatal` and is told there once.
* :meth:`Redaction.add_configured`: what is masked by value, wherever it appears (a token pasted
  into another setting too): the bot token and webhook secret, and the passwords of the
  URL settings (``CRM_DATABASE_URL``, ``CRM_BOT_API_URL``, ``CRM_BOT_FILE_URL``,
  ``CRM_REDIS_URL``). Passwords shorter than ``MIN_SECRET`` are left to the shape rules (two
  letters masked everywhere would garble every line).
* :func:`fatal`, the top-level formatter for an exception nobody caught: one clear line on
  stderr (what failed and what to check) and a non-zero exit code. With ``--debug`` or
  ``CRM_LOG_LEVEL=DEBUG`` the full traceback follows, still redacted.

``install`` also routes ``sys.excepthook`` and ``threading.excepthook`` through the same
redaction, so an exception escaping anywhere else is not printed raw either.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

MASK = "<token>"
PASSWORD_MASK = "***"
MIN_SECRET = 6
# The settings whose URL may carry a password.
URL_SETTINGS = ("database_url", "bot_api_url", "bot_file_url", "redis_url")
# Anything shaped like a Telegram bot token: digits, a colon (maybe URL-encoded), 30+ chars.
TOKEN_SHAPE = re.compile(r"\d{5,}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")
# user:password@ in a URL (database URLs carry passwords).
URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+@", re.IGNORECASE)

EXIT_FATAL = 1
EXIT_INTERRUPTED = 130


@dataclass
class Redaction:
    """The process-wide redaction state: which secrets to hide, and whether to debug."""

    secrets: list[str] = field(default_factory=list)
    debug: bool = False
    api_url: str = ""
    # The mask of each secret that is not a token (passwords: ***); tokens show <token>.
    masks: dict[str, str] = field(default_factory=dict)

    def add(self, secret: str | None, mask: str = MASK) -> None:
        secret = (secret or "").strip()
        if not secret or (mask != MASK and len(secret) < MIN_SECRET):
            return
        forms = {secret, quote(secret, safe=""), quote(secret)}
        if ":" in secret:
            tail = secret.split(":", 1)[1]
            if len(tail) >= 16:  # the secret half alone is still the secret
                forms.add(tail)
        for form in forms:
            if form and form not in self.secrets:
                self.secrets.append(form)
                if mask != MASK:
                    self.masks[form] = mask
        self.secrets.sort(key=len, reverse=True)  # longest first: no half-masked leftovers

    def add_configured(self, get: Callable[[str], str | None]) -> None:
        """Every secret of the settings, ``get(name)`` giving a setting's raw value."""
        self.add(get("bot_token"))
        self.add(get("webhook_secret"), PASSWORD_MASK)
        for name in URL_SETTINGS:
            self.add(url_password(get(name)), PASSWORD_MASK)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, self.masks.get(secret, MASK))
        text = TOKEN_SHAPE.sub(MASK, text)
        return URL_PASSWORD.sub(r"\g<head>***@", text)


STATE = Redaction()


def url_password(url: str | None) -> str | None:
    """The password in ``url`` (``scheme://user:password@host``), decoded, if any."""
    if not url:
        return None
    try:
        password = urlsplit(url.strip()).password
    except ValueError:
        return None
    return unquote(password) if password else None


def _setting(settings: Any, name: str) -> str | None:
    value = getattr(settings, name, None)
    if value is None:
        return None
    secret = getattr(value, "get_secret_value", None)
    return str(secret() if secret is not None else value)


def redact(text: str) -> str:
    """``text`` with every known secret, and anything shaped like a token, masked."""
    return STATE(text)


def _is_fatal_echo(record: logging.LogRecord, message: str) -> bool:
    """PTB's network retry loop logs the error it is about to re-raise; :func:`fatal`
    reports that error, so without debugging the log copy would be a second account."""
    return message.startswith("Network Retry Loop") and "Aborting" in message


class RedactingFilter(logging.Filter):
    """Redact each record in place (message, arguments and traceback)."""

    def __init__(self, state: Redaction | None = None) -> None:
        super().__init__()
        self.state = state or STATE

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the record, nor leak args
            message = f"{record.msg!s} {record.args!r}"
        if not self.state.debug and _is_fatal_echo(record, message):
            return False
        if record.exc_info and record.exc_info[1] is not None:
            # Format the traceback now, redacted, so the handler prints our copy.
            record.exc_text = self.state(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.state(record.exc_text)
        if record.stack_info:
            record.stack_info = self.state(record.stack_info)
        record.msg = self.state(message)
        record.args = None
        return True


def install(secrets: Iterable[str | None], *, debug: bool = False, api_url: str = "") -> None:
    """Hide ``secrets`` from now on: hooks for uncaught exceptions and a root log handler
    (replaced later by ``setup_logging``, which keeps the same filter)."""
    for secret in secrets:
        STATE.add(secret)
    STATE.debug = debug
    STATE.api_url = api_url
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook
    root = logging.getLogger()
    if not root.handlers:
        fallback = logging.StreamHandler()
        fallback.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(fallback)
        root.setLevel(logging.DEBUG if debug else logging.WARNING)
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


def install_for(settings: Any, *, debug: bool = False) -> None:
    """:func:`install` for the configured secrets (:meth:`Redaction.add_configured`);
    debugging with ``--debug`` or ``CRM_LOG_LEVEL=DEBUG``."""
    STATE.add_configured(lambda name: _setting(settings, name))
    debug = debug or str(settings.log_level).strip().upper() == "DEBUG"
    install([], debug=debug, api_url=settings.bot_api_url)


def _excepthook(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    # Python exits with 1 after an uncaught exception; this only decides what is printed.
    fatal(error)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or isinstance(args.exc_value, SystemExit):
        return
    name = args.thread.name if args.thread is not None else "?"
    print(redact(f"crm-bot: thread {name} stopped: {_summary(args.exc_value)}"), file=sys.stderr)
    if STATE.debug:
        print(_traceback(args.exc_value), file=sys.stderr)


# --- the one line ------------------------------------------------------------------------------


def _summary(error: BaseException) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _traceback(error: BaseException) -> str:
    return redact("".join(traceback.format_exception(type(error), error, error.__traceback__)))


def traceback_text(error: BaseException) -> str:
    """The full traceback of ``error``, redacted (for --debug)."""
    return _traceback(error)


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def describe(error: BaseException) -> str:
    """One line for the operator: what failed and what to check (already redacted)."""
    from telegram.error import InvalidToken, NetworkError, TimedOut

    where = STATE.api_url or "the Bot API"
    chain = _causes(error)
    if any(isinstance(e, InvalidToken) for e in chain):
        answers = " ".join(str(e) for e in chain).lower()
        if "not found" in answers or "404" in answers:
            line = (
                f"the Bot API at {where} answered 404 Not Found to getMe: check CRM_BOT_API_URL "
                "(it must end in /bot) and CRM_BOT_TOKEN (copy it again from @BotFather)"
            )
        else:
            line = (
                "Telegram rejected the bot token (getMe answered 401 Unauthorized): the token "
                "was revoked or mistyped; copy CRM_BOT_TOKEN again from @BotFather"
            )
    elif any(isinstance(e, TimedOut) for e in chain):
        line = (
            f"the Bot API at {where} did not answer in time: check the network and CRM_BOT_API_URL"
        )
    elif any(isinstance(e, NetworkError) for e in chain):
        network = next(e for e in chain if isinstance(e, NetworkError))
        line = (
            f"cannot reach the Bot API at {where} ({_summary(network)}): "
            "check the network, proxy and CRM_BOT_API_URL"
        )
    elif any(isinstance(e, OSError) for e in chain) and not isinstance(error, OSError):
        cause = next(e for e in chain if isinstance(e, OSError))
        line = f"stopped: {_summary(error)} ({_summary(cause)})"
    else:
        line = f"stopped by an unexpected error: {_summary(error)}"
    if not STATE.debug:
        line += " (run with --debug or CRM_LOG_LEVEL=DEBUG for the traceback)"
    return redact("crm-bot: " + " ".join(line.split()))


def fatal(error: BaseException) -> int:
    """Tell ``error`` on stderr (one line, plus the redacted traceback when debugging) and
    return the process's exit code."""
    if isinstance(error, KeyboardInterrupt):
        print("crm-bot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    if isinstance(error, SystemExit):
        code = error.code
        if isinstance(code, str):
            print(redact(code), file=sys.stderr)
            return EXIT_FATAL
        return int(code or 0)
    if STATE.debug:
        print(_traceback(error), file=sys.stderr, end="")
    print(describe(error), file=sys.stderr)
    sys.stderr.flush()
    return EXIT_FATAL
