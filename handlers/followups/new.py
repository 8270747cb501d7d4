"""/nuevo: tercero → type → (owner) → due → note → confirm. Nothing is written before the
confirmation; the answers live in ``context.user_data["nv"]`` (JSON, survives restarts) and
the typed steps are questions of the one pending-question router (``handlers/asking.py``)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.followups import agenda as agenda_uc
from crm.followups import lifecycle as followups_uc
from crm.followups import new as uc
from crm.kernel.errors import InvalidInput
from crm.kernel.formatting import local_datetime, relative
from handlers import asking
from handlers.callbacks import BadCallback, CallbackData
from handlers.context import CrmContext
from handlers.errors import explain
from handlers.followups.render import card_markup, card_text
from handlers.links import NewForTercero

PREFIX = "nv"
DATA = "nv"
asking.register_flow("nv.", DATA)  # /cancelar and ✖ Cancelar forget a half-made /nuevo

# The typed steps (questions); type, owner and confirmation are buttons only.
NV_TERCERO = "nv.tercero"
NV_DUE = "nv.due"
NV_NOTE = "nv.note"


# --- the buttons' data ------------------------------------------------------------------------


@dataclass(frozen=True)
class PickTercero(CallbackData, prefix=PREFIX, action="t"):
    tercero_id: int


@dataclass(frozen=True)
class PickType(CallbackData, prefix=PREFIX, action="y"):
    type_id: int


@dataclass(frozen=True)
class PickOwner(CallbackData, prefix=PREFIX, action="o"):
    user_id: int


@dataclass(frozen=True)
class DueInHours(CallbackData, prefix=PREFIX, action="h"):
    hours: int


@dataclass(frozen=True)
class DueTomorrow(CallbackData, prefix=PREFIX, action="m"):
    pass


@dataclass(frozen=True)
class NoNote(CallbackData, prefix=PREFIX, action="n"):
    pass


@dataclass(frozen=True)
class Create(CallbackData, prefix=PREFIX, action="ok"):
    pass


@dataclass(frozen=True)
class Cancel(CallbackData, prefix=PREFIX, action="x"):
    pass


def _b(label: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def _cancel_row(context: CrmContext) -> list[InlineKeyboardButton]:
    return [_b(context.t("nv.b_cancel"), Cancel())]


def _data(context: CrmContext) -> dict[str, Any]:
    data = context.user_data.get(DATA)  # type: ignore[union-attr]
    if not isinstance(data, dict):
        # A press from an old keyboard after the conversation ended.
        raise BadCallback("no /nuevo in progress")
    return data


async def _say(
    update: Update, context: CrmContext, text: str, rows: list[list[InlineKeyboardButton]]
) -> None:
    """Edit the pressed message, or reply to a typed one."""
    markup = InlineKeyboardMarkup(rows) if rows else None
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        await update.callback_query.answer()
    else:
        assert update.effective_message is not None
        await update.effective_message.reply_text(
            text, parse_mode=ParseMode.HTML, reply_markup=markup
        )


async def _ask(
    update: Update,
    context: CrmContext,
    kind: str,
    text: str,
    rows: list[list[InlineKeyboardButton]] | None = None,
) -> None:
    await asking.ask(update, context, kind, text, buttons=rows, what=context.t(f"ask.what.{kind}"))


def _buttons_only(context: CrmContext) -> None:
    """A step answered by buttons: no typed /nuevo answer is waited for any more."""
    asking.clear(context, prefix="nv.")


# --- step 1: tercero -------------------------------------------------------------------------


async def start(update: Update, context: CrmContext) -> object:
    """/nuevo [texto]: start (or restart) the conversation."""
    context.user_data[DATA] = {}  # type: ignore[index]
    if context.args:
        return await _search(update, context, " ".join(context.args))
    await _ask(update, context, NV_TERCERO, context.t("nv.ask_tercero"))
    return NV_TERCERO


async def start_with_tercero(update: Update, context: CrmContext) -> object:
    """``nv:ter:ID`` from a tercero card: the tercero is already chosen."""
    assert update.callback_query is not None
    cb = NewForTercero.unpack(update.callback_query.data)
    context.user_data[DATA] = {}  # type: ignore[index]
    return await _choose_tercero(update, context, cb.tercero_id)


@asking.answer(NV_TERCERO)
async def typed_search(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """Part of the name or the NIT."""
    assert update.effective_message is not None
    _data(context)
    await _search(update, context, update.effective_message.text or "")
    return False  # the results are the same question again: another text searches anew


async def _search(update: Update, context: CrmContext, text: str) -> object:
    try:
        found = await uc.find_terceros_for_new(context.crm, context.me, text)
    except InvalidInput as exc:
        await _ask(update, context, NV_TERCERO, explain(context, exc))
        return NV_TERCERO
    if not found.results:
        text = context.t("nv.no_results", text=html.escape(text.strip()))
        await _ask(update, context, NV_TERCERO, text)
        return NV_TERCERO
    rows = [[_b(f"{t.name[:40]} · {t.nit}", PickTercero(t.id))] for t in found.results]
    key = "nv.results_more" if found.more else "nv.results"
    await _ask(update, context, NV_TERCERO, context.t(key, count=len(found.results)), rows)
    return NV_TERCERO


async def tercero_chosen(update: Update, context: CrmContext) -> object:
    """A result button."""
    assert update.callback_query is not None
    cb = PickTercero.unpack(update.callback_query.data)
    _data(context)
    return await _choose_tercero(update, context, cb.tercero_id)


async def _choose_tercero(update: Update, context: CrmContext, tercero_id: int) -> object:
    tercero = await uc.tercero_for_new(context.crm, context.me, tercero_id)
    data = _data(context)
    _buttons_only(context)
    data.update(tercero_id=tercero.id, tercero=tercero.name, nit=tercero.nit)
    types = await followups_uc.list_types(context.crm)
    rows = [[_b(f"{t.name} ({t.hours} h)", PickType(t.id))] for t in types]
    rows.append(_cancel_row(context))
    text = context.t("nv.ask_type", tercero=html.escape(tercero.name))
    await _say(update, context, text, rows)
    return None


# --- step 2: type (and owner) ----------------------------------------------------------------


async def type_chosen(update: Update, context: CrmContext) -> object:
    """A type button; supervisors and admins then pick the owner."""
    assert update.callback_query is not None
    cb = PickType.unpack(update.callback_query.data)
    data = _data(context)
    types = {t.id: t for t in await followups_uc.list_types(context.crm)}
    chosen = types.get(cb.type_id)
    if chosen is None:
        raise InvalidInput("error.unknown_type")
    data.update(type_id=chosen.id, type=chosen.name, hours=chosen.hours)
    if context.me.is_agent:
        data.update(owner_id=context.me.id, owner=context.me.name)
        return await _ask_due(update, context)
    agents = await agenda_uc.agents_in_scope(context.crm, context.me)
    rows = [[_b(f"{a.name} ({a.code})", PickOwner(a.id))] for a in agents[:90]]
    rows.append(_cancel_row(context))
    await _say(update, context, context.t("nv.ask_owner"), rows)
    return None


async def owner_chosen(update: Update, context: CrmContext) -> object:
    """An owner button (only offered to supervisors and admins, re-checked here)."""
    assert update.callback_query is not None
    cb = PickOwner.unpack(update.callback_query.data)
    data = _data(context)
    agents = {a.id: a for a in await agenda_uc.agents_in_scope(context.crm, context.me)}
    owner = agents.get(cb.user_id)
    if owner is None:
        raise InvalidInput("error.owner_inactive")
    data.update(owner_id=owner.id, owner=owner.name)
    return await _ask_due(update, context)


# --- step 3: due -----------------------------------------------------------------------------


async def _ask_due(update: Update, context: CrmContext) -> object:
    data = _data(context)
    hours = sorted({4, int(data["hours"])})
    rows = [[_b(context.t("nv.b_in_hours", hours=h), DueInHours(h)) for h in hours]]
    rows.append([_b(context.t("nv.b_tomorrow"), DueTomorrow())])
    await _ask(update, context, NV_DUE, context.t("nv.ask_due"), rows)
    return NV_DUE


async def due_in_hours_pressed(update: Update, context: CrmContext) -> object:
    """ "en N h"."""
    assert update.callback_query is not None
    cb = DueInHours.unpack(update.callback_query.data)
    _data(context)
    return await _due_set(update, context, uc.due_in_hours(context.crm.now(), cb.hours))


async def due_tomorrow_pressed(update: Update, context: CrmContext) -> object:
    """ "mañana 8:00"."""
    assert update.callback_query is not None
    DueTomorrow.unpack(update.callback_query.data)
    _data(context)
    due = uc.tomorrow_morning(context.crm.now(), context.crm.tz)
    return await _due_set(update, context, due)


@asking.answer(NV_DUE)
async def due_typed(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """A typed due in local time (the shared grammar: dates, ``en 5 h``, ``mañana 8:00``);
    past dates are refused."""
    assert update.effective_message is not None
    _data(context)
    try:
        due = uc.parse_due(update.effective_message.text or "", context.crm.now(), context.crm.tz)
    except InvalidInput as exc:
        await update.effective_message.reply_text(
            explain(context, exc) + "\n\n" + context.t("nv.ask_due"),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[asking.cancel_button(context)]]),
        )
        return False
    await _due_set(update, context, due)
    return False  # _due_set asked the next question (the note)


async def _due_set(update: Update, context: CrmContext, due: datetime) -> object:
    _data(context)["due"] = due.isoformat()
    rows = [[_b(context.t("nv.b_no_note"), NoNote())]]
    await _ask(update, context, NV_NOTE, context.t("nv.ask_note"), rows)
    return NV_NOTE


# --- step 4: note and confirmation -----------------------------------------------------------


@asking.answer(NV_NOTE)
async def note_typed(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """An optional note (up to 1000 characters)."""
    assert update.effective_message is not None
    data = _data(context)
    try:
        data["note"] = followups_uc.clean_note(update.effective_message.text)
    except InvalidInput as exc:
        await update.effective_message.reply_text(
            explain(context, exc) + "\n\n" + context.t("nv.ask_note"),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup([[asking.cancel_button(context)]]),
        )
        return False
    await _confirm(update, context)
    return True


async def no_note(update: Update, context: CrmContext) -> object:
    """The "Sin nota" button."""
    _data(context)["note"] = None
    _buttons_only(context)
    return await _confirm(update, context)


async def _confirm(update: Update, context: CrmContext) -> object:
    data = _data(context)
    due = datetime.fromisoformat(data["due"])
    text = context.t(
        "nv.summary",
        tercero=html.escape(data["tercero"]),
        nit=html.escape(data["nit"]),
        type=html.escape(data["type"]),
        owner=html.escape(data.get("owner") or ""),
        due=local_datetime(due, context.crm.tz),
        relative=relative(due, context.crm.now(), context.lang),
        note=html.escape(data.get("note") or "—"),
    )
    rows = [[_b(context.t("nv.b_create"), Create()), _b(context.t("nv.b_cancel"), Cancel())]]
    await _say(update, context, text, rows)
    return None


async def confirm(update: Update, context: CrmContext) -> object:
    """Create the follow-up (the only write of the conversation) and show its card."""
    assert update.callback_query is not None
    data = _data(context)
    card = await followups_uc.create_followup(
        context.crm,
        context.me,
        tercero_id=int(data["tercero_id"]),
        type_id=int(data["type_id"]),
        due_at=datetime.fromisoformat(data["due"]),
        note=data.get("note"),
        owner_id=data.get("owner_id"),
    )
    context.user_data.pop(DATA, None)  # type: ignore[union-attr]
    _buttons_only(context)
    await update.callback_query.edit_message_text(
        card_text(card, context),
        parse_mode=ParseMode.HTML,
        reply_markup=card_markup(card, context),
        disable_web_page_preview=True,
    )
    await update.callback_query.answer(context.t("nv.done", id=card.id))
    return None


async def cancel_button(update: Update, context: CrmContext) -> object:
    """The "Cancelar" button of any step."""
    assert update.callback_query is not None
    context.user_data.pop(DATA, None)  # type: ignore[union-attr]
    _buttons_only(context)
    await update.callback_query.edit_message_text(context.t("cancel.done"))
    await update.callback_query.answer()
    return None


# --- wiring --------------------------------------------------------------------------------


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("nuevo", start))
    presses: list[tuple[type[CallbackData], Any]] = [
        (NewForTercero, start_with_tercero),
        (PickTercero, tercero_chosen),
        (PickType, type_chosen),
        (PickOwner, owner_chosen),
        (DueInHours, due_in_hours_pressed),
        (DueTomorrow, due_tomorrow_pressed),
        (NoNote, no_note),
        (Create, confirm),
        (Cancel, cancel_button),
    ]
    for data, callback in presses:
        app.add_handler(CallbackQueryHandler(callback, pattern=data.pattern()))
