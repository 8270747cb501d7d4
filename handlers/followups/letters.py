"""Support-document letters from the follow-up card (prefix ``lt``): ``lt:doc:FOLLOWUP_ID``
(:class:`handlers.links.SupportDocuments`, the card's ✉️ Documento soporte) lists the
documents, ``lt:pick:FOLLOWUP_ID:DOCUMENT_ID`` sends the filled one."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from crm.followups import letters
from handlers.callbacks import CallbackData
from handlers.context import CrmContext
from handlers.links import SupportDocuments

PREFIX = "lt"


# --- the buttons' data -----------------------------------------------------------------------


@dataclass(frozen=True)
class PickLetter(CallbackData, prefix=PREFIX, action="pick"):
    """One support document of the list: render it for the follow-up and send it."""

    followup_id: int
    document_id: int


# --- presses ---------------------------------------------------------------------------------


async def list_documents(update: Update, context: CrmContext) -> None:
    """The support documents that can be rendered for the follow-up, one button each."""
    query = update.callback_query
    assert query is not None and query.message is not None
    followup_id = SupportDocuments.unpack(query.data).followup_id
    chat_id = query.message.chat.id
    choices = await letters.support_documents_for(context.crm, context.me, followup_id)
    await query.answer()
    if not choices:
        await context.bot.send_message(chat_id, context.t("letters.none"))
        return
    rows = [
        [
            InlineKeyboardButton(
                ("📎 " if c.is_file else "📝 ") + c.name[:58],
                callback_data=PickLetter(followup_id, c.id).pack(),
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


async def send_letter(update: Update, context: CrmContext) -> None:
    """Render the chosen document and send it as a file."""
    query = update.callback_query
    assert query is not None and query.message is not None
    data = PickLetter.unpack(query.data)
    letter = await letters.render_letter(
        context.crm, context.me, data.followup_id, data.document_id
    )
    document: str | InputFile = (
        letter.file_id
        if letter.file_id
        else InputFile(letter.content or b"", filename=letter.filename)
    )
    await context.bot.send_document(
        query.message.chat.id,
        document,
        caption=context.t("letters.caption", id=data.followup_id),
    )
    await query.answer(context.t("letters.sent"))


def register(app: Application) -> None:  # type: ignore[type-arg]
    for data, callback in ((SupportDocuments, list_documents), (PickLetter, send_letter)):
        app.add_handler(CallbackQueryHandler(callback, pattern=data.pattern()))
