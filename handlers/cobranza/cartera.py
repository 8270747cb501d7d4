"""/cartera: the book by age, a tercero's open documents, starting collection follow-ups,
and recording promises to pay (``ca:`` buttons; ``ca:prom:FOLLOWUP_ID`` starts a promise)."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm import terceros
from crm.cobranza import cartera, promises
from crm.cobranza import starts as cartera_starts
from crm.cobranza.cartera import AgingTotals, BookSummary, TerceroCartera
from crm.kernel import charts
from crm.kernel.formatting import day, money
from handlers import asking, callbacks, confirm, links
from handlers.callbacks import BadCallback, CallbackData, pack_day, parse, unpack_day
from handlers.confirm import repeated_note
from handlers.context import CrmContext
from handlers.keyboards import button, pager
from handlers.terceros import show

PREFIX = "ca"
# Questions of handlers/asking.py: the amount, then the date (typed, or a quick button).
PROMISE_AMOUNT = "ca.amount"
PROMISE_DATE = "ca.date"
QUICK_DAYS = (1, 7, 15, 30)

Markup = InlineKeyboardMarkup


# --- the buttons' data (a tercero's page and the promise's start are in handlers/links.py) ---


@dataclass(frozen=True)
class StartDocument(CallbackData, prefix=PREFIX, action="start"):
    """Iniciar on one uncovered document, then the tercero's ``page`` again."""

    document_id: int
    page: int


@dataclass(frozen=True)
class StartAllTercero(CallbackData, prefix=PREFIX, action="allt"):
    """Iniciar todos on a tercero: asks for the confirmation."""

    tercero_id: int


@dataclass(frozen=True)
class StartAllBook(CallbackData, prefix=PREFIX, action="allb"):
    """Iniciar todos on the book (of one agent, by users.id; 0 for all in scope): asks
    first."""

    agent_id: int = 0


@dataclass(frozen=True)
class StartAllTerceroOk(CallbackData, prefix=PREFIX, action="okt"):
    tercero_id: int
    token: str


@dataclass(frozen=True)
class StartAllBookOk(CallbackData, prefix=PREFIX, action="okb"):
    token: str
    agent_id: int = 0


@dataclass(frozen=True)
class ShowBook(CallbackData, prefix=PREFIX, action="book"):
    """The book again (a cancelled Iniciar todos)."""

    agent_id: int = 0


@dataclass(frozen=True)
class PromiseDay(CallbackData, prefix=PREFIX, action="pd"):
    """A quick date (Mañana, En 7 días, …) for the pending promise: YYYYMMDD."""

    promised_on: str


# --- rendering -------------------------------------------------------------------------------


def _bucket(context: CrmContext, bucket: str) -> str:
    # "> 90" must reach Telegram's HTML parser as "&gt; 90".
    return html.escape(context.t(f"cartera.bucket.{bucket}"))


def _buckets(context: CrmContext, totals: AgingTotals) -> list[str]:
    return [
        context.t(
            "cartera.bucket_line",
            label=_bucket(context, bucket),
            amount=money(amount),
        )
        for bucket, amount in totals.by_bucket()
    ]


