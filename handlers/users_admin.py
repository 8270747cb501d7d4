"""/usuarios: paged list of users; admins change role, team and status with ``us:`` buttons."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm import user_admin
from crm.users import ROLE_RANK, UserView
from handlers import keyboards
from handlers.callbacks import BadCallback, pack, pattern, unpack
from handlers.confirm import confirm_markup, repeated_note
from handlers.context import CrmContext

PREFIX = "us"


def _status(context: CrmContext, user: UserView) -> str:
    return context.t("users.active") if user.active else context.t("users.inactive")


def _line(context: CrmContext, user: UserView) -> str:
    team = (
        f" · {context.t('users.team')} {html.escape(user.supervisor_code)}"
        if (user.supervisor_code)
        else ""
    )
    mark = "" if user.active else "🚫 "
    return (
        f"{mark}<b>{html.escape(user.code)}</b> — {html.escape(user.name)} · "
        f"{context.t(f'role.{user.role}')}{team} · {_status(context, user)}"
    )


def _nav(page: int, pages: int) -> list[InlineKeyboardButton]:
    return keyboards.pager(page, pages, lambda p: pack(PREFIX, "page", p))


async def _render_page(context: CrmContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    result = await user_admin.users_page(context.crm, context.me, page)
    lines = [
        context.t("users.title", total=result.total, page=result.page + 1, pages=result.pages)
    ]
    lines += [_line(context, u) for u in result.users]
    if not result.can_edit:
        lines.append(context.t("users.read_only"))
    rows = [
        [
            InlineKeyboardButton(
                f"{u.code} · {u.name}"[:60], callback_data=pack(PREFIX, "open", u.id)
            )
        ]
        for u in result.users
    ]
    nav = _nav(result.page, result.pages)
    if nav:
        rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _render_user(context: CrmContext, user: UserView) -> tuple[str, InlineKeyboardMarkup]:
    text = context.t(
        "users.card",
        name=html.escape(user.name),
        code=html.escape(user.code),
        role=context.t(f"role.{user.role}"),
        team=html.escape(user.supervisor_code or "—"),
        status=_status(context, user),
        telegram_id=user.telegram_id or "—",
    )
    rows: list[list[InlineKeyboardButton]] = []
    if context.me.is_admin and user.id != context.me.id:
        rows.append(
            [
                InlineKeyboardButton(
                    context.t("users.make", role=context.t(f"role.{role}")),
                    callback_data=pack(PREFIX, "role", user.id, role),
                )
                for role in sorted(ROLE_RANK, key=ROLE_RANK.__getitem__)
                if role != user.role
            ]
        )
        if user.role == "agent":
            rows.append(
                [
                    InlineKeyboardButton(
                        context.t("users.change_team"), callback_data=pack(PREFIX, "team", user.id)
                    )
                ]
            )
        action, label = ("off", "users.deactivate") if user.active else ("on", "users.reactivate")
        rows.append(
            [InlineKeyboardButton(context.t(label), callback_data=pack(PREFIX, action, user.id))]
        )
    rows.append(
        [InlineKeyboardButton(context.t("users.back"), callback_data=pack(PREFIX, "page", 0))]
    )
    return text, InlineKeyboardMarkup(rows)


async def usuarios(update: Update, context: CrmContext) -> None:
    """List users with role, team and status (supervisors: their team, read-only)."""
    assert update.effective_message is not None
    text, markup = await _render_page(context, 0)
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def on_button(update: Update, context: CrmContext) -> None:
    """Every ``us:`` press: each action is re-checked by its use case on the server."""
    query = update.callback_query
    assert query is not None
    cb = unpack(query.data, PREFIX)
    me, crm = context.me, context.crm
    if cb.action == "page":
        text, markup = await _render_page(context, cb.int_arg(0))
    elif cb.action == "team":
        user = await user_admin.get_user(crm, me, cb.int_arg(0))
        sups = await user_admin.supervisors(crm, me)
        rows = [
            [
                InlineKeyboardButton(
                    f"{s.code} · {s.name}"[:60], callback_data=pack(PREFIX, "sup", user.id, s.id)
                )
            ]
            for s in sups
        ]
        rows.append(
            [
                InlineKeyboardButton(
                    context.t("users.no_team"), callback_data=pack(PREFIX, "sup", user.id, 0)
                )
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    context.t("users.back"), callback_data=pack(PREFIX, "open", user.id)
                )
            ]
        )
        text = context.t("users.pick_team", code=html.escape(user.code))
        markup = InlineKeyboardMarkup(rows)
    elif cb.action == "role" and (
        preview := await user_admin.preview_role(crm, me, cb.int_arg(0), cb.arg(1))
    ).orphans:
        # A supervisor who stops being one leaves agents without a team: say so, then confirm.
        user = preview.user
        text = context.t(
            "users.confirm_role_orphans",
            code=html.escape(user.code),
            role=context.t(f"role.{preview.role}"),
            agents=html.escape(", ".join(preview.orphans)),
        )
        markup = confirm_markup(
            context, PREFIX, "roleok", user.id, preview.role, cancel=pack(PREFIX, "open", user.id)
        )
    elif cb.action == "off":
        off = await user_admin.preview_deactivate(crm, me, cb.int_arg(0))
        text = context.t(
            "users.confirm_deactivate",
            code=html.escape(off.user.code),
            name=html.escape(off.user.name),
            followups=off.open_followups,
        )
        markup = confirm_markup(
            context, PREFIX, "offok", off.user.id, cancel=pack(PREFIX, "open", off.user.id)
        )
    else:
        user_id = cb.int_arg(0)
        note = ""
        if cb.action == "open":
            user = await user_admin.get_user(crm, me, user_id)
        elif cb.action == "role":
            user = await user_admin.set_role(crm, me, user_id, cb.arg(1))
        elif cb.action == "roleok":
            done = await user_admin.set_role_once(crm, me, user_id, cb.arg(1), cb.arg(2))
            user, note = done.user, repeated_note(context, done.repeated)
        elif cb.action == "sup":
            supervisor_id = cb.int_arg(1)
            user = await user_admin.set_supervisor(crm, me, user_id, supervisor_id or None)
        elif cb.action == "offok":
            done = await user_admin.set_active_once(crm, me, user_id, False, cb.arg(1))
            user, note = done.user, repeated_note(context, done.repeated)
        elif cb.action == "on":
            user = await user_admin.set_active(crm, me, user_id, True)
        else:
            raise BadCallback("unknown action")
        text, markup = await _render_user(context, user)
        text = note + text
    await query.answer()
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("usuarios", usuarios))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(PREFIX)))
