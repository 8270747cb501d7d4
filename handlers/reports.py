"""/informe (typed or chosen with buttons), /suscribir and /suscripciones."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.kernel import charts
from crm.kernel.errors import CrmError
from crm.kernel.formatting import day, local_datetime, money
from crm.reports import (
    PERIOD_WORDS,
    REPORT_KINDS,
    ReportFile,
    ReportRequest,
    SubscriptionView,
    build_report,
    cancel_subscription,
    default_period,
    list_subscriptions,
    parse_request,
    request_for,
    subscribe,
)
from handlers import keyboards
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.context import CrmContext
from handlers.texts import t

PREFIX = "rp"
BREAKDOWN_ITEMS = 8


# --- the buttons' data ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportMenu(CallbackData, prefix=PREFIX, action="menu"):
    """The /informe menu: one button per report."""


@dataclass(frozen=True)
class PickReport(CallbackData, prefix=PREFIX, action="k"):
    """The report chosen (one of crm.reports.REPORT_KINDS): its periods, or cartera at once."""

    kind: str


@dataclass(frozen=True)
class PickPeriod(CallbackData, prefix=PREFIX, action="p"):
    """Build ``kind`` for ``period`` (one of crm.reports.PERIOD_WORDS) and send it."""

    kind: str
    period: str


@dataclass(frozen=True)
class Unsubscribe(CallbackData, prefix=PREFIX, action="unsub"):
    """/suscripciones' Cancelar N: cancel that subscription, then list them again."""

    subscription_id: int


# --- rendering -------------------------------------------------------------------------------


def _count(lang: str, n: int) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "es" else text


def summary_text(lang: str, report: ReportFile) -> str:
    """The short chat summary sent with the file."""
    kind = t(lang, f"report.kind.{report.kind}")
    lines = [
        t(
            lang,
            "report.summary",
            kind=kind,
            start=day(report.start),
            end=day(report.end),
            rows=_count(lang, report.rows),
        )
    ]
    if report.filters:
        lines.append(t(lang, "report.summary_filters", filters=html.escape(report.filters)))
    if report.total is not None:
        lines.append(t(lang, "report.summary_total", total=money(report.total)))
    items = []
    for line in report.breakdown[:BREAKDOWN_ITEMS]:
        if line.amount is not None:
            items.append(f"{html.escape(line.label)} {money(line.amount)} ({line.count})")
        else:
            items.append(f"{html.escape(line.label)} {_count(lang, line.count)}")
    if items and report.rows:
        lines.append(
            t(
                lang,
                "report.summary_by",
                label=t(lang, f"report.by.{report.kind}"),
                items=" · ".join(items),
            )
        )
    if not report.rows:
        lines.append(t(lang, "report.empty"))
    return "\n".join(lines)


async def send_report(
    bot: Bot, chat_id: int, lang: str, report: ReportFile, summary_sent: bool = False
) -> None:
    """Send the summary (unless already shown) and the file, then delete the local copy."""
    try:
        if not summary_sent:
            await bot.send_message(chat_id, summary_text(lang, report), parse_mode=ParseMode.HTML)
        if report.picture is not None:
            # The chart at a glance, drawn off the event loop, then the file itself.
            await bot.send_photo(chat_id, photo=await charts.render(report.picture, lang))
        with report.path.open("rb") as handle:
            await bot.send_document(chat_id, document=handle, filename=report.filename)
    finally:
        report.discard()


def _kind_keyboard(context: CrmContext) -> InlineKeyboardMarkup:
    buttons = [
        keyboards.button(context.t(f"report.kind.{k}"), PickReport(k)) for k in REPORT_KINDS
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _period_keyboard(context: CrmContext, kind: str) -> InlineKeyboardMarkup:
    buttons = [
        keyboards.button(context.t(f"report.period.{p}"), PickPeriod(kind, p))
        for p in PERIOD_WORDS
    ]
    return InlineKeyboardMarkup(
        [buttons[:2], buttons[2:], [keyboards.back(context.t("report.back"), ReportMenu())]]
    )


def _filters_suffix(filters: str) -> str:
    return f" · {html.escape(filters)}" if filters else ""


def _subscriptions_message(
    context: CrmContext, subs: list[SubscriptionView]
) -> tuple[str, InlineKeyboardMarkup | None]:
    if not subs:
        return context.t("subscription.none"), None
    lines = [context.t("subscription.list_title")]
    buttons = []
    for n, sub in enumerate(subs, 1):
        lines.append(
            context.t(
                "subscription.line",
                n=n,
                kind=context.t(f"report.kind.{sub.report}"),
                frequency=context.t(f"subscription.{sub.frequency}"),
                time=sub.at_time,
                filters=_filters_suffix(sub.filters),
                next=local_datetime(sub.next_run_at, context.crm.tz),
            )
        )
        buttons.append(
            keyboards.button(context.t("subscription.cancel_button", n=n), Unsubscribe(sub.id))
        )
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# --- handlers --------------------------------------------------------------------------------


async def informe(update: Update, context: CrmContext) -> None:
    """Send the report typed after /informe, or the buttons to choose one."""
    message = update.effective_message
    assert message is not None
    if not context.args:
        await message.reply_text(
            context.t("report.menu"),
            parse_mode=ParseMode.HTML,
            reply_markup=_kind_keyboard(context),
        )
        return
    request = parse_request(context.args, context.crm.today())
    await context.bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_DOCUMENT)
    report = await build_report(context.crm, context.me, request, context.lang)
    await send_report(context.bot, message.chat_id, context.lang, report)


