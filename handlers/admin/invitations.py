"""/invitar ROL [CODE], /invitaciones (open invitations, revocable) and the /start CODE link
that redeems an invitation."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.kernel import formatting
from crm.kernel.actor import Actor, resolve_actor
from crm.people.invitations import (
    AccountInactive,
    accept_invitation,
    create_invitation,
    list_open_invitations,
    revoke_invitation,
)
from handlers import keyboards
from handlers.callbacks import CallbackData
from handlers.context import CrmContext
from handlers.gate import refuse

PREFIX = "iv"
SHOWN = 15  # invitations listed (one revoke button each) per message


# --- the buttons' data ------------------------------------------------------------------------


@dataclass(frozen=True)
class Revoke(CallbackData, prefix=PREFIX, action="rv"):
    """Revoke the open invitation, then list the open ones again."""

    invitation_id: int


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


async def _render_open(context: CrmContext, notice: str | None = None) -> tuple[str, Any]:
    open_ones = await list_open_invitations(context.crm, context.me)
    lines = [notice] if notice else []
    if not open_ones:
        lines.append(context.t("invites.none"))
        return "\n".join(lines), None
    lines.append(context.t("invites.title", total=len(open_ones)))
    rows = []
    for invitation in open_ones[:SHOWN]:
        code = invitation.user_code or context.t("invite.code_from_name")
        lines.append(
            context.t(
                "invites.line",
                role=context.t(f"role.{invitation.role}"),
                code=html.escape(code),
                team=html.escape(invitation.supervisor_code or "—"),
                by=html.escape(invitation.created_by),
                expires=formatting.local_datetime(invitation.expires_at, context.crm.tz),
            )
        )
        label = context.t("invites.revoke", code=invitation.user_code or f"#{invitation.id}")
        rows.append([keyboards.button(label[:60], Revoke(invitation.id))])
    if len(open_ones) > SHOWN:
        lines.append(context.t("invites.more", count=len(open_ones) - SHOWN))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def invitaciones(update: Update, context: CrmContext) -> None:
    """List open invitations with a revoke button each (admins only; checked by the use case)."""
    assert update.effective_message is not None
    text, markup = await _render_open(context)
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def revoke_pressed(update: Update, context: CrmContext) -> None:
    """Revoke that invitation (re-checked by the use case), then list again."""
    query = update.callback_query
    assert query is not None
    await revoke_invitation(context.crm, context.me, Revoke.unpack(query.data).invitation_id)
    text, markup = await _render_open(context, context.t("invites.revoked"))
    await query.answer(context.t("invites.revoked"))
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("invitar", invitar))
    app.add_handler(CommandHandler("invitaciones", invitaciones))
    app.add_handler(CallbackQueryHandler(revoke_pressed, pattern=Revoke.pattern()))
