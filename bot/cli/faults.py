"""One actionable line per operator fault, in the configured language.

``fault_line`` is the one place that turns an exception into the line ``crm-bot`` prints
(without a traceback unless ``--debug`` or ``CRM_LOG_LEVEL=DEBUG``). Token redaction of the
``run`` path (bot/redact.py) plugs in through ``redact_text``.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from bot.console import describe_database, plain, sqlite_path
from crm.kernel.errors import CrmError
from handlers.texts import t

# Settings whose value is never printed, not even when it is invalid.
SECRET_FIELDS = ("bot_token", "webhook_secret")


class CliFault(Exception):
    """An operator mistake the command explains with the text ``key``."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def raw_setting(name: str, default: str) -> str:
    """``CRM_<NAME>`` from the environment or ./.env, read without validating the settings
    (so a bad setting can still be explained in the configured language)."""
    key = f"CRM_{name.upper()}"
    if key in os.environ:
        return os.environ[key]
    try:
        lines = Path(".env").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return default
    for line in lines:
        left, sep, right = line.partition("=")
        if sep and left.strip().removeprefix("export ").strip() == key:
            return right.strip().strip("'\"")
    return default


def raw_language() -> str:
    lang = raw_setting("language", "es").strip().lower()
    return lang if lang in ("es", "en") else "es"


def debugging(flag: bool = False) -> bool:
    return flag or raw_setting("log_level", "INFO").strip().upper() == "DEBUG"


def require_database_file(url: str, create: bool = False) -> None:
    """Refuse to let SQLite create a missing database file (a command run from another folder
    would otherwise start an empty ``crm.db`` there), and check an existing one opens for
    writing here, synchronously (aiosqlite's worker thread reports a failed open noisily)."""
    path = sqlite_path(url)
    if path is None:
        return
    if not path.exists():
        if not create:
            raise CliFault("cli.fault.no_database", path=str(path))
        return
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=rw", uri=True)
        try:
            connection.execute("PRAGMA schema_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error as exc:
        raise CliFault("cli.fault.db_permission", database=str(path)) from exc


def raw_masker() -> Any:
    """A :class:`bot.redact.Redaction` of the secrets in the raw settings (environment and
    ./.env), for lines written before (or without) validated settings."""
    from bot.redact import Redaction

    state = Redaction()
    state.add_configured(lambda name: raw_setting(name, "") or None)
    return state


def setting_lines(exc: ValidationError, lang: str) -> list[str]:
    """One line per bad setting; no secret shows, even pasted into another setting."""
    mask = raw_masker()
    lines = []
    for error in exc.errors():
        field = "_".join(str(p) for p in error["loc"])
        name = f"CRM_{field.upper()}"
        value = "***" if field in SECRET_FIELDS else error.get("input")
        if field == "timezone":
            lines.append(
                t(lang, "cli.setting.timezone", name=name, value=value, suggestion=_zone(value))
            )
        elif field == "database_url":
            lines.append(t(lang, "cli.setting.database_url", name=name, value=_masked(value)))
        else:
            reason = str(error["msg"]).removeprefix("Value error, ")
            lines.append(t(lang, "cli.setting.bad", name=name, value=value, reason=reason))
    return [mask(line) for line in lines]


def _masked(url: object) -> str:
    """The URL with its password as ***."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except Exception:
        return "***"


def _zone(value: object) -> str:
    from zoneinfo import available_timezones

    word = str(value).strip().replace(" ", "_").lower()
    matches = sorted(z for z in available_timezones() if z.lower().endswith("/" + word))
    return matches[0] if matches else "America/Bogota"


def redact_text(text: str, token: str | None) -> str:
    from handlers.errors import redact

    return redact(text, token)


def fault_line(
    exc: BaseException,
    lang: str,
    *,
    database_url: str | None = None,
    bot_api_url: str | None = None,
    token: str | None = None,
) -> str:
    """The one line explaining ``exc`` to the operator (no ``crm-bot:`` prefix)."""
    key, params = _classify(exc, database_url, bot_api_url)
    return redact_text(plain(t(lang, key, **params)), token)


def _classify(
    exc: BaseException, database_url: str | None, bot_api_url: str | None
) -> tuple[str, dict[str, Any]]:
    if isinstance(exc, CliFault | CrmError):
        return exc.key, dict(exc.params)
    database = describe_database(database_url) if database_url else "?"
    if _is_network_error(exc):
        return "cli.fault.bot_api_unreachable", {"host": _host(bot_api_url)}
    if _is_invalid_token(exc):
        answers = " ".join(str(e) for e in _chain(exc)).lower()
        if "not found" in answers or "404" in answers:
            return "cli.fault.api_not_found", {"host": _host(bot_api_url)}
        return "cli.fault.token_rejected", {}
    db_fault = _database_fault(exc, database_url, database)
    if db_fault is not None:
        return db_fault
    if isinstance(exc, zipfile.BadZipFile):
        return "cli.fault.bad_xlsx", {"file": getattr(exc, "filename", None) or "?"}
    if isinstance(exc, PermissionError):
        return "cli.fault.permission", {"file": exc.filename or "?"}
    if isinstance(exc, FileNotFoundError):
        return "cli.fault.file_missing", {"file": exc.filename or "?"}
    message = " ".join(str(exc).split())[:200] or "-"
    return "cli.fault.unexpected", {"kind": type(exc).__name__, "message": message}


def _host(url: str | None) -> str:
    """host:port of a URL, without any user or password in it."""
    parts = urlsplit(url or "https://api.telegram.org")
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.hostname or '?'}{port}"


def _is_network_error(exc: BaseException) -> bool:
    try:
        import httpx
        from telegram.error import NetworkError, TimedOut
    except ImportError:  # pragma: no cover
        return False
    from telegram.error import BadRequest

    if isinstance(exc, BadRequest):
        return False
    return isinstance(exc, NetworkError | TimedOut | httpx.TransportError)


def _is_invalid_token(exc: BaseException) -> bool:
    from telegram.error import InvalidToken

    return isinstance(exc, InvalidToken)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    orig = getattr(exc, "orig", None)
    if isinstance(orig, BaseException):
        seen.append(orig)
    return seen


def _database_fault(
    exc: BaseException, database_url: str | None, database: str
) -> tuple[str, dict[str, Any]] | None:
    from sqlalchemy.exc import DBAPIError

    chain = _chain(exc)
    sqlite_file = database_url is not None and sqlite_path(database_url) is not None
    if sqlite_file:
        for item in chain:
            text = str(item).lower()
            if isinstance(item, sqlite3.OperationalError | DBAPIError) and (
                "unable to open database" in text or "readonly database" in text
            ):
                return "cli.fault.db_permission", {"database": database}
        return None
    if database_url is None or not database_url.startswith("postgresql"):
        return None
    for item in chain:
        name = type(item).__name__
        if name == "InvalidCatalogNameError" or (
            "does not exist" in str(item) and ("database" in str(item))
        ):
            dbname = database.rpartition("/")[2]
            return "cli.fault.db_missing", {"database": database, "name": dbname}
        if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
            return "cli.fault.db_login", {"database": database}
    for item in chain:
        if isinstance(item, ConnectionRefusedError | TimeoutError) or (
            isinstance(item, OSError)
            and item.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH)
        ):
            reason = item.strerror or type(item).__name__
            return "cli.fault.db_unreachable", {"database": database, "reason": reason}
        if isinstance(item, OSError) and "Name or service not known" in str(item):
            return "cli.fault.db_unreachable", {"database": database, "reason": str(item)}
    return None
