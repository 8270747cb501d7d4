"""/reasignar CODE_DESDE CODE_HASTA and the tercero card's "Reasignar" button
(links.ReassignTercero, ``rs:ter:ID``). Both show what will move and wait for a confirmation
press (callback prefix ``rs``)."""

from __future__ import annotations

import html
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.kernel import paging
from crm.people import reassign
from handlers import callbacks, confirm, keyboards
from handlers.callbacks import BadCallback, CallbackData, parse
from handlers.context import CrmContext
from handlers.links import ReassignTercero

PREFIX = "rs"
PICK_PAGE = 10


# --- the buttons' data (the card's Reasignar is links.ReassignTercero) ----------------------


@dataclass(frozen=True)
class PickerPage(CallbackData, prefix=PREFIX, action="pg"):
    """◀ ▶ of the new account manager's picker (edits the picker in place)."""

    tercero_id: int
    page: int


@dataclass(frozen=True)
class ReassignTo(CallbackData, prefix=PREFIX, action="to"):
    """A person picked for the tercero: what would move, and the confirmation."""

    tercero_id: int
    user_id: int


@dataclass(frozen=True)
class ReassignOk(CallbackData, prefix=PREFIX, action="ok"):
    tercero_id: int
    user_id: int
    token: str


@dataclass(frozen=True)
class ReassignBookOk(CallbackData, prefix=PREFIX, action="book"):
    """/reasignar's ✅ Confirmar: everything of ``source_id`` goes to ``target_id``."""

    source_id: int
    target_id: int
    token: str


@dataclass(frozen=True)
class ReassignCancel(CallbackData, prefix=PREFIX, action="no"):
    """✖ Cancelar of both confirmations."""


# --- /reasignar ------------------------------------------------------------------------------


async def reasignar(update: Update, context: CrmContext) -> None:
    """Show the counts that would move from one person to another, with a confirm button."""
    message = update.effective_message
    assert message is not None
    args = context.args or []
    if len(args) != 2:
        await message.reply_text(context.t("reassign.usage"), parse_mode=ParseMode.HTML)
        return
    preview = await reassign.preview_reassign(context.crm, context.me, args[0], args[1])
    source_id, target_id = preview.source.id, preview.target.id
    markup = await confirm.markup(
        context,
        lambda token: ReassignBookOk(source_id, target_id, token),
        cancel=ReassignCancel(),
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


# --- buttons ---------------------------------------------------------------------------------


async def on_button(update: Update, context: CrmContext) -> None:
    """Every ``rs:`` press: the tercero's picker → its confirmation → the move; /reasignar's
    confirmation; ✖ Cancelar. The use cases re-check the people and the permission."""
    query = update.callback_query
    assert query is not None
    match parse(query.data, PREFIX):
        case ReassignTercero(tercero_id=tercero_id):
            await _picker(update, context, tercero_id, 0, edit=False)
        case PickerPage(tercero_id=tercero_id, page=page):
            await _picker(update, context, tercero_id, page, edit=True)
        case ReassignTo() as data:
            await _confirm_tercero(update, context, data)
        case ReassignOk() as data:
            await _reassign_tercero(update, context, data)
        case ReassignBookOk() as data:
            await _reassign_book(update, context, data)
        case ReassignCancel():
            await query.answer()
            await query.edit_message_text(context.t("reassign.cancelled"))
        case _:
            raise BadCallback("not a reassignment button")


async def _reassign_book(update: Update, context: CrmContext, data: ReassignBookOk) -> None:
    """Confirm a /reasignar."""
    query = update.callback_query
    assert query is not None
    result = await reassign.reassign_all(
        context.crm, context.me, data.source_id, data.target_id, token=data.token
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


async def _picker(
    update: Update, context: CrmContext, tercero_id: int, page: int, *, edit: bool
) -> None:
    """The people the tercero can go to, a page at a time: a new message from the card,
    edited in place when paging."""
    query = update.callback_query
    assert query is not None and query.message is not None
    people = await reassign.tercero_candidates(context.crm, context.me, tercero_id)
    page, pages = paging.window(len(people), PICK_PAGE, page)
    rows = [
        [keyboards.button(f"{p.code} · {p.name}"[:60], ReassignTo(tercero_id, p.id))]
        for p in people[page * PICK_PAGE : (page + 1) * PICK_PAGE]
    ]
    nav = keyboards.pager(page, pages, lambda p: PickerPage(tercero_id, p))
    if nav:
        rows.append(nav)
    text = context.t("reassign.pick") if people else context.t("reassign.nobody")
    markup = InlineKeyboardMarkup(rows) if rows else None
    await query.answer()
    if edit:
        await query.edit_message_text(text, reply_markup=markup)
    else:
        await context.bot.send_message(query.message.chat.id, text, reply_markup=markup)


async def _confirm_tercero(update: Update, context: CrmContext, data: ReassignTo) -> None:
    """What would move to the person picked, with ✅ Confirmar."""
    query = update.callback_query
    assert query is not None
    preview = await reassign.preview_tercero(
        context.crm, context.me, data.tercero_id, data.user_id
    )
    tercero_id, target_id = data.tercero_id, preview.target.id
    markup = await confirm.markup(
        context,
        lambda token: ReassignOk(tercero_id, target_id, token),
        cancel=ReassignCancel(),
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


async def _reassign_tercero(update: Update, context: CrmContext, data: ReassignOk) -> None:
    """Move the tercero and its open follow-ups (once, whatever the presses)."""
    query = update.callback_query
    assert query is not None
    done = await reassign.reassign_tercero(
        context.crm, context.me, data.tercero_id, data.user_id, token=data.token
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


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("reasignar", reasignar))
    app.add_handler(CallbackQueryHandler(on_button, pattern=callbacks.pattern(PREFIX)))
