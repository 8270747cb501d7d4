"""One error handler: domain errors become the user's language, the rest is logged."""

from __future__ import annotations

import contextlib
import html
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from crm.errors import CrmError
from handlers.callbacks import BadCallback
from handlers.context import CrmContext

log = logging.getLogger("crm_bot.errors")


def explain(context: CrmContext, error: CrmError) -> str:
    """The error's text in the user's language; string details (often typed by the user)
    are escaped because every message goes out as HTML."""
    params = {k: html.escape(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return context.t(error.key, **params)


async def on_error(update: object, context: CrmContext) -> None:
    """Explain a CrmError to the user; log anything else without internals or secrets."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %r", error, exc_info=error)
        return
    if isinstance(error, CrmError):
        text = explain(context, error)
    elif isinstance(error, BadCallback):
        text = context.t("error.bad_button")
    elif isinstance(error, BadRequest) and "message is not modified" in str(error).lower():
        if update.callback_query:
            await _safe_answer(update, None)
        return
    else:
        log.error("unhandled error for update %s: %r", update.update_id, error, exc_info=error)
        text = context.t("error.internal")
    if update.callback_query is not None:
        await _safe_answer(update, text)
    elif update.effective_chat is not None:
        await context.bot.send_message(
            update.effective_chat.id,
            html.escape(text) if not isinstance(error, CrmError) else text,
            parse_mode=ParseMode.HTML,
        )


async def _safe_answer(update: Update, text: str | None) -> None:
    query = update.callback_query
    assert query is not None
    # Already answered or too old: there is nothing more to tell.
    with contextlib.suppress(BadRequest):
        await query.answer(text, show_alert=bool(text))
