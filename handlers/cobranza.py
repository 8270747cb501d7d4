"""Cobranza on the follow-up card: 📞 Contacto (``ct:``) through the Ley 2300 guard, and
🧾 Pago reportado (``pg:``) with the receipt photo read by OCR.

Contacto: the guard's line first, then channel → result → optional note. An agent stopped by
the guard sees why (the attempt is recorded as blocked); a supervisor or admin may register
it as an exception with a typed reason. Pago reportado: a photo or screenshot of the receipt,
what OCR read for one-tap confirmation, or a typed correction.

Typed answers and photos are pending questions of ``handlers/asking.py`` (kinds ``ct.why``,
``ct.note``, ``pg.photo``, ``pg.fix``); the half-made contact (a supervisor's reason) and the
receipt waiting for confirmation live beside them in user_data and go with /cancelar.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from crm import contacts, ocr, payments
from crm import followups as fu_uc
from crm.contacts import ContactBlocked
from crm.context import Crm
from crm.formatting import day, local_datetime, money
from crm.ley2300 import CHANNELS, RESULTS, Rule, Verdict, channel_label, display_params
from crm.receipts import ReceiptRead, parse_correction
from crm.views import FollowUpView
from handlers import asking
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.context import CrmContext
from handlers.followups import send_card
from handlers.links import ContactMenu, FollowupCard, ReportPayment
from handlers.texts import CATALOG, t


def _channel_name(context: CrmContext, channel: object) -> str:
    """A channel's name in the user's language ("llamada" / "call")."""
    value = str(getattr(channel, "value", channel))
    key = f"ct.name.{value}"
    return context.t(key) if key in CATALOG["es"] else channel_label(value)


def _result_name(context: CrmContext, result: str) -> str:
    """A stored result ("contestó") in the user's language ("answered")."""
    values = [r.value for r in RESULTS]
    if result in values:
        return context.t(f"ct.result.{values.index(result)}").lower()
    return result


log = logging.getLogger("crm_bot.cobranza")

CT_PREFIX = "ct"  # 📞 Contacto
PG_PREFIX = "pg"  # 🧾 Pago reportado
DRAFT = "cobranza.pg"  # user_data: the receipt read, waiting for confirmation
REASON = "cobranza.why"  # user_data: a supervisor's typed exception reason
NOTICES_JOB = "payment-unseen-notices"


# --- the buttons' data -----------------------------------------------------------------------
# ct:m (the card's 📞 Contacto) and pg:a (🧾 Pago reportado) are in handlers/links.py.
# ``channel`` is a crm.ley2300 channel value; ``result`` the position of one of RESULTS.


@dataclass(frozen=True)
class PickChannel(CallbackData, prefix=CT_PREFIX, action="c"):
    """A channel: the results if the guard allows it, else why not."""

    followup_id: int
    channel: str


@dataclass(frozen=True)
class OverrideGuard(CallbackData, prefix=CT_PREFIX, action="o"):
    """A supervisor registers a refused contact as an exception (asks the reason)."""

    followup_id: int
    channel: str


@dataclass(frozen=True)
class PickResult(CallbackData, prefix=CT_PREFIX, action="r"):
    """A result: asks for the optional note."""

    followup_id: int
    channel: str
    result: int


@dataclass(frozen=True)
class ContactNoNote(CallbackData, prefix=CT_PREFIX, action="n"):
    """Register the contact without a note."""

    followup_id: int
    channel: str
    result: int


@dataclass(frozen=True)
class ConfirmPayment(CallbackData, prefix=PG_PREFIX, action="ok"):
    """Store the receipt as read (or as corrected)."""

    followup_id: int


@dataclass(frozen=True)
class FixPayment(CallbackData, prefix=PG_PREFIX, action="fx"):
    """Asks for a typed correction of what was read."""

    followup_id: int