def render_book(
    context: CrmContext, book: BookSummary, notice: str | None = None
) -> tuple[str, Markup]:
    lines = [notice, ""] if notice else []
    lines.append(
        context.t(
            f"cartera.title.{book.scope}",
            today=day(book.today),
            name=html.escape(book.agent_name or ""),
        )
    )
    if book.documents == 0:
        lines.append(context.t("cartera.empty"))
    else:
        lines.append(context.t("cartera.days_note"))
        lines.extend(_buckets(context, book.totals))
        lines.append(
            context.t(
                "cartera.total_line",
                total=money(book.totals.total),
                overdue=money(book.totals.overdue),
            )
        )
        lines.append(
            context.t("cartera.counts", documents=book.documents, uncovered=book.uncovered)
        )
    lines.append(context.t("cartera.collected_month", amount=money(book.collected_month)))
    if book.agents:
        lines += ["", context.t("cartera.split_title")]
        lines += [
            context.t(
                "cartera.split_line",
                name=html.escape(a.name or context.t("cartera.no_encargado")),
                total=money(a.totals.total),
                overdue=money(a.totals.overdue),
            )
            for a in book.agents
        ]
    rows = []
    if book.top:
        lines += ["", context.t("cartera.top_title")]
        rows += [
            [
                button(
                    context.t("cartera.top_button", name=t.name[:40], overdue=money(t.overdue)),
                    links.OpenTercero(t.id),
                )
            ]
            for t in book.top
        ]
    if book.uncovered:
        rows.append(
            [
                button(
                    context.t("cartera.button.start_all", count=book.uncovered),
                    StartAllBook(book.agent_id or 0),
                )
            ]
        )
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _days(context: CrmContext, days: int) -> str:
    if days == 0:
        return context.t("cartera.days.today")
    if days < 0:
        return context.t("cartera.days.ahead", days=-days)
    return context.t("cartera.days.overdue", days=days)


def render_tercero(
    context: CrmContext, view: TerceroCartera, notice: str | None = None
) -> tuple[str, Markup]:
    lines = [notice, ""] if notice else []
    lines.append(
        context.t(
            "cartera.tercero.title",
            name=html.escape(view.name),
            nit=html.escape(view.nit),
            today=day(view.today),
        )
    )
    rows: list[list[InlineKeyboardButton]] = []
    if view.documents == 0:
        lines.append(context.t("cartera.tercero.empty"))
    else:
        lines.append(
            context.t("cartera.days_note") + " " + " · ".join(_buckets(context, view.totals))
        )
        lines.append(
            context.t(
                "cartera.total_line",
                total=money(view.totals.total),
                overdue=money(view.totals.overdue),
            )
        )
        lines.append(
            context.t("cartera.counts", documents=view.documents, uncovered=view.uncovered)
        )
        lines.append("")
    for item in view.items:
        d = item.document
        cover = (
            context.t("cartera.sin_seguimiento")
            if item.followup_id is None
            else context.t("cartera.covered", id=item.followup_id)
        )
        lines.append(
            context.t(
                "cartera.tercero.line",
                label=html.escape(d.label),
                due=day(d.due_date or d.date),
                days=_days(context, item.days_past_due),
                bucket=_bucket(context, item.bucket),
                balance=money(d.balance),
                cover=cover,
            )
        )
        if item.followup_id is None:
            rows.append(
                [
                    button(
                        context.t("cartera.button.start", label=d.label),
                        StartDocument(d.id, view.page),
                    )
                ]
            )
        else:
            rows.append(
                [
                    button(
                        context.t("cartera.button.followup", id=item.followup_id, label=d.label),
                        links.OpenFollowup(item.followup_id),
                    )
                ]
            )
    tid = view.tercero_id
    nav = pager(view.page, view.pages, lambda p: links.TerceroCartera(tid, p), counter=True)
    if nav:
        rows.append(nav)
    if view.uncovered:
        rows.append(
            [
                button(
                    context.t("cartera.button.start_all", count=view.uncovered),
                    StartAllTercero(tid),
                )
            ]
        )
    rows.append([button(context.t("tercero.button.back"), links.OpenTercero(tid))])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _started(context: CrmContext, created: int) -> str:
    if created == 0:
        return context.t("cartera.started_none")
    return context.t("cartera.started_all", created=created)


def _result(context: CrmContext, result: cartera_starts.BulkStart) -> str:
    return repeated_note(context, result.repeated) + _started(context, result.created)


async def _confirm_start(
    update: Update,
    context: CrmContext,
    preview: cartera_starts.BulkStartPreview,
    ok: Callable[[str], CallbackData],
    back: CallbackData,
) -> None:
    """The confirmation of "Iniciar todos": how many follow-ups, of which type, for whom."""
    if preview.documents == 0:
        await show(
            update,
            context,
            context.t("cartera.started_none"),
            InlineKeyboardMarkup([[button(context.t("tercero.button.back"), back)]]),
        )
        return
    text = context.t(
        "cartera.confirm_start_all",
        type=html.escape(preview.type_name),
        documents=preview.documents,
        terceros=preview.terceros,
        hours=preview.hours,
    )
    await show(update, context, text, await confirm.markup(context, ok, cancel=back))


