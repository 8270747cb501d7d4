"""/agenda: the active follow-ups in three sections, paged and filtered in place."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.followups import agenda as agenda_uc
from crm.followups import lifecycle as followups_uc
from crm.followups.agenda import Agenda, AgendaFilter, AgendaItem
from crm.kernel.formatting import relative
from handlers import keyboards, links
from handlers.callbacks import BadCallback, CallbackData, pack_day, parse, pattern, unpack_day
from handlers.context import CrmContext
from handlers.keyboards import button

PREFIX = "ag"
MAX_MESSAGE = 4096
NAME_CHARS = 32
NOTE_CHARS = 40
SECTION_ICONS = {"overdue": "🔴", "today": "🟡", "upcoming": "🟢"}


# --- the compact filter codec (ids, never names: callback data is 64 bytes) -----------------


def encode_period(flt: AgendaFilter) -> str:
    if flt.period == "today":
        return "h"
    if flt.period == "overdue":
        return "v"
    if flt.period == "day" and flt.start:
        return "d" + pack_day(flt.start)
    if flt.period == "range" and flt.start and flt.end:
        return "r" + pack_day(flt.start) + "-" + pack_day(flt.end)
    return "a"


def _day(text: str) -> date:
    day = unpack_day(text)
    if day is None:
        raise BadCallback("bad date")
    return day


def decode_period(token: str) -> AgendaFilter:
    if token == "h":
        return AgendaFilter(period="today")
    if token == "v":
        return AgendaFilter(period="overdue")
    if token.startswith("d") and len(token) == 9:
        day = _day(token[1:])
        return AgendaFilter(period="day", start=day, end=day)
    if token.startswith("r") and len(token) == 18:
        return AgendaFilter(period="range", start=_day(token[1:9]), end=_day(token[10:18]))
    if token == "a":
        return AgendaFilter()
    raise BadCallback("bad period")


def encode_filter(flt: AgendaFilter) -> tuple[str, int | None, int | None, int | None]:
    """The period, type, state and agent fields of the buttons' data."""
    return encode_period(flt), flt.type_id, flt.state_id, flt.agent_id


def decode_filter(
    period: str, type_id: int | None, state_id: int | None, agent_id: int | None
) -> AgendaFilter:
    return decode_period(period).with_(type_id=type_id, state_id=state_id, agent_id=agent_id)


# --- the buttons' data -----------------------------------------------------------------------


class _Filtered:
    """The agenda's filter as button fields: the period (``a`` all, ``h`` today, ``v``
    overdue, ``dYYYYMMDD`` one day, ``rYYYYMMDD-YYYYMMDD`` a range) and the type, state and
    agent ids (None, an empty part in the data, for any)."""

    period: str
    type_id: int | None
    state_id: int | None
    agent_id: int | None

    @property
    def filter(self) -> AgendaFilter:
        return decode_filter(self.period, self.type_id, self.state_id, self.agent_id)


@dataclass(frozen=True)
class _Filter(_Filtered):
    period: str
    type_id: int | None = None
    state_id: int | None = None
    agent_id: int | None = None


@dataclass(frozen=True)
class AgendaView(_Filtered, CallbackData, prefix=PREFIX, action="v"):
    """A page of the agenda with a filter: ``ag:v:PAGE:PERIOD:TYPE:STATE:AGENT``."""

    page: int
    period: str
    type_id: int | None = None
    state_id: int | None = None
    agent_id: int | None = None


@dataclass(frozen=True)
class TypeMenu(_Filter, CallbackData, prefix=PREFIX, action="mt"):
    """The follow-up types to filter by, keeping the rest of the filter."""


@dataclass(frozen=True)
class StateMenu(_Filter, CallbackData, prefix=PREFIX, action="ms"):
    """The open states to filter by."""


@dataclass(frozen=True)
class AgentMenu(_Filter, CallbackData, prefix=PREFIX, action="ma"):
    """The agents in scope to filter by (supervisors and admins)."""


def view_data(flt: AgendaFilter, page: int = 0) -> AgendaView:
    return AgendaView(page, *encode_filter(flt))


