"""One poller per database and per token.

* **Per database**: ``crm-bot run`` by long polling holds the poller lock (storage/locks.py):
  the ``<database>.polling`` file lock on SQLite, taken before the bot starts (bot/cli/run.py),
  and a session-level advisory lock on PostgreSQL, taken here in ``post_init`` on a connection
  kept open until shutdown. A second poller is refused at start with one line.
* **Per token**: another process polling with the same token elsewhere makes Telegram answer
  ``getUpdates`` with 409 Conflict. PTB would retry (and log a traceback) forever; the first
  409 stops the application cleanly instead, and ``crm-bot run`` explains it in one line.

Either refusal is left in ``bot_data[REFUSED]`` as the key of the text ``crm-bot run`` prints.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram.error import Conflict
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext

from crm.kernel.context import Crm
from storage.locks import release_poller_advisory_lock, take_poller_advisory_lock

REFUSED = "refused"
ADVISORY = "poller_advisory_lock"
BUSY = "cli.run.poller_busy"
CONFLICT = "cli.run.conflict"

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def polling(app: AnyApp) -> bool:
    return app.bot_data.get("mode") == "polling"


async def take_lock(app: AnyApp) -> bool:
    """In ``post_init``: take the PostgreSQL poller lock (SQLite's is taken before start).
    False, with the application asked to stop, when another poller holds it."""
    if not polling(app):
        return True
    crm: Crm = app.bot_data["crm"]
    engine = crm.sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        return True
    connection = await take_poller_advisory_lock(engine)
    if connection is None:
        refuse(app, BUSY)
        return False
    app.bot_data[ADVISORY] = connection
    return True


async def release_lock(app: AnyApp) -> None:
    """In ``post_shutdown``, before the engine is disposed."""
    connection = app.bot_data.pop(ADVISORY, None)
    if connection is not None:
        await release_poller_advisory_lock(connection)


def refuse(app: AnyApp, key: str) -> None:
    """Stop the application (at once, or right after ``post_init``) for the reason ``key``."""
    if app.bot_data.get(REFUSED):
        return
    app.bot_data[REFUSED] = key
    app.stop_running()


async def on_conflict(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    """Error handler (before the general one): a 409 Conflict from ``getUpdates`` stops the
    bot; anything else goes on to the next error handler."""
    app = context.application
    if update is not None or not isinstance(context.error, Conflict) or not polling(app):
        return
    if not app.bot_data.get(REFUSED):
        # Stopping calls getUpdates once more, which may get its own 409: the line crm-bot
        # run prints says it all, so PTB's account of that call is not wanted.
        if not logging.getLogger().isEnabledFor(logging.DEBUG):
            logging.getLogger("telegram.ext.Updater").setLevel(logging.CRITICAL)
        refuse(app, CONFLICT)
    raise ApplicationHandlerStop
