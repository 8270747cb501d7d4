"""/reasignar CODE_DESDE CODE_HASTA and the per-tercero "Reasignar" button (``te:reasg:ID``).
Both show what will move and wait for a confirmation press."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm import confirmations, reassign
from handlers import keyboards
from handlers.callbacks import BadCallback, pack, unpack
from handlers.context import CrmContext

BOOK_PATTERN = r"^ad:(rsg|rsgno)(:|$)"
TERCERO_PATTERN = r"^te:(reasg|reasgto|reasgok):"
PICK_PAGE = 10


async def reasignar(update: Update, context: CrmContext) -> None:
    """Show the counts that would move from one person to another, with a confirm button."""
    message = update.effective_message
    assert message is not None
    args = context.args or []
    if len(args) != 2:
        await message.reply_text(context.t("reassign.usage"), parse_mode=ParseMode.HTML)
        return
    preview = await reassign.preview_reassign(context.crm, context.me, args[0], args[1])
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    context.t("reassign.confirm"),
                    callback_data=pack(
                        "ad",
                        "rsg",
                        preview.source.id,
                        preview.target.id,
                        confirmations.new_token(),
                    ),
                ),
                InlineKeyboardButton(context.t("reassign.cancel"), callback_data="ad:rsgno"),
            ]
        ]
    )
    await message.reply_text(
        context.t(
            "reassign.preview",
            source=html.escape(f"{preview.source.code} ({preview.source.name})"),
            target=html.escape(f"{preview.target.code} ({preview.target.name})"),
            followups=preview.open_followups,
            terceros=preview.terceros,
        ),
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )


async def on_book_button(update: Update, context: CrmContext) -> None:
    """Confirm or cancel a /reasignar; the use case re-checks both people."""
    query = update.callback_query
    assert query is not None
    if query.data == "ad:rsgno":
        await query.answer()
        await query.edit_message_text(context.t("reassign.cancelled"))
        return
    cb = unpack(query.data, "ad")
    result = await reassign.reassign_all(
        context.crm, context.me, cb.int_arg(0), cb.int_arg(1), token=cb.arg(2)
    )
    # A repeated press (double tap, another instance) shows what the first one did.
    await query.answer(context.t("confirm.already_done") if result.repeated else None)
    await query.edit_message_text(
        context.t(
            "reassign.done",
            source=html.escape(result.source.code),
            target=html.escape(result.target.code),
            followups=result.open_followups,
            terceros=result.terceros,
        ),
        parse_mode=ParseMode.HTML,
    )


async def on_tercero_button(update: Update, context: CrmContext) -> None:
    """``te:reasg:T`` pick a person → ``te:reasgto:T:U`` confirm → ``te:reasgok:T:U`` move."""
    query = update.callback_query
    assert query is not None and query.message is not None
    cb = unpack(query.data, "te")
    tercero_id = cb.int_arg(0)
    crm, me = context.crm, context.me
    if cb.action == "reasg":
        page = int(cb.arg(1, "0")) if cb.arg(1, "0").isdigit() else 0
        people = await reassign.tercero_candidates(crm, me, tercero_id)
        pages = max(1, -(-len(people) // PICK_PAGE))
        page = min(page, pages - 1)
        rows = [
            [
                InlineKeyboardButton(
                    f"{p.code} · {p.name}"[:60],
                    callback_data=pack("te", "reasgto", tercero_id, p.id),
                )
            ]
            for p in people[page * PICK_PAGE : (page + 1) * PICK_PAGE]
        ]
        nav = keyboards.pager(page, pages, lambda p: pack("te", "reasg", tercero_id, p))
        if nav:
            rows.append(nav)
        text = context.t("reassign.pick") if people else context.t("reassign.nobody")
        markup = InlineKeyboardMarkup(rows) if rows else None
        await query.answer()
        if len(cb.args) > 1:  # paging: edit the picker in place
            await query.edit_message_text(text, reply_markup=markup)
        else:
            await context.bot.send_message(query.message.chat.id, text, reply_markup=markup)
    elif cb.action == "reasgto":
        preview = await reassign.preview_tercero(crm, me, tercero_id, cb.int_arg(1))
        markup = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.t("reassign.confirm"),
                        callback_data=pack(
                            "te",
                            "reasgok",
                            tercero_id,
                            preview.target.id,
                            confirmations.new_token(),
                        ),
                    ),
                    InlineKeyboardButton(context.t("reassign.cancel"), callback_data="ad:rsgno"),
                ]
            ]
        )
        await query.answer()
        await query.edit_message_text(
            context.t(
                "reassign.tercero_preview",
                tercero=html.escape(preview.tercero_name),
                source=html.escape(preview.source.code if preview.source else "—"),
                target=html.escape(preview.target.code),
                followups=preview.open_followups,
            ),
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    elif cb.action == "reasgok":
        done = await reassign.reassign_tercero(
            crm, me, tercero_id, cb.int_arg(1), token=cb.arg(2)
        )
        await query.answer(context.t("confirm.already_done") if done.repeated else None)
        await query.edit_message_text(
            context.t(
                "reassign.tercero_done",
                tercero=html.escape(done.tercero_name),
                target=html.escape(done.target.code),
                followups=done.open_followups,
            ),
            parse_mode=ParseMode.HTML,
        )
    else:
        raise BadCallback("unknown action")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("reasignar", reasignar))
    app.add_handler(CallbackQueryHandler(on_book_button, pattern=BOOK_PATTERN))
    app.add_handler(CallbackQueryHandler(on_tercero_button, pattern=TERCERO_PATTERN))
