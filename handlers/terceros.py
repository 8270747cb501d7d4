"""/tercero: find a tercero, its card, its documents and its follow-ups (``te:`` buttons)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm import terceros
from crm.kernel.formatting import day, local_datetime, money
from crm.terceros import DocumentsPage, FollowUpsPage, SearchResult, TerceroCard
from handlers import asking, callbacks, links
from handlers.callbacks import BadCallback, CallbackData, pack_day, parse, unpack_day
from handlers.context import CrmContext
from handlers.keyboards import button, pager
from handlers.phones import phone_list
from handlers.route import visits

PREFIX = "te"
SEARCH_KEY = "tercero_search"
DOCS_KEY = "tercero_docs"
TERCERO_TEXT = "te.search"
DOCS_DATE = "te.date"
MAX_TYPE_BUTTONS = 6

Markup = InlineKeyboardMarkup


# --- the buttons' data (the card itself is links.OpenTercero) -------------------------------


@dataclass(frozen=True)
class SearchPage(CallbackData, prefix=PREFIX, action="pg"):
    """A page of the last search's results (its text is kept in ``user_data``)."""

    page: int


@dataclass(frozen=True)
class _DocumentsFilter:
    """The documents list's filter: a type and a period (dates as YYYYMMDD), "" for none."""

    tercero_id: int
    page: int
    doc_type: str = ""
    since: str = ""
    until: str = ""

    def period(self) -> tuple[date | None, date | None]:
        """The FROM and TO dates; forged values are a bad button."""
        try:
            return unpack_day(self.since), unpack_day(self.until)
        except ValueError as exc:
            raise BadCallback("bad period") from exc


@dataclass(frozen=True)
class Documents(_DocumentsFilter, CallbackData, prefix=PREFIX, action="docs"):
    """A page of the tercero's documents with a filter: ``te:docs:ID:PAGE:TYPE:FROM:TO``."""


@dataclass(frozen=True)
class AskSince(_DocumentsFilter, CallbackData, prefix=PREFIX, action="since"):
    """Desde: asks for the period's first day, keeping the rest of the filter."""


@dataclass(frozen=True)
class AskUntil(_DocumentsFilter, CallbackData, prefix=PREFIX, action="until"):
    """Hasta: asks for the period's last day, keeping the rest of the filter."""


@dataclass(frozen=True)
class TerceroFollowups(CallbackData, prefix=PREFIX, action="fus"):
    """A page of the tercero's follow-ups."""

    tercero_id: int
    page: int


# --- rendering -------------------------------------------------------------------------------


def render_results(context: CrmContext, result: SearchResult) -> tuple[str, Markup]:
    text = context.t("tercero.results", total=result.total, query=html.escape(result.query))
    rows = [
        [button(f"{hit.name} · {hit.nit}"[:60], links.OpenTercero(hit.id))] for hit in result.items
    ]
    nav = pager(result.page, result.pages, lambda p: SearchPage(p), counter=True)
    if nav:
        rows.append(nav)
    return text, InlineKeyboardMarkup(rows)


def render_card(context: CrmContext, card: TerceroCard) -> tuple[str, Markup]:
    lines = [f"🏢 <b>{html.escape(card.name)}</b>", context.t("tercero.card.nit", nit=card.nit)]
    place = " · ".join(html.escape(p) for p in (card.address, card.city) if p)
    if place:
        lines.append(context.t("tercero.card.address", address=place))
    if card.phones:
        lines.append(context.t("tercero.card.phones", phones=phone_list(card.phones)))
    if card.email:
        lines.append(context.t("tercero.card.email", email=html.escape(card.email)))
    lines.append(
        context.t("tercero.card.encargado", name=html.escape(card.encargado_name))
        if card.encargado_name
        else context.t("tercero.card.no_encargado")
    )
    lines.append(
        context.t(
            "tercero.card.followups", open=card.open_followups, overdue=card.overdue_followups
        )
    )
    lines.append(
        context.t(
            "tercero.card.cartera",
            total=money(card.cartera_total),
            overdue=money(card.cartera_overdue),
        )
    )
    lines.append(visits.tercero_location_line(card, context))
    rows = [
        [
            button(context.t("tercero.button.documents"), docs_data(card.id)),
            button(context.t("tercero.button.cartera"), links.TerceroCartera(card.id)),
        ],
        [
            button(context.t("tercero.button.followups"), TerceroFollowups(card.id, 0)),
            button(context.t("tercero.button.new"), links.NewForTercero(card.id)),
        ],
    ]
    if located := visits.tercero_buttons(card, context):
        rows.append(located)
    if not context.me.is_agent:
        # Only offered to those who may reassign; handlers/reassign.py re-checks on press.
        rows.append([button(context.t("tercero.button.reassign"), links.ReassignTercero(card.id))])
    markup = InlineKeyboardMarkup(rows)
    return "\n".join(lines), markup