# --- rendering -------------------------------------------------------------------------------


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _when(item: AgendaItem, agenda: Agenda, context: CrmContext) -> str:
    tz = context.crm.tz
    local = item.due_at.astimezone(tz)
    if local.date() == agenda.now.astimezone(tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%d/%m %H:%M")


def _line(number: int, item: AgendaItem, agenda: Agenda, context: CrmContext) -> str:
    parts = [
        f"<b>{number}.</b> {_when(item, agenda, context)}",
        f"<b>{html.escape(_short(item.tercero_name, NAME_CHARS))}</b>",
        html.escape(item.type_name),
    ]
    if item.note:
        parts.append(f"<i>{html.escape(_short(item.note, NOTE_CHARS))}</i>")
    if agenda.team_view:
        route = " " + context.t("agenda.on_route") if item.owner_code in agenda.on_route else ""
        parts.append(f"[{html.escape(item.owner_code)}{route}]")
    line = " · ".join(parts)
    if item.section == "overdue":
        line += " — " + html.escape(relative(item.due_at, agenda.now, context.lang))
    return line


def _title(agenda: Agenda, context: CrmContext) -> str:
    flt = agenda.filter
    if flt.period == "day" and flt.start:
        period = context.t("agenda.period_day", day=flt.start.strftime("%d/%m/%Y"))
    elif flt.period == "range" and flt.start and flt.end:
        period = context.t(
            "agenda.period_range",
            start=flt.start.strftime("%d/%m/%Y"),
            end=flt.end.strftime("%d/%m/%Y"),
        )
    else:
        period = context.t(f"agenda.period_{flt.period}")
    bits = [context.t("agenda.title"), period]
    if agenda.type_name:
        bits.append(context.t("agenda.f_type", name=html.escape(agenda.type_name)))
    if agenda.state_name:
        bits.append(context.t("agenda.f_state", name=html.escape(agenda.state_name)))
    if agenda.agent:
        bits.append(context.t("agenda.f_agent", code=html.escape(agenda.agent.code)))
    elif agenda.team_view:
        bits.append(context.t("agenda.everyone" if context.me.is_admin else "agenda.team"))
    return " · ".join(bits)


def render_text(agenda: Agenda, context: CrmContext) -> str:
    """The agenda page as HTML, never longer than Telegram's 4096 characters."""
    lines = [_title(agenda, context)]
    if agenda.total == 0:
        lines.append("")
        lines.append(context.t("agenda.empty"))
        return "\n".join(lines)
    current = None
    for offset, item in enumerate(agenda.items):
        if item.section != current:
            current = item.section
            lines.append("")
            lines.append(
                f"{SECTION_ICONS[current]} <b>"
                + context.t(f"agenda.section_{current}", count=agenda.count(current))
                + "</b>"
            )
        lines.append(_line(agenda.page * agenda_uc.PAGE_SIZE + offset + 1, item, agenda, context))
    lines.append("")
    lines.append(
        context.t(
            "agenda.footer",
            page=agenda.page + 1,
            pages=agenda.pages,
            total=agenda.total,
            overdue=agenda.count("overdue"),
        )
    )
    text = "\n".join(lines)
    # Each line is bounded (short names and notes), so this only guards future changes.
    while len(text) > MAX_MESSAGE and len(lines) > 2:
        lines.pop(-2)
        text = "\n".join(lines)
    return text


def _item_button(
    number: int, item: AgendaItem, agenda: Agenda, ctx: CrmContext
) -> InlineKeyboardButton:
    label = (
        f"{SECTION_ICONS[item.section]} {number}. {_when(item, agenda, ctx)} "
        f"{_short(item.tercero_name, 24)}"
    )
    return button(label, links.OpenFollowup(item.id))


def render_markup(agenda: Agenda, context: CrmContext) -> InlineKeyboardMarkup:
    """Item buttons, paging, periods and filter menus; every press edits in place."""
    flt = agenda.filter
    rows: list[list[InlineKeyboardButton]] = []
    for offset, item in enumerate(agenda.items):
        number = agenda.page * agenda_uc.PAGE_SIZE + offset + 1
        rows.append([_item_button(number, item, agenda, context)])
    nav = keyboards.pager(agenda.page, agenda.pages, lambda p: view_data(flt, p), counter=True)
    if nav:
        rows.append(nav)
    today = context.crm.today()
    periods = [
        ("agenda.b_all", AgendaFilter()),
        ("agenda.b_today", AgendaFilter(period="today")),
        ("agenda.b_overdue", AgendaFilter(period="overdue")),
        ("agenda.b_tomorrow", _day_filter(today + timedelta(days=1))),
        (
            "agenda.b_week",
            AgendaFilter(period="range", start=today, end=today + timedelta(days=6)),
        ),
    ]
    current = encode_period(flt)
    row = []
    for key, target in periods:
        label = context.t(key)
        if encode_period(target) == current:
            label = "• " + label
        merged = target.with_(type_id=flt.type_id, state_id=flt.state_id, agent_id=flt.agent_id)
        row.append(button(label, view_data(merged)))
    rows.append(row[:3])
    rows.append(row[3:])
    fields = encode_filter(flt)
    menus = [
        button(context.t("agenda.b_type", mark="•" if flt.type_id else ""), TypeMenu(*fields)),
        button(context.t("agenda.b_state", mark="•" if flt.state_id else ""), StateMenu(*fields)),
    ]
    if not context.me.is_agent:
        menus.append(
            button(
                context.t("agenda.b_agent", mark="•" if flt.agent_id else ""),
                AgentMenu(*fields),
            )
        )
    rows.append(menus)
    return InlineKeyboardMarkup(rows)


def _day_filter(day: date) -> AgendaFilter:
    return AgendaFilter(period="day", start=day, end=day)


# --- handlers --------------------------------------------------------------------------------


async def agenda_command(update: Update, context: CrmContext) -> None:
    """/agenda [hoy|vencidos|YYYY-MM-DD [YYYY-MM-DD]] [tipo:X] [estado:X] [agente:CODE]."""
    assert update.effective_message is not None
    text = " ".join(context.args or [])
    agenda = await agenda_uc.agenda_from_text(context.crm, context.me, text)
    await update.effective_message.reply_text(
        render_text(agenda, context),
        parse_mode=ParseMode.HTML,
        reply_markup=render_markup(agenda, context),
        disable_web_page_preview=True,
    )


async def agenda_press(update: Update, context: CrmContext) -> None:
    """Paging, periods and filter choices: always edit the agenda message in place."""
    query = update.callback_query
    assert query is not None
    match parse(query.data, PREFIX):
        case AgendaView() as data:
            await _show(update, context, data.filter, data.page)
        case TypeMenu() | StateMenu() | AgentMenu() as data:
            await _menu(update, context, data)
        case _:
            raise BadCallback("not an agenda button")
    await query.answer()


async def _show(update: Update, context: CrmContext, flt: AgendaFilter, page: int) -> None:
    query = update.callback_query
    assert query is not None
    agenda = await agenda_uc.agenda_for(context.crm, context.me, flt, page)
    await query.edit_message_text(
        render_text(agenda, context),
        parse_mode=ParseMode.HTML,
        reply_markup=render_markup(agenda, context),
        disable_web_page_preview=True,
    )


async def _menu(
    update: Update, context: CrmContext, data: TypeMenu | StateMenu | AgentMenu
) -> None:
    """Swap the keyboard for the choices of one filter; the text stays."""
    query = update.callback_query
    assert query is not None
    flt = data.filter
    await agenda_uc.check_filter(context.crm, context.me, flt)
    rows: list[list[InlineKeyboardButton]] = []
    if isinstance(data, TypeMenu):
        for item in await followups_uc.list_types(context.crm):
            mark = "• " if item.id == flt.type_id else ""
            target = flt.with_(type_id=item.id)
            rows.append([button(mark + item.name, view_data(target))])
        everything = flt.with_(type_id=None)
        all_key = "agenda.all_types"
    elif isinstance(data, StateMenu):
        for item in await followups_uc.list_states(context.crm, "open"):
            mark = "• " if item.id == flt.state_id else ""
            target = flt.with_(state_id=item.id)
            rows.append([button(mark + item.name, view_data(target))])
        everything = flt.with_(state_id=None)
        all_key = "agenda.all_states"
    else:
        for agent in await agenda_uc.agents_in_scope(context.crm, context.me):
            mark = "• " if agent.id == flt.agent_id else ""
            target = flt.with_(agent_id=agent.id)
            rows.append([button(f"{mark}{agent.name} ({agent.code})", view_data(target))])
        everything = flt.with_(agent_id=None)
        all_key = "agenda.all_agents"
    # Telegram allows 100 buttons; a huge team still gets a usable first screen.
    rows = rows[:90]
    rows.append(
        [
            button(context.t(all_key), view_data(everything)),
            button(context.t("agenda.back"), view_data(flt)),
        ]
    )
    await query.edit_message_reply_markup(reply_markup=InlineKeyboardMarkup(rows))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("agenda", agenda_command))
    app.add_handler(CallbackQueryHandler(agenda_press, pattern=pattern(PREFIX)))
