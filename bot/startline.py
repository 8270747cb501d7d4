"""The one line ``crm-bot run`` logs when it starts: what is running, and on what."""

from __future__ import annotations

import logging
from typing import Any

from bot.settings import Settings

log = logging.getLogger("crm_bot")


def start_line(settings: Settings, username: str | None, mode: str) -> str:
    from bot.console import describe_database, version

    return (
        f"crm-bot {version()} started as @{username or '?'}: database "
        f"{describe_database(settings.database_url)}, mode {mode}, time zone {settings.timezone}"
    )


def log_start(app: Any) -> None:
    """Log the start line once the bot knows its @username (after ``getMe``)."""
    settings: Settings = app.bot_data["settings"]
    mode = app.bot_data.get("mode") or ("webhook" if app.multi_instance else "polling")
    log.info(start_line(settings, app.bot.username, mode))


class DropFatalTraceback(logging.Filter):
    """PTB logs the traceback of the error that stops it at start ("... Aborting."); the
    command line then explains that error in one line, so the traceback is noise unless
    debugging."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Aborting" not in str(record.msg)


def quiet_routine_loggers(level: int) -> None:
    """The job queue logs every run of every job at INFO; keep that (and PTB's tracebacks of
    a fatal start error) for DEBUG."""
    debug = level <= logging.DEBUG
    routine = logging.DEBUG if debug else logging.WARNING
    for name in ("apscheduler", "alembic"):
        logging.getLogger(name).setLevel(routine)
    ptb = logging.getLogger("telegram.ext")
    for old in [f for f in ptb.filters if isinstance(f, DropFatalTraceback)]:
        ptb.removeFilter(old)
    if not debug:
        ptb.addFilter(DropFatalTraceback())
