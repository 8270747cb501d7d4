"""One error handler: domain errors become the user's language, the rest is logged."""

from __future__ import annotations

import contextlib
import html
import logging
import re
import traceback

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from crm.kernel.errors import CrmError
from handlers.callbacks import BadCallback
from handlers.context import CrmContext

log = logging.getLogger("crm_bot.errors")
_TAG = re.compile(r"</?(b|i|u|s|code|pre|a)( [^>]*)?>")
TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")


def redact(text: str, token: str | None = None) -> str:
    """``text`` with the bot token (and anything shaped like one) replaced by ``<token>``."""
    if token:
        text = text.replace(token, "<token>")
    return TOKEN_SHAPE.sub("<token>", text)


def explain(context: CrmContext, error: CrmError) -> str:
    """The error's text in the user's language; string details (often typed by the user)
    are escaped because every message goes out as HTML."""
    params = {k: html.escape(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return context.t(error.key, **params)


async def on_error(update: object, context: CrmContext) -> None:
    """Explain a CrmError to the user; log anything else without internals or secrets."""
    error = context.error
    if not isinstance(update, Update):
        log.error("error outside an update: %s", _redacted(context, _describe(error)))
        return
    if isinstance(error, CrmError):
        if update.callback_query is None:
            text = explain(context, error)
        else:
            # Button alerts are plain text: nothing to escape (tags are stripped below).
            text = context.t(error.key, **error.params)
    elif isinstance(error, BadCallback):
        text = context.t("error.bad_button")
    elif isinstance(error, BadRequest) and "message is not modified" in str(error).lower():
        if update.callback_query:
            await _safe_answer(update, None)
        return
    else:
        _log_unhandled(update, context, error)
        text = context.t("error.internal")
    if update.callback_query is not None:
        await _safe_answer(update, plain(text))
    elif update.effective_chat is not None:
        await context.bot.send_message(
            update.effective_chat.id,
            html.escape(text) if not isinstance(error, CrmError) else text,
            parse_mode=ParseMode.HTML,
        )


def plain(text: str) -> str:
    """Catalog text without HTML tags, for button alerts (plain text, at most 200 chars)."""
    text = html.unescape(_TAG.sub("", text))
    return text if len(text) <= 200 else text[:199] + "…"


def _describe(error: BaseException | None) -> str:
    if error is None:
        return "no error"
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    return f"{error!r}\n{trace}"


def _redacted(context: CrmContext, text: str) -> str:
    return redact(text, context.bot.token)


def update_summary(update: Update) -> str:
    """What the operator needs to find the update, without message text or secrets."""
    user = update.effective_user
    chat = update.effective_chat
    if update.callback_query is not None:
        kind = f"callback {str(update.callback_query.data)[:64]!r}"
    elif update.effective_message is not None and update.effective_message.text:
        # The command name only: free text may hold personal data.
        kind = f"message {update.effective_message.text.split()[0][:32]!r}"
    else:
        kind = "update"
    return (
        f"update {update.update_id} {kind} from user {user.id if user else '-'} "
        f"in chat {chat.id if chat else '-'}"
    )


def _log_unhandled(update: Update, context: CrmContext, error: BaseException | None) -> None:
    # Formatted and redacted here, so even a handler without the redaction filter (tests,
    # a misconfigured deployment) never prints the token.
    log.error(
        "unhandled error in %s: %s",
        _redacted(context, update_summary(update)),
        _redacted(context, _describe(error)),
    )


async def _safe_answer(update: Update, text: str | None) -> None:
    query = update.callback_query
    assert query is not None
    # Already answered or too old: there is nothing more to tell.
    with contextlib.suppress(BadRequest):
        await query.answer(text, show_alert=bool(text))