# --- /cartera and buttons --------------------------------------------------------------------


def _agent_arg(args: list[str]) -> str | None:
    """``agente:CODIGO`` (or a bare code) from /cartera's arguments."""
    for arg in args:
        code = arg.split(":", 1)[1] if ":" in arg else arg
        if code.strip():
            return code.strip().upper()
    return None


async def cartera_command(update: Update, context: CrmContext) -> None:
    """/cartera [agente:CODIGO]: the book by age, the top debtors and the per-agent split."""
    code = _agent_arg(list(context.args or []))
    book = await cartera.book_summary(context.crm, context.me, agent_code=code)
    message = update.effective_message
    # The picture first, so the book's text and its buttons stay last in the chat.
    if book.documents and message is not None:
        picture = charts.BarChart(
            context.t("cartera.chart_title"),
            tuple(context.t(f"cartera.bucket.{bucket}") for bucket, _ in book.totals.by_bucket()),
            tuple(amount for _, amount in book.totals.by_bucket()),
            money=True,
            subtitle=context.t(
                "cartera.chart_note",
                total=money(book.totals.total),
                collected=money(book.collected_month),
            ),
        )
        await context.bot.send_photo(
            message.chat_id, photo=await charts.render(picture, context.lang)
        )
    await show(update, context, *render_book(context, book))


async def on_button(update: Update, context: CrmContext) -> None:
    """Every ``ca:`` press: a tercero's documents, starting follow-ups (one, or all after a
    confirmation), the book again, and the promise to pay's buttons."""
    query = update.callback_query
    assert query is not None
    crm, me = context.crm, context.me
    match parse(query.data, PREFIX):
        case links.TerceroCartera(tercero_id=tercero_id, page=page):
            view = await cartera.tercero_cartera(crm, me, tercero_id, page)
            await show(update, context, *render_tercero(context, view))
        case StartDocument(document_id=document_id, page=page):
            followup = await cartera_starts.start_followup_for_document(crm, me, document_id)
            assert followup.document is not None
            notice = context.t(
                "cartera.started_one",
                id=followup.id,
                label=html.escape(followup.document.label),
                owner=html.escape(followup.owner_name),
            )
            view = await cartera.tercero_cartera(crm, me, followup.tercero.id, page)
            await show(update, context, *render_tercero(context, view, notice))
        case StartAllTercero(tercero_id=tercero_id):
            # "Iniciar todos (N)" says what will happen and waits for ✅ Confirmar.
            preview = await cartera_starts.preview_start_all(crm, me, tercero_id=tercero_id)
            await _confirm_start(
                update,
                context,
                preview,
                lambda token: StartAllTerceroOk(tercero_id, token),
                back=links.TerceroCartera(tercero_id, 0),
            )
        case StartAllBook(agent_id=agent_id):
            preview = await cartera_starts.preview_start_all(crm, me, agent_id=agent_id or None)
            await _confirm_start(
                update,
                context,
                preview,
                lambda token: StartAllBookOk(token, agent_id),
                back=ShowBook(agent_id),
            )
        case StartAllTerceroOk(tercero_id=tercero_id, token=token):
            result = await cartera_starts.start_all(crm, me, tercero_id=tercero_id, token=token)
            view = await cartera.tercero_cartera(crm, me, tercero_id)
            await show(update, context, *render_tercero(context, view, _result(context, result)))
        case StartAllBookOk(token=token, agent_id=agent_id):
            result = await cartera_starts.start_all(
                crm, me, agent_id=agent_id or None, token=token
            )
            book = await cartera.book_summary(crm, me, agent_id=agent_id or None)
            await show(update, context, *render_book(context, book, _result(context, result)))
        case ShowBook(agent_id=agent_id):
            book = await cartera.book_summary(crm, me, agent_id=agent_id or None)
            await show(update, context, *render_book(context, book))
        case links.StartPromise(followup_id=followup_id):
            await promise_start(update, context, followup_id)
        case PromiseDay(promised_on=promised_on):
            await promise_date_pressed(update, context, promised_on)
        case _:
            raise BadCallback("not a cartera button")


