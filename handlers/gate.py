"""The access gate: only active registered users (and CRM_ADMIN_IDS) get anything."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ApplicationHandlerStop, TypeHandler

from crm.notifications import user_is_back
from crm.users import resolve_actor
from handlers.context import CrmContext
from handlers.texts import pick_language


async def gate(update: Update, context: CrmContext) -> None:
    """Resolve the actor for this update, or refuse politely and stop all handling."""
    user = update.effective_user
    context.lang = pick_language(user.language_code if user else None, context.settings.language)
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    context.actor = await resolve_actor(context.crm, user.id, user.full_name)
    if context.actor is not None:
        # Someone who had blocked the bot is back: pings resume from the next round.
        await user_is_back(context.crm, context.actor)
        if context.actor.language and not user.language_code:
            context.lang = context.actor.language
        return
    if _is_invitation(update):
        return  # /start CODE: the start handler checks the invitation
    await refuse(update, context)
    raise ApplicationHandlerStop


def _is_invitation(update: Update) -> bool:
    message = update.message
    return bool(
        message
        and message.text
        and message.text.startswith("/start ")
        and message.chat.type == "private"
    )


async def refuse(update: Update, context: CrmContext) -> None:
    """One polite message with the user's id; nothing else."""
    user = update.effective_user
    assert user is not None
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("gate.refused_short"), show_alert=True)
    elif update.effective_message is not None and update.effective_chat is not None:
        await context.bot.send_message(
            update.effective_chat.id,
            context.t("gate.refused", telegram_id=user.id),
            parse_mode=ParseMode.HTML,
        )


def gate_handler() -> TypeHandler[Update, CrmContext, None]:
    return TypeHandler(Update, gate)
