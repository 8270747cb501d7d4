"""/invitar ROL [CODE] and the /start CODE link that redeems an invitation."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler

from crm import formatting
from crm.invitations import AccountInactive, accept_invitation, create_invitation
from crm.users import Actor, resolve_actor
from handlers.context import CrmContext
from handlers.gate import refuse


async def invitar(update: Update, context: CrmContext) -> None:
    """Create a one-time registration link (admins any role, supervisors agents)."""
    message = update.effective_message
    assert message is not None
    args = context.args or []
    if not args or len(args) > 2:
        await message.reply_text(context.t("invite.usage"), parse_mode=ParseMode.HTML)
        return
    invitation = await create_invitation(
        context.crm, context.me, args[0], args[1] if len(args) > 1 else None
    )
    link = f"https://t.me/{context.bot.username}?start={invitation.code}"
    await message.reply_text(
        context.t(
            "invite.created",
            role=context.t(f"role.{invitation.role}"),
            code=html.escape(invitation.user_code or context.t("invite.code_from_name")),
            team=html.escape(invitation.supervisor_code or "—"),
            expires=formatting.local_datetime(invitation.expires_at, context.crm.tz),
            link=html.escape(link),
        ),
        parse_mode=ParseMode.HTML,
        disable_web_page_preview=True,
    )


async def redeem(update: Update, context: CrmContext, code: str) -> Actor | None:
    """Register the stranger behind ``/start CODE``; None (after telling them why) on failure."""
    user = update.effective_user
    assert user is not None
    try:
        await accept_invitation(context.crm, user.id, user.full_name, code, context.lang)
    except AccountInactive:
        await refuse(update, context)
        return None
    return await resolve_actor(context.crm, user.id, user.full_name)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("invitar", invitar))