def docs_data(
    tercero_id: int,
    page: int = 0,
    doc_type: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Documents:
    """``te:docs:ID:PAGE:TYPE:FROM:TO`` (dates as YYYYMMDD, empty parts for no filter)."""
    return Documents(tercero_id, page, doc_type or "", pack_day(since), pack_day(until))


def _safe_type(tercero_id: int, doc_type: str) -> bool:
    """A document type the filter's buttons can carry (allowed characters, 64 bytes with
    a whole period, on any page up to 999 999: the pager's ▶ carries the next page)."""
    try:
        AskUntil(tercero_id, 999_999, doc_type, "20000101", "20000101").pack()
    except ValueError:
        return False
    return True


def render_documents(context: CrmContext, page: DocumentsPage) -> tuple[str, Markup]:
    tid, kind, since, until = page.tercero_id, page.doc_type, page.since, page.until
    period = (
        f"{day(since) or '…'} – {day(until) or '…'}"
        if since or until
        else context.t("tercero.docs.any_period")
    )
    lines = [
        context.t("tercero.docs.title", name=html.escape(page.tercero_name)),
        context.t(
            "tercero.docs.filter",
            type=html.escape(kind) if kind else context.t("tercero.docs.all_types"),
            period=period,
        ),
        context.t("tercero.docs.count", total=page.total, page=page.page + 1, pages=page.pages),
        "",
    ]
    if not page.items:
        lines.append(context.t("tercero.docs.none"))
    for d in page.items:
        lines.append(
            context.t(
                "tercero.docs.line",
                label=html.escape(d.label),
                date=day(d.date),
                due=context.t("tercero.docs.due", due=day(d.due_date)) if d.due_date else "",
                value=money(d.value),
                balance=money(d.balance),
            )
        )
    types = [t for t in page.types if _safe_type(tid, t)][:MAX_TYPE_BUTTONS]
    rows: list[list[InlineKeyboardButton]] = []
    if len(types) > 1 or kind:
        type_row = [
            button(
                ("✓ " if kind is None else "") + context.t("tercero.button.all_types"),
                docs_data(tid, 0, None, since, until),
            )
        ]
        type_row += [
            button(("✓ " if t == kind else "") + t, docs_data(tid, 0, t, since, until))
            for t in types
        ]
        rows.extend(type_row[i : i + 4] for i in range(0, len(type_row), 4))
    filter_now = (kind or "", pack_day(since), pack_day(until))
    period_row = [
        button(context.t("tercero.button.since"), AskSince(tid, 0, *filter_now)),
        button(context.t("tercero.button.until"), AskUntil(tid, 0, *filter_now)),
    ]
    if since or until:
        period_row.append(
            button(context.t("tercero.button.clear_period"), docs_data(tid, 0, kind))
        )
    rows.append(period_row)
    nav = pager(page.page, page.pages, lambda p: Documents(tid, p, *filter_now), counter=True)
    if nav:
        rows.append(nav)
    rows.append([button(context.t("tercero.button.back"), links.OpenTercero(tid))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def render_followups(context: CrmContext, page: FollowUpsPage) -> tuple[str, Markup]:
    tz, now = context.crm.tz, context.crm.now()
    lines = [
        context.t("tercero.fus.title", name=html.escape(page.tercero_name), total=page.total),
        "",
    ]
    rows: list[list[InlineKeyboardButton]] = []
    if not page.items:
        lines.append(context.t("tercero.fus.none"))
    for f in page.items:
        due = local_datetime(f.due_at, tz)
        if f.is_active:
            key = "tercero.fus.overdue" if f.due_at < now else "tercero.fus.active_due"
            status = context.t(key, due=due)
            when = day(f.due_at.astimezone(tz).date())
        else:
            status = context.t(f"tercero.fus.{f.status}")
            when = status
        lines.append(
            context.t(
                "tercero.fus.line",
                id=f.id,
                type=html.escape(f.type_name),
                status=status,
                owner=html.escape(f.owner_name),
            )
        )
        rows.append(
            [
                button(
                    context.t("tercero.fus.button", id=f.id, type=f.type_name, when=when)[:60],
                    links.OpenFollowup(f.id),
                )
            ]
        )
    tid = page.tercero_id
    nav = pager(page.page, page.pages, lambda p: TerceroFollowups(tid, p), counter=True)
    if nav:
        rows.append(nav)
    rows.append(
        [
            button(context.t("tercero.button.new"), links.NewForTercero(tid)),
            button(context.t("tercero.button.back"), links.OpenTercero(tid)),
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# --- sending ---------------------------------------------------------------------------------


async def show(
    update: Update, context: CrmContext, text: str, markup: Markup | None = None
) -> None:
    """Edit the pressed message in place, or send a new one for a typed command."""
    query = update.callback_query
    if query is not None:
        await query.answer()
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        return
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def _send(
    update: Update, context: CrmContext, text: str, markup: Markup | None = None
) -> None:
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup
    )


async def _search(update: Update, context: CrmContext, text: str, page: int) -> None:
    result = await terceros.search(context.crm, context.me, text, page)
    assert context.user_data is not None
    context.user_data[SEARCH_KEY] = result.query
    if result.total == 0:
        await show(update, context, context.t("tercero.none", query=html.escape(result.query)))
    elif result.total == 1:
        card = await terceros.get_card(context.crm, context.me, result.items[0].id)
        await show(update, context, *render_card(context, card))
    else:
        await show(update, context, *render_results(context, result))


# --- /tercero [TEXT] and typed period dates (questions of handlers/asking.py) --------------


async def tercero_command(update: Update, context: CrmContext) -> None:
    """/tercero TEXT searches at once; /tercero alone asks for the text."""
    text = " ".join(context.args or []).strip()
    if not text:
        await asking.ask(
            update,
            context,
            TERCERO_TEXT,
            context.t("tercero.ask"),
            what=context.t("ask.what.te.search"),
        )
        return
    await _search(update, context, text, 0)


@asking.answer(TERCERO_TEXT)
async def tercero_text(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The text typed after /tercero alone."""
    assert update.effective_message is not None
    await _search(update, context, update.effective_message.text or "", 0)
    return True


async def ask_period_date(update: Update, context: CrmContext, data: AskSince | AskUntil) -> None:
    """Desde/Hasta pressed on the documents list: remember the filter, ask for the date."""
    data.period()  # refuse forged dates now, not after the user typed
    # Check access before asking anything.
    await terceros.get_card(context.crm, context.me, data.tercero_id)
    state = {
        "tercero": data.tercero_id,
        "type": data.doc_type,
        "since": data.since,
        "until": data.until,
        "field": data.action,
    }
    await asking.ask(
        update,
        context,
        DOCS_DATE,
        context.t(f"tercero.docs.ask_{data.action}"),
        data=state,
        what=context.t("ask.what.te.date"),
        edit=False,
    )


@asking.answer(DOCS_DATE)
async def period_date_typed(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The typed Desde/Hasta date: show the documents with the new period."""
    assert update.effective_message is not None
    state = dict(q.data)
    typed = terceros.parse_day(update.effective_message.text or "", context.crm.today())
    state[state["field"]] = pack_day(typed)
    page = await terceros.documents(
        context.crm,
        context.me,
        int(state["tercero"]),
        doc_type=state["type"] or None,
        since=unpack_day(state["since"]),
        until=unpack_day(state["until"]),
    )
    await _send(update, context, *render_documents(context, page))
    return True


# --- buttons ---------------------------------------------------------------------------------


async def on_button(update: Update, context: CrmContext) -> None:
    """Every ``te:`` press: open a card, page results, documents, follow-ups."""
    query = update.callback_query
    assert query is not None
    crm, me = context.crm, context.me
    match parse(query.data, PREFIX):
        case links.OpenTercero(tercero_id=tercero_id):
            card = await terceros.get_card(crm, me, tercero_id)
            await show(update, context, *render_card(context, card))
        case SearchPage(page=page):
            assert context.user_data is not None
            text = context.user_data.get(SEARCH_KEY)
            if not isinstance(text, str):
                await query.answer(context.t("tercero.search_expired"), show_alert=True)
                return
            result = await terceros.search(crm, me, text, page)
            await show(update, context, *render_results(context, result))
        case Documents() as data:
            documents = await _documents(context, data)
            await show(update, context, *render_documents(context, documents))
        case AskSince() | AskUntil() as data:
            await ask_period_date(update, context, data)
        case TerceroFollowups(tercero_id=tercero_id, page=page):
            followups = await terceros.tercero_followups(crm, me, tercero_id, page)
            await show(update, context, *render_followups(context, followups))
        case _:
            raise BadCallback("not a tercero button")


async def _documents(context: CrmContext, data: Documents) -> DocumentsPage:
    since, until = data.period()
    return await terceros.documents(
        context.crm,
        context.me,
        data.tercero_id,
        page=data.page,
        doc_type=data.doc_type or None,
        since=since,
        until=until,
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("tercero", tercero_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(PREFIX)))