async def _produce_from_button(
    update: Update, context: CrmContext, request: ReportRequest
) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    chat_id = query.message.chat.id
    # Answer first: the build may take longer than Telegram waits for an answer.
    await query.answer()
    kind = context.t(f"report.kind.{request.kind}")
    await query.edit_message_text(
        context.t("report.working", kind=kind), parse_mode=ParseMode.HTML
    )
    try:
        report = await build_report(context.crm, context.me, request, context.lang)
    except CrmError as exc:
        # The press is already answered; show the refusal where the user is looking.
        await query.edit_message_text(context.t(exc.key, **exc.params), parse_mode=ParseMode.HTML)
        return
    await query.edit_message_text(summary_text(context.lang, report), parse_mode=ParseMode.HTML)
    await send_report(context.bot, chat_id, context.lang, report, summary_sent=True)


async def on_button(update: Update, context: CrmContext) -> None:
    """The /informe menu (report, then period) and the cancel buttons of /suscripciones."""
    query = update.callback_query
    assert query is not None
    match parse(query.data, PREFIX):
        case ReportMenu():
            await query.answer()
            await query.edit_message_text(
                context.t("report.menu"),
                parse_mode=ParseMode.HTML,
                reply_markup=_kind_keyboard(context),
            )
        case PickReport(kind=kind):
            if kind not in REPORT_KINDS:
                raise BadCallback("unknown report")
            if kind == "cartera":
                # Cartera is a snapshot of today's balances: no period to ask for.
                await _produce_from_button(
                    update, context, request_for(kind, default_period(kind), context.crm.today())
                )
                return
            await query.answer()
            await query.edit_message_text(
                context.t("report.pick_period", kind=context.t(f"report.kind.{kind}")),
                parse_mode=ParseMode.HTML,
                reply_markup=_period_keyboard(context, kind),
            )
        case PickPeriod(kind=kind, period=period):
            if kind not in REPORT_KINDS or period not in PERIOD_WORDS:
                raise BadCallback("unknown report or period")
            await _produce_from_button(
                update, context, request_for(kind, period, context.crm.today())
            )
        case Unsubscribe(subscription_id=subscription_id):
            await cancel_subscription(context.crm, context.me, subscription_id)
            await query.answer(context.t("subscription.cancelled"))
            text, markup = _subscriptions_message(
                context, await list_subscriptions(context.crm, context.me)
            )
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        case _:
            raise BadCallback("unknown action")


async def suscribir(update: Update, context: CrmContext) -> None:
    """Create a scheduled report delivery."""
    message = update.effective_message
    assert message is not None
    if not context.args:
        await message.reply_text(context.t("error.subscribe_usage"), parse_mode=ParseMode.HTML)
        return
    sub = await subscribe(context.crm, context.me, context.args)
    await message.reply_text(
        context.t(
            "subscription.created",
            kind=context.t(f"report.kind.{sub.report}"),
            frequency=context.t(f"subscription.{sub.frequency}"),
            time=sub.at_time,
            filters=_filters_suffix(sub.filters),
            next=local_datetime(sub.next_run_at, context.crm.tz),
        ),
        parse_mode=ParseMode.HTML,
    )


async def suscripciones(update: Update, context: CrmContext) -> None:
    """List the user's subscriptions with a button to cancel each."""
    message = update.effective_message
    assert message is not None
    text, markup = _subscriptions_message(
        context, await list_subscriptions(context.crm, context.me)
    )
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("informe", informe))
    app.add_handler(CommandHandler("suscribir", suscribir))
    app.add_handler(CommandHandler("suscripciones", suscripciones))
    app.add_handler(CallbackQueryHandler(on_button, pattern=pattern(PREFIX)))
