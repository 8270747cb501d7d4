"""Support-document letters from the follow-up card: ``fu:doc:ID`` lists the documents,
``fu:letter:ID:DOC`` sends the filled one. Registered before the card's ``^fu:`` handlers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from crm import letters
from handlers.callbacks import BadCallback, pack, unpack
from handlers.context import CrmContext

PATTERN = r"^fu:(doc|letter):"


async def on_button(update: Update, context: CrmContext) -> None:
    """List the support documents, or render and send one as a document."""
    query = update.callback_query
    assert query is not None and query.message is not None
    cb = unpack(query.data, "fu")
    followup_id = cb.int_arg(0)
    chat_id = query.message.chat.id
    if cb.action == "doc":
        choices = await letters.support_documents_for(context.crm, context.me, followup_id)
        await query.answer()
        if not choices:
            await context.bot.send_message(chat_id, context.t("letters.none"))
            return
        rows = [
            [
                InlineKeyboardButton(
                    ("📎 " if c.is_file else "📝 ") + c.name[:58],
                    callback_data=pack("fu", "letter", followup_id, c.id),
                )
            ]
            for c in choices
        ]
        await context.bot.send_message(
            chat_id,
            context.t("letters.pick", id=followup_id),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(rows),
        )
    elif cb.action == "letter":
        letter = await letters.render_letter(context.crm, context.me, followup_id, cb.int_arg(1))
        document: str | InputFile = (
            letter.file_id
            if letter.file_id
            else InputFile(letter.content or b"", filename=letter.filename)
        )
        await context.bot.send_document(
            chat_id, document, caption=context.t("letters.caption", id=followup_id)
        )
        await query.answer(context.t("letters.sent"))
    else:
        raise BadCallback("unknown action")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_button, pattern=PATTERN))
