"""/usuarios: paged list of users; admins change role, team and status with ``us:`` buttons."""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.kernel.actor import ROLE_RANK
from crm.kernel.views import Role
from crm.people import admin as user_admin
from crm.people.users import UserView
from handlers import confirm, keyboards
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.confirm import repeated_note
from handlers.context import CrmContext

PREFIX = "us"


# --- the buttons' data ------------------------------------------------------------------------


@dataclass(frozen=True)
class UsersPage(CallbackData, prefix=PREFIX, action="page"):
    """A page of /usuarios (0-based)."""

    page: int


@dataclass(frozen=True)
class OpenUser(CallbackData, prefix=PREFIX, action="open"):
    """The user's card."""

    user_id: int


@dataclass(frozen=True)
class SetRole(CallbackData, prefix=PREFIX, action="role"):
    """Give the user ``role``; asks first when a supervisor would leave agents without team."""

    user_id: int
    role: str


@dataclass(frozen=True)
class SetRoleOk(CallbackData, prefix=PREFIX, action="roleok"):
    """The ✅ of that confirmation: the change, once for the confirmation's ``token``."""

    user_id: int
    role: str
    token: str


@dataclass(frozen=True)
class PickTeam(CallbackData, prefix=PREFIX, action="team"):
    """An agent's Cambiar equipo: the supervisors to choose from."""

    user_id: int


@dataclass(frozen=True)
class SetSupervisor(CallbackData, prefix=PREFIX, action="sup"):
    """Put the agent in ``supervisor_id``'s team (0: no team)."""

    user_id: int
    supervisor_id: int


@dataclass(frozen=True)
class Deactivate(CallbackData, prefix=PREFIX, action="off"):
    """Asks to confirm taking the user's access away (says how many follow-ups are open)."""

    user_id: int


@dataclass(frozen=True)
class DeactivateOk(CallbackData, prefix=PREFIX, action="offok"):
    """The ✅ of that confirmation: deactivate, once for the confirmation's ``token``."""

    user_id: int
    token: str


@dataclass(frozen=True)
class Reactivate(CallbackData, prefix=PREFIX, action="on"):
    user_id: int


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
    return keyboards.pager(page, pages, lambda p: UsersPage(p))


async def _render_page(context: CrmContext, page: int) -> tuple[str, InlineKeyboardMarkup]:
    result = await user_admin.users_page(context.crm, context.me, page)
    lines = [
        context.t("users.title", total=result.total, page=result.page + 1, pages=result.pages)
    ]
    lines += [_line(context, u) for u in result.users]
    if not result.can_edit:
        lines.append(context.t("users.read_only"))
    rows = [[keyboards.button(f"{u.code} · {u.name}"[:60], OpenUser(u.id))] for u in result.users]
    nav = _nav(result.page, result.pages)
    if nav:
        rows.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _render_user(
    context: CrmContext, user: UserView, repeated: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The user's card; ``repeated``: a confirmation pressed again shows its first result."""
    text = repeated_note(context, repeated) + context.t(
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
                keyboards.button(
                    context.t("users.make", role=context.t(f"role.{role}")),
                    SetRole(user.id, role),
                )
                for role in sorted(ROLE_RANK, key=ROLE_RANK.__getitem__)
                if role != user.role
            ]
        )
        if user.role == Role.AGENT:
            rows.append([keyboards.button(context.t("users.change_team"), PickTeam(user.id))])
        if user.active:
            toggle = keyboards.button(context.t("users.deactivate"), Deactivate(user.id))
        else:
            toggle = keyboards.button(context.t("users.reactivate"), Reactivate(user.id))
        rows.append([toggle])
    rows.append([keyboards.back(context.t("users.back"), UsersPage(0))])
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
    data = parse(query.data, PREFIX)
    text, markup = await _answer(context, data)
    await query.answer()
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _answer(context: CrmContext, data: CallbackData) -> tuple[str, InlineKeyboardMarkup]:
    """The message a press shows: a page, the team to pick, a confirmation or the card."""
    me, crm = context.me, context.crm
    match data:
        case UsersPage():
            return await _render_page(context, data.page)
        case PickTeam():
            user = await user_admin.get_user(crm, me, data.user_id)
            sups = await user_admin.supervisors(crm, me)
            rows = [
                [keyboards.button(f"{s.code} · {s.name}"[:60], SetSupervisor(user.id, s.id))]
                for s in sups
            ]
            rows.append([keyboards.button(context.t("users.no_team"), SetSupervisor(user.id, 0))])
            rows.append([keyboards.back(context.t("users.back"), OpenUser(user.id))])
            text = context.t("users.pick_team", code=html.escape(user.code))
            return text, InlineKeyboardMarkup(rows)
        case SetRole():
            preview = await user_admin.preview_role(crm, me, data.user_id, data.role)
            if not preview.orphans:
                user = await user_admin.set_role(crm, me, data.user_id, data.role)
                return await _render_user(context, user)
            # A supervisor who stops being one leaves agents without a team: say so, then confirm.
            user, role = preview.user, preview.role
            text = context.t(
                "users.confirm_role_orphans",
                code=html.escape(user.code),
                role=context.t(f"role.{role}"),
                agents=html.escape(", ".join(preview.orphans)),
            )
            user_id = user.id
            markup = await confirm.markup(
                context,
                lambda token: SetRoleOk(user_id, role, token),
                cancel=OpenUser(user_id),
            )
            return text, markup
        case Deactivate():
            off = await user_admin.preview_deactivate(crm, me, data.user_id)
            text = context.t(
                "users.confirm_deactivate",
                code=html.escape(off.user.code),
                name=html.escape(off.user.name),
                followups=off.open_followups,
            )
            user_id = off.user.id
            markup = await confirm.markup(
                context,
                lambda token: DeactivateOk(user_id, token),
                cancel=OpenUser(user_id),
            )
            return text, markup
        case OpenUser():
            return await _render_user(context, await user_admin.get_user(crm, me, data.user_id))
        case SetRoleOk():
            done = await user_admin.set_role_once(crm, me, data.user_id, data.role, data.token)
            return await _render_user(context, done.user, done.repeated)
        case SetSupervisor():
            user = await user_admin.set_supervisor(
                crm, me, data.user_id, data.supervisor_id or None
            )
            return await _render_user(context, user)
        case DeactivateOk():
            done = await user_admin.set_active_once(crm, me, data.user_id, False, data.token)
            return await _render_user(context, done.user, done.repeated)
        case Reactivate():
            return await _render_user(
                context, await user_admin.set_active(crm, me, data.user_id, True)
            )
    raise BadCallback("unknown action")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("usuarios", usuarios))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(PREFIX)))