# --- promise to pay --------------------------------------------------------------------------


async def promise_start(update: Update, context: CrmContext, followup_id: int) -> None:
    """``ca:prom:FOLLOWUP_ID`` (the follow-up card's "Compromiso" button): ask the amount."""
    info = await promises.promise_context(context.crm, context.me, followup_id)
    pending = ""
    if info.pending is not None:
        pending = context.t(
            "cartera.promise.pending",
            amount=money(info.pending.amount),
            date=day(info.pending.promised_date),
        )
    await asking.ask(
        update,
        context,
        PROMISE_AMOUNT,
        context.t(
            "cartera.promise.ask_amount",
            tercero=html.escape(info.tercero_name),
            label=html.escape(info.document_label),
            balance=money(info.balance),
            pending=pending,
        ),
        data={"fu": followup_id},
        what=context.t("ask.what.ca.amount", id=followup_id),
        edit=False,
    )


@asking.answer(PROMISE_AMOUNT)
async def promise_amount(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The typed amount: checked against the balance, then ask the date."""
    message = update.effective_message
    assert message is not None
    followup_id = int(q.data["fu"])
    amount = await promises.check_amount(context.crm, context.me, followup_id, message.text or "")
    today = context.crm.today()
    buttons = []
    for days in QUICK_DAYS:
        when = today + timedelta(days=days)
        label = (
            context.t("cartera.promise.tomorrow")
            if days == 1
            else context.t("cartera.promise.in_days", days=days)
        )
        buttons.append(
            button(
                context.t("cartera.promise.day_button", label=label, date=day(when)[:5]),
                PromiseDay(pack_day(when)),
            )
        )
    await asking.ask(
        update,
        context,
        PROMISE_DATE,
        context.t("cartera.promise.ask_date", amount=money(amount)),
        data={"fu": followup_id, "amount": str(amount)},
        buttons=[buttons[:2], buttons[2:]],
        what=context.t("ask.what.ca.date", id=followup_id),
    )
    return False  # the date question replaced this one


@asking.answer(PROMISE_DATE)
async def promise_date_typed(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """A typed promise date (DD/MM/AAAA)."""
    message = update.effective_message
    assert message is not None
    when = terceros.parse_day(message.text or "", context.crm.today())
    await _record(update, context, q, when)
    return True


async def promise_date_pressed(update: Update, context: CrmContext, raw: str) -> None:
    """A quick date button (Mañana, En 7 días, …) of the pending date question."""
    query = update.callback_query
    assert query is not None
    when = unpack_day(raw)
    if when is None:
        raise BadCallback("bad date")
    q = asking.pending(context, PROMISE_DATE)
    if q is None:
        await query.answer(context.t("cartera.promise.expired"), show_alert=True)
        return
    await query.answer()
    await _record(update, context, q, when)
    asking.clear(context, token=q.token)
    if query.message is not None:
        await query.edit_message_reply_markup(None)


async def _record(update: Update, context: CrmContext, q: asking.Question, when: date) -> None:
    assert update.effective_chat is not None
    view = await promises.record_promise(
        context.crm, context.me, int(q.data["fu"]), Decimal(str(q.data["amount"])), when
    )
    await context.bot.send_message(
        update.effective_chat.id,
        context.t(
            "cartera.promise.done",
            amount=money(view.amount),
            date=day(view.promised_date),
            id=view.followup_id,
            time=promises.PROMISE_TIME.strftime("%H:%M"),
        ),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(
            [[button(context.t("cartera.promise.open"), links.OpenFollowup(view.followup_id))]]
        ),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("cartera", cartera_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(PREFIX)))
