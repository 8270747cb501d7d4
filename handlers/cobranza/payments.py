"""🧾 Pago reportado on the follow-up card (``pg:``): the receipt's photo read by OCR.

A photo or screenshot of the receipt, what OCR read for one-tap confirmation, or a typed
correction; supervisors are told (once) of reported payments the cartera did not show. The
photo and the correction are pending questions of ``handlers/asking.py`` (kinds ``pg.photo``,
``pg.fix``); the receipt waiting for confirmation lives beside them in user_data and goes
with /cancelar.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from crm.cobranza import ocr, payments
from crm.cobranza.receipts import ReceiptRead, parse_correction
from crm.followups import lifecycle as fu_uc
from crm.kernel.context import Crm
from crm.kernel.formatting import day, local_datetime, money
from handlers import asking
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.context import CrmContext
from handlers.followups.render import back_button, show_done_and_card
from handlers.keyboards import button
from handlers.links import ReportPayment
from handlers.texts import t

log = logging.getLogger("crm_bot.payments")

PREFIX = "pg"
DRAFT = "cobranza.pg"  # user_data: the receipt read, waiting for confirmation


# --- the buttons' data -----------------------------------------------------------------------
# pg:a (the card's 🧾 Pago reportado) is links.ReportPayment.


@dataclass(frozen=True)
class ConfirmPayment(CallbackData, prefix=PREFIX, action="ok"):
    """Store the receipt as read (or as corrected)."""

    followup_id: int


@dataclass(frozen=True)
class FixPayment(CallbackData, prefix=PREFIX, action="fx"):
    """Asks for a typed correction of what was read."""

    followup_id: int


# --- rendering -------------------------------------------------------------------------------


def exact_money(amount: Decimal) -> str:
    """``$ 1.250.000`` or, with cents, ``$ 1.250.000,50``: a receipt's amount is confirmed
    to the peso and centavo, where the card's money() rounds."""
    whole = money(amount.to_integral_value(rounding="ROUND_DOWN"))
    cents = int((amount % 1) * 100)
    return f"{whole},{cents:02d}" if cents else whole


def _query(update: Update) -> Any:
    assert update.callback_query is not None
    return update.callback_query


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
            button(context.t("pg.b_confirm"), ConfirmPayment(fid)),
            button(context.t("pg.b_fix"), FixPayment(fid)),
        ],
        [back_button(context, fid)],
    ]
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        text, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(rows)
    )


def _too_big(size: int | None) -> bool:
    return size is not None and size > ocr.MAX_BYTES


async def _read(context: CrmContext, file_id: str, size: int | None) -> ReceiptRead | None:
    """What OCR reads on the file, or None when it is no receipt image OCR reads: larger than
    ocr.MAX_BYTES (by Telegram's word, before any download), not a JPEG/PNG/WebP, too many
    pixels or broken (ocr.UnreadableImage, before anything is decoded), or Tesseract failed."""
    if _too_big(size):
        log.warning("receipt %s not read: %s bytes", file_id, size)
        return None
    file = await context.bot.get_file(file_id)
    if _too_big(file.file_size):
        log.warning("receipt %s not read: %s bytes", file_id, file.file_size)
        return None
    try:
        return await ocr.read_receipt(bytes(await file.download_as_bytearray()))
    except ocr.UnreadableImage as exc:
        log.warning("receipt %s not read: %s", file_id, exc)
        return None


@asking.answer("pg.photo", accepts=asking.PHOTO | asking.DOCUMENT)
async def _answer_photo(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The receipt: read it off the event loop and show what was read."""
    data = q.data
    message = update.effective_message
    assert message is not None
    fid = int(data["fu"])
    if message.photo:
        file_id, size = message.photo[-1].file_id, message.photo[-1].file_size
    elif message.document is not None:
        if not (message.document.mime_type or "image/").startswith("image/"):
            await message.reply_text(context.t("pg.not_image"))
            return False
        file_id, size = message.document.file_id, message.document.file_size
    else:
        await message.reply_text(context.t("pg.send_photo"))
        return False
    draft: dict[str, Any] = {"fu": fid, "file": file_id, "read": None, "ocr": None}
    context.user_data[DRAFT] = draft  # type: ignore[index]
    if not ocr.available():
        await _ask_fix(update, context, fid, "pg.no_ocr")
        return True  # answered: the next question (the typed amount) is pending
    read = await _read(context, file_id, size)
    if read is None:
        # The amount is typed; the file is not kept as the receipt's photo (the follow-up's
        # history would send it as one).
        draft["file"] = None
        context.user_data[DRAFT] = draft  # type: ignore[index]
        await _ask_fix(update, context, fid, "pg.unreadable", mb=ocr.MAX_BYTES // 2**20)
        return True
    draft["read"] = draft["ocr"] = read.as_dict()
    context.user_data[DRAFT] = draft  # type: ignore[index]
    if read.amount is None:
        await _ask_fix(update, context, fid, "pg.no_amount")
        return True
    await _show_read(update, context, fid, read)
    return True


async def _ask_fix(
    update: Update, context: CrmContext, fid: int, key: str, **values: object
) -> None:
    await asking.ask(
        update,
        context,
        "pg.fix",
        context.t(key, **values),
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
    await show_done_and_card(update, context, card, done)


# --- dispatch --------------------------------------------------------------------------------

Action = Callable[[Update, CrmContext, Any], Awaitable[None]]
ACTIONS: dict[type[CallbackData], Action] = {
    ReportPayment: _payment_ask,
    ConfirmPayment: _payment_confirm,
    FixPayment: _payment_fix,
}


async def on_press(update: Update, context: CrmContext) -> None:
    """Every ``pg:`` press."""
    data = parse(_query(update).data, PREFIX)
    action = ACTIONS.get(type(data))
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


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_press, pattern=pattern(PREFIX)))  # type: ignore[arg-type]


# /cancelar (or a question's ✖ Cancelar, or its expiry) forgets the receipt read too.
asking.register_flow("pg.", DRAFT)
