"""The access gate: only active registered users (and CRM_ADMIN_IDS) get anything."""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationHandlerStop, TypeHandler

from crm.followups.pings import user_is_back
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.errors import Busy
from crm.people.strangers import claim_refusal
from crm.people.users import remember_language
from handlers.context import KNOWN_LANGUAGES, CrmContext
from handlers.flood import FloodGuard, RefusalLimiter
from handlers.texts import pick_language

# Names this process in the shared refusal claims.
_PROCESS = secrets.token_hex(6)


async def gate(update: Update, context: CrmContext) -> None:
    """Resolve the actor for this update, or refuse politely and stop all handling."""
    user = update.effective_user
    if user is None or user.is_bot:
        raise ApplicationHandlerStop
    await _slow_down_floods(update, context, user.id)
    actor = await resolve_actor(context.crm, user.id, user.full_name)
    if actor is not None:
        # Someone who had blocked the bot is back: pings resume from the next round.
        await user_is_back(context.crm, actor)
        context.actor = await _speak_their_language(context, actor, user.language_code)
        return
    if _is_invitation(update):
        return  # /start CODE: the start handler checks the invitation
    await refuse(update, context)
    raise ApplicationHandlerStop


async def _speak_their_language(
    context: CrmContext, actor: Actor, telegram_code: str | None
) -> Actor:
    """Use the user's Telegram language, and store it when it changed, so pings, digests,
    escalations and reports sent later speak it too; without a code, the stored one."""
    if telegram_code:
        context.lang = pick_language(telegram_code, context.settings.language)
        if context.lang != actor.language:
            # Best effort: during an import (Busy) it is stored at a later update instead.
            with contextlib.suppress(Busy):
                await remember_language(context.crm, actor, context.lang)
                actor = replace(actor, language=context.lang)
    elif actor.language:
        context.lang = pick_language(actor.language, context.settings.language)
    if actor.id is not None:
        context.application.bot_data.setdefault(KNOWN_LANGUAGES, {})[actor.telegram_id] = (
            context.lang
        )
    return actor


def flood_guard(context: CrmContext) -> FloodGuard:
    """The process-wide guard (kept in bot_data, which is not persisted)."""
    return _flood_guard(context.application.bot_data)


def _flood_guard(bot_data: dict[str, Any]) -> FloodGuard:
    guard = bot_data.get("flood_guard")
    if guard is None:
        guard = bot_data["flood_guard"] = FloodGuard()
    return guard  # type: ignore[no-any-return]


def admit_on_arrival(
    application: Application[Any, Any, Any, Any, Any, Any], update: object
) -> bool:
    """Count ``update`` as it arrives (before it waits for the user's earlier updates); False
    to drop it unprocessed. The warning and silent button answers are left to the gate."""
    if not isinstance(update, Update):
        return True
    user = update.effective_user
    if user is None or user.is_bot:
        return True
    verdict = _flood_guard(application.bot_data).arrive(user.id, update.update_id)
    # A dropped button press still reaches the gate, which answers it so it stops spinning.
    return verdict != "drop" or update.callback_query is not None


async def _slow_down_floods(update: Update, context: CrmContext, user_id: int) -> None:
    verdict = flood_guard(context).verdict(user_id, update.update_id)
    if verdict == "ok":
        return
    if verdict == "warn":
        if update.callback_query is not None:
            await update.callback_query.answer(context.t("gate.flood"), show_alert=True)
        elif update.effective_chat is not None and await _registered(context, user_id):
            # (A stranger's flood is dropped silently: their refusal is rationed already.)
            await context.bot.send_message(update.effective_chat.id, context.t("gate.flood"))
    elif update.callback_query is not None:
        # Still answered, so the button stops spinning, but silently.
        with contextlib.suppress(TelegramError):
            await update.callback_query.answer()
    raise ApplicationHandlerStop


async def _registered(context: CrmContext, telegram_id: int) -> bool:
    return await resolve_actor(context.crm, telegram_id) is not None


def _is_invitation(update: Update) -> bool:
    message = update.message
    return bool(
        message
        and message.text
        and message.text.startswith("/start ")
        and message.chat.type == "private"
    )


def refusals(context: CrmContext) -> RefusalLimiter:
    """The process-wide record of strangers refused lately (bot_data, not persisted)."""
    limiter = context.application.bot_data.get("stranger_refusals")
    if limiter is None:
        limiter = context.application.bot_data["stranger_refusals"] = RefusalLimiter()
    return limiter  # type: ignore[no-any-return]


async def _may_refuse(update: Update, context: CrmContext, telegram_id: int) -> bool:
    limiter = refusals(context)
    if not limiter.allow(telegram_id, context.crm.now()):
        return False  # this process refused them lately: no database round trip
    if not getattr(context.application, "multi_instance", False):
        return True
    # Several instances behind one webhook: the first to claim the stranger refuses.
    holder = f"{_PROCESS}:{update.update_id}"
    return await claim_refusal(context.crm, telegram_id, holder, limiter.every)


async def refuse(update: Update, context: CrmContext) -> None:
    """One polite message with the user's id (at most once per stranger every ten minutes,
    so strangers never use up the sending budget), or a button alert; nothing else."""
    user = update.effective_user
    assert user is not None
    if update.callback_query is not None:
        # A button alert is no message: it costs nothing of the sending budget.
        await update.callback_query.answer(
            context.t("gate.refused_short", telegram_id=user.id), show_alert=True
        )
    elif (
        update.effective_message is not None
        and update.effective_chat is not None
        and await _may_refuse(update, context, user.id)
    ):
        await context.bot.send_message(
            update.effective_chat.id,
            context.t("gate.refused", telegram_id=user.id),
            parse_mode=ParseMode.HTML,
        )


def gate_handler() -> TypeHandler[Update, CrmContext, None]:
    return TypeHandler(Update, gate)