def _b(label: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


# --- rendering -------------------------------------------------------------------------------


def verdict_line(context: CrmContext, verdict: Verdict) -> str:
    """ "✅ Puedes contactar hoy por llamada" or "⛔ <why not>" (HTML)."""
    if verdict.allowed:
        if not verdict.protected:
            return context.t("ley.not_protected")
        names = [_channel_name(context, c) for c in verdict.channels]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1])
        if len(names) > 1:
            joined += context.t("ley.or") + names[-1]
        return context.t("ley.ok", channels=html.escape(joined))
    params = {k: html.escape(v) for k, v in display_params(verdict.params, context.lang).items()}
    if "channel" in verdict.params:
        params["channel"] = html.escape(_channel_name(context, verdict.params["channel"]))
    if verdict.rule == Rule.HOURS:
        when = context.t(f"ley.when.{params.get('when', 'after')}", limit=params.get("limit", ""))
        return context.t("ley.hours", when=when)
    assert verdict.rule is not None
    return context.t(f"ley.{verdict.rule.value}", **params)


def exact_money(amount: Decimal) -> str:
    """``$ 1.250.000`` or, with cents, ``$ 1.250.000,50``: a receipt's amount is confirmed
    to the peso and centavo, where the card's money() rounds."""
    whole = money(amount.to_integral_value(rounding="ROUND_DOWN"))
    cents = int((amount % 1) * 100)
    return f"{whole},{cents:02d}" if cents else whole


def _query(update: Update) -> Any:
    assert update.callback_query is not None
    return update.callback_query


def _back(context: CrmContext, fid: int) -> InlineKeyboardButton:
    return _b(context.t("fu.b_back"), FollowupCard(fid))


def _markup(rows: list[list[InlineKeyboardButton]], back: InlineKeyboardButton) -> Any:
    return InlineKeyboardMarkup([*rows, [back]])


async def _show_card(update: Update, context: CrmContext, card: FollowUpView, done: str) -> None:
    """After an action: say what was done and show the card again."""
    message = update.effective_message
    assert message is not None
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(done, parse_mode=ParseMode.HTML)
        await update.callback_query.answer()
        await send_card(message, card, context)
    else:
        await message.reply_text(done, parse_mode=ParseMode.HTML)
        await send_card(message, card, context)


# --- 📞 Contacto -----------------------------------------------------------------------------


async def _contact_menu(update: Update, context: CrmContext, data: ContactMenu) -> None:
    """The guard's line first, then the channel buttons."""
    fid = data.followup_id
    view = await contacts.guard(context.crm, context.me, fid)
    context.user_data.pop(REASON, None)  # type: ignore[union-attr]
    lines = [
        context.t("ct.title", tercero=html.escape(view.tercero_name)),
        verdict_line(context, view.verdict),
        "",
        context.t("ct.pick_channel"),
    ]
    buttons = [_b(context.t(f"ct.channel.{c.value}"), PickChannel(fid, c.value)) for c in CHANNELS]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    await _query(update).edit_message_text(
        "\n".join(lines),
        parse_mode=ParseMode.HTML,
        reply_markup=_markup(rows, _back(context, fid)),
    )
    await _query(update).answer()


