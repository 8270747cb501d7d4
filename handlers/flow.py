"""The agent's conversation: the follow-up card's typed steps and /nuevo share ONE
ConversationHandler, so whatever the user started last owns their next message (two
conversations waiting for text at once would fight over it)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CommandHandler,
    ConversationHandler,
    TypeHandler,
)

from handlers import followups, new_followup
from handlers.context import CrmContext

NAME = "agent_flow"
TIMEOUT_SECONDS = 15 * 60


async def cancel(update: Update, context: CrmContext) -> object:
    """/cancelar at any step: forget the pending answers, change nothing."""
    context.user_data.pop(followups.PENDING, None)  # type: ignore[union-attr]
    context.user_data.pop(new_followup.DATA, None)  # type: ignore[union-attr]
    if update.effective_message is not None:
        await update.effective_message.reply_text(context.t("cancel.done"))
    return ConversationHandler.END


async def timed_out(update: object, context: CrmContext) -> None:
    """Idle too long: say so politely; the pending answers are dropped."""
    context.user_data.pop(followups.PENDING, None)  # type: ignore[union-attr]
    context.user_data.pop(new_followup.DATA, None)  # type: ignore[union-attr]
    if isinstance(update, Update) and update.effective_chat is not None:
        await context.bot.send_message(update.effective_chat.id, context.t("conversation.timeout"))


def build() -> ConversationHandler[Any]:
    states: dict[object, list[Any]] = {**followups.states(), **new_followup.states()}
    states[ConversationHandler.TIMEOUT] = [TypeHandler(Update, timed_out)]
    return ConversationHandler(
        entry_points=[*new_followup.entry_points(), *followups.entry_points()],
        states=states,  # type: ignore[arg-type]
        fallbacks=[CommandHandler("cancelar", cancel), *new_followup.fallbacks()],
        name=NAME,
        persistent=True,
        allow_reentry=True,
        conversation_timeout=TIMEOUT_SECONDS,
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(build())
