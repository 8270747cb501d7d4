"""/start, /ayuda, /cancelar outside conversations, and the catch-alls."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from crm.kernel.views import Role
from handlers.admin import invitations
from handlers.callbacks import BadCallback
from handlers.context import CrmContext


def help_text(context: CrmContext) -> str:
    role = context.me.role
    text = context.t("help.title") + "\n" + context.t("help.agent")
    if role in ("supervisor", "admin"):
        text += context.t("help.supervisor")
    if role == Role.ADMIN:
        text += context.t("help.admin")
    return text


async def start(update: Update, context: CrmContext) -> None:
    """Greet a registered user by name and role; ``/start CODE`` redeems an invitation."""
    assert update.effective_message is not None
    if context.args:
        if context.actor is not None:
            await update.effective_message.reply_text(context.t("invite.already_registered"))
        else:
            context.actor = await invitations.redeem(update, context, context.args[0])
            if context.actor is None:
                return
            await update.effective_message.reply_text(context.t("invite.welcome"))
    me = context.me
    await update.effective_message.reply_text(
        context.t(
            "start.greeting",
            name=me.name,
            role=context.t(f"role.{me.role}"),
            help=help_text(context),
        ),
        parse_mode=ParseMode.HTML,
    )


async def ayuda(update: Update, context: CrmContext) -> None:
    """List what this user's role can do."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(help_text(context), parse_mode=ParseMode.HTML)


async def unknown_command(update: Update, context: CrmContext) -> None:
    """Any command nobody handled."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(context.t("error.unknown_command"))


async def stray_button(update: Update, context: CrmContext) -> None:
    """A press nobody handled: malformed, forged or from an old keyboard."""
    raise BadCallback("unhandled callback")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler(["ayuda", "help"], ayuda))


def register_fallbacks(app: Application) -> None:  # type: ignore[type-arg]
    """Registered last in group 0: within a group the first matching handler wins."""
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(CallbackQueryHandler(stray_button))