def _result_rows(fid: int, channel: str, context: CrmContext) -> list[list[InlineKeyboardButton]]:
    buttons = [
        _b(context.t(f"ct.result.{i}"), PickResult(fid, channel, i)) for i in range(len(RESULTS))
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


async def _channel(update: Update, context: CrmContext, data: PickChannel) -> None:
    """A channel was picked: allowed → the results; refused → why (and the exception)."""
    fid, channel = data.followup_id, data.channel
    view = await contacts.guard(context.crm, context.me, fid, channel)
    back = _back(context, fid)
    label = html.escape(_channel_name(context, channel))
    if view.verdict.allowed:
        await _query(update).edit_message_text(
            context.t("ct.pick_result", channel=label),
            parse_mode=ParseMode.HTML,
            reply_markup=_markup(_result_rows(fid, channel, context), back),
        )
        await _query(update).answer()
        return
    reason = verdict_line(context, view.verdict)
    if view.may_override:
        override = _b(context.t("ct.b_override"), OverrideGuard(fid, channel))
        await _query(update).edit_message_text(
            context.t("ct.blocked_supervisor", reason=reason),
            parse_mode=ParseMode.HTML,
            reply_markup=_markup([[override]], back),
        )
    else:
        # The agent tried: the attempt is recorded as blocked for the compliance report.
        verdict = await contacts.record_blocked(context.crm, context.me, fid, channel)
        await _query(update).edit_message_text(
            context.t("ct.blocked_agent", reason=verdict_line(context, verdict)),
            parse_mode=ParseMode.HTML,
            reply_markup=_markup([], back),
        )
    await _query(update).answer()


async def _override(update: Update, context: CrmContext, data: OverrideGuard) -> None:
    """A supervisor registers a refused contact: first the typed reason."""
    fid, channel = data.followup_id, data.channel
    view = await contacts.guard(context.crm, context.me, fid, channel)
    if not view.may_override:
        raise BadCallback("override by an agent")
    await asking.ask(
        update,
        context,
        "ct.why",
        context.t("ct.ask_reason"),
        data={"fu": fid, "ch": channel},
        what=context.t("ct.b_contact"),
    )


@asking.answer("ct.why", accepts=asking.TEXT)
async def _answer_reason(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The supervisor's reason for the exception; then the results."""
    data = q.data
    assert update.effective_message is not None
    reason = (update.effective_message.text or "").strip()
    if not reason:
        await update.effective_message.reply_text(context.t("ct.ask_reason"))
        return False
    fid, channel = int(data["fu"]), str(data["ch"])
    fu_uc.clean_note(reason, contacts.MAX_REASON)
    context.user_data[REASON] = {"fu": fid, "ch": channel, "reason": reason}  # type: ignore[index]
    await update.effective_message.reply_text(
        context.t("ct.pick_result", channel=html.escape(_channel_name(context, channel))),
        parse_mode=ParseMode.HTML,
        reply_markup=_markup(_result_rows(fid, channel, context), _back(context, fid)),
    )
    return True


def _reason_for(context: CrmContext, fid: int, channel: str) -> str | None:
    stored = (context.user_data or {}).get(REASON)
    if stored and stored.get("fu") == fid and stored.get("ch") == channel:
        return str(stored["reason"])
    return None


def _result_of(position: int) -> str:
    if position >= len(RESULTS):
        raise BadCallback("unknown result")
    return RESULTS[position].value


async def _result(update: Update, context: CrmContext, data: PickResult) -> None:
    """A result was picked: ask for the optional note."""
    fid, channel, result = data.followup_id, data.channel, _result_of(data.result)
    skip = _b(context.t("ct.b_no_note"), ContactNoNote(fid, channel, data.result))
    await asking.ask(
        update,
        context,
        "ct.note",
        context.t(
            "ct.ask_note",
            channel=html.escape(_channel_name(context, channel)),
            result=html.escape(_result_name(context, result)),
        ),
        data={"fu": fid, "ch": channel, "r": result},
        buttons=[[skip]],
        what=context.t("ct.b_contact"),
    )


async def _register(
    update: Update, context: CrmContext, fid: int, channel: str, result: str, note: str | None
) -> None:
    reason = _reason_for(context, fid, channel)
    try:
        done = await contacts.register_contact(
            context.crm,
            context.me,
            fid,
            channel=channel,
            result=result,
            note=note,
            override_reason=reason,
        )
    except ContactBlocked as blocked:
        # The situation changed since the guard line was drawn (another agent called).
        message = context.t("ct.blocked_agent", reason=verdict_line(context, blocked.verdict))
        if update.callback_query is not None:
            await update.callback_query.edit_message_text(message, parse_mode=ParseMode.HTML)
            await update.callback_query.answer()
        else:
            assert update.effective_message is not None
            await update.effective_message.reply_text(message, parse_mode=ParseMode.HTML)
        return
    context.user_data.pop(REASON, None)  # type: ignore[union-attr]
    key = "ct.done_override" if done.outcome == "override" else "ct.done"
    text = context.t(
        key,
        channel=html.escape(_channel_name(context, channel)),
        result=html.escape(_result_name(context, result)),
    )
    await _show_card(update, context, done.card, text)


async def _no_note(update: Update, context: CrmContext, data: ContactNoNote) -> None:
    asking.clear(context, "ct.")
    result = _result_of(data.result)
    await _register(update, context, data.followup_id, data.channel, result, None)


@asking.answer("ct.note", accepts=asking.TEXT)
async def _answer_note(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The typed note: register the contact."""
    data = q.data
    assert update.effective_message is not None
    note = update.effective_message.text or ""
    await _register(update, context, int(data["fu"]), str(data["ch"]), str(data["r"]), note)
    return True


# --- 🧾 Pago reportado -----------------------------------------------------------------------


async def _payment_ask(update: Update, context: CrmContext, data: ReportPayment) -> None:
    """Ask for the receipt's photo or screenshot."""
    fid = data.followup_id
    ctx = await payments.payment_context(context.crm, context.me, fid)
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    await asking.ask(
        update,
        context,
        "pg.photo",
        context.t(
            "pg.ask_photo",
            document=html.escape(ctx.document_label),
            balance=money(ctx.balance),
        ),
        data={"fu": fid},
        what=context.t("pg.b_report"),
    )


def _read_from(data: dict[str, Any] | None) -> ReceiptRead:
    if not data:
        return ReceiptRead()
    return ReceiptRead(
        Decimal(data["amount"]) if data.get("amount") else None,
        date.fromisoformat(data["paid_on"]) if data.get("paid_on") else None,
        data.get("reference"),
        data.get("bank"),
    )


async def _show_read(update: Update, context: CrmContext, fid: int, read: ReceiptRead) -> None:
    unknown = context.t("pg.unknown")
    text = context.t(
        "pg.read",
        amount=exact_money(read.amount) if read.amount is not None else unknown,
        date=day(read.paid_on) if read.paid_on else unknown,
        reference=html.escape(read.reference) if read.reference else unknown,
        bank=html.escape(read.bank) if read.bank else unknown,
    )
    rows = [
        [
            _b(context.t("pg.b_confirm"), ConfirmPayment(fid)),
            _b(context.t("pg.b_fix"), FixPayment(fid)),
        ],
        [_back(context, fid)],
    ]
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
    )


async def _download(context: CrmContext, file_id: str) -> bytes:
    file = await context.bot.get_file(file_id)
    return bytes(await file.download_as_bytearray())


@asking.answer("pg.photo", accepts=asking.PHOTO | asking.DOCUMENT)
async def _answer_photo(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The receipt: read it off the event loop and show what was read."""
    data = q.data
    message = update.effective_message
    assert message is not None
    fid = int(data["fu"])
    if message.photo:
        file_id = message.photo[-1].file_id
    elif message.document is not None:
        if not (message.document.mime_type or "image/").startswith("image/"):
            await message.reply_text(context.t("pg.not_image"))
            return False
        file_id = message.document.file_id
    else:
        await message.reply_text(context.t("pg.send_photo"))
        return False
    draft: dict[str, Any] = {"fu": fid, "file": file_id, "read": None, "ocr": None}
    context.user_data[DRAFT] = draft  # type: ignore[index]
    if not ocr.available():
        await _ask_fix(update, context, fid, "pg.no_ocr")
        return True  # answered: the next question (the typed amount) is pending
    read = await ocr.read_receipt(await _download(context, file_id))
    draft["read"] = draft["ocr"] = read.as_dict()
    context.user_data[DRAFT] = draft  # type: ignore[index]
    if read.amount is None:
        await _ask_fix(update, context, fid, "pg.no_amount")
        return True
    await _show_read(update, context, fid, read)
    return True


async def _ask_fix(update: Update, context: CrmContext, fid: int, key: str) -> None:
    await asking.ask(
        update,
        context,
        "pg.fix",
        context.t(key),
        data={"fu": fid},
        what=context.t("pg.b_report"),
        edit=False,
    )


def _draft(context: CrmContext, fid: int) -> dict[str, Any] | None:
    draft = (context.user_data or {}).get(DRAFT)
    return draft if draft and draft.get("fu") == fid else None


async def _payment_fix(update: Update, context: CrmContext, data: FixPayment) -> None:
    fid = data.followup_id
    if _draft(context, fid) is None:
        await _query(update).answer(context.t("pg.expired"), show_alert=True)
        return
    await _ask_fix(update, context, fid, "pg.ask_fix")


@asking.answer("pg.fix", accepts=asking.TEXT)
async def _answer_fix(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """A typed amount (date, reference): show it for confirmation."""
    data = q.data
    message = update.effective_message
    assert message is not None
    fid = int(data["fu"])
    draft = _draft(context, fid)
    if draft is None:
        await message.reply_text(context.t("pg.expired"))
        return True
    try:
        read = parse_correction(message.text or "", _read_from(draft.get("read")))
    except ValueError:
        await message.reply_text(context.t("pg.bad_fix"), parse_mode=ParseMode.HTML)
        return False
    draft["read"] = read.as_dict()
    context.user_data[DRAFT] = draft  # type: ignore[index]
    await _show_read(update, context, fid, read)
    return True


async def _payment_confirm(update: Update, context: CrmContext, data: ConfirmPayment) -> None:
    """One tap: store the receipt as read (or as corrected) on the follow-up."""
    fid = data.followup_id
    draft = _draft(context, fid)
    if draft is None:
        await _query(update).answer(context.t("pg.expired"), show_alert=True)
        return
    read = _read_from(draft.get("read"))
    report = await payments.report_payment(
        context.crm,
        context.me,
        fid,
        read,
        file_id=draft.get("file"),
        ocr_read=_read_from(draft["ocr"]) if draft.get("ocr") else None,
    )
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    card = await fu_uc.get_followup(context.crm, context.me, fid)
    done = context.t(
        "pg.done", amount=exact_money(report.amount), document=html.escape(report.document_label)
    )
    await _show_card(update, context, card, done)


# --- dispatch --------------------------------------------------------------------------------

Action = Callable[[Update, CrmContext, Any], Awaitable[None]]
CT_ACTIONS: dict[type[CallbackData], Action] = {
    ContactMenu: _contact_menu,
    PickChannel: _channel,
    OverrideGuard: _override,
    PickResult: _result,
    ContactNoNote: _no_note,
}
PG_ACTIONS: dict[type[CallbackData], Action] = {
    ReportPayment: _payment_ask,
    ConfirmPayment: _payment_confirm,
    FixPayment: _payment_fix,
}


async def on_contact(update: Update, context: CrmContext) -> None:
    """Every ``ct:`` press re-loads the follow-up and re-checks the guard."""
    data = parse(_query(update).data, CT_PREFIX)
    action = CT_ACTIONS.get(type(data))
    if action is None:
        raise BadCallback("unknown contact action")
    await action(update, context, data)


async def on_payment(update: Update, context: CrmContext) -> None:
    """Every ``pg:`` press."""
    data = parse(_query(update).data, PG_PREFIX)
    action = PG_ACTIONS.get(type(data))
    if action is None:
        raise BadCallback("unknown payment action")
    await action(update, context, data)


# --- telling supervisors ---------------------------------------------------------------------


async def tell_unseen_payments(app: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """Tell supervisors (once) about reported payments the cartera did not show."""
    crm: Crm = app.bot_data["crm"]
    default = app.bot_data["settings"].language
    sent = 0
    for notice in await payments.claim_unseen(crm):
        delivered = False
        for telegram_id, language in notice.recipients:
            lang = language if language in ("es", "en") else default
            text = t(
                lang,
                "pg.unseen",
                agent=html.escape(notice.agent_name),
                amount=exact_money(notice.amount),
                tercero=html.escape(notice.tercero_name),
                document=html.escape(notice.document_label),
                date=local_datetime(notice.reported_at, crm.tz),
                days=notice.days,
            )
            try:
                await app.bot.send_message(telegram_id, text, parse_mode=ParseMode.HTML)
                delivered = True
                sent += 1
            except TelegramError as exc:
                log.warning(
                    "payment %s: could not tell %s: %s", notice.report_id, telegram_id, exc
                )
        if not delivered and notice.recipients:
            await payments.release_unseen(crm, [notice.report_id])
    return sent


async def _notices_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await tell_unseen_payments(context.application)


def schedule(app: Application[Any, Any, Any, Any, Any, Any], interval: float) -> None:
    """Look for "pago no visto en cartera" notices every ``interval`` seconds."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(NOTICES_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(_notices_tick, interval=interval, first=interval, name=NOTICES_JOB)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_contact, pattern=pattern(CT_PREFIX)))  # type: ignore[arg-type]
    app.add_handler(CallbackQueryHandler(on_payment, pattern=pattern(PG_PREFIX)))  # type: ignore[arg-type]


# /cancelar (or a question's ✖ Cancelar, or its expiry) forgets the half-made steps too.
asking.register_flow("ct.", REASON)
asking.register_flow("pg.", DRAFT)
