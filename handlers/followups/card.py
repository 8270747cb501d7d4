"""The follow-up card (``fu:open:ID``) and every action on it: postpone, close (and
continue), discard, activity, observation, attachment and history.

Menus swap the card's keyboard; typed answers (hours, notes, reasons, files) are questions of
the one pending-question router (``handlers/asking.py``). Mutating buttons carry the version.
"""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler

from crm.followups import lifecycle as uc
from crm.followups.new import parse_due, tomorrow_morning
from crm.kernel.errors import AlreadyFinished, InvalidInput, StaleVersion
from crm.kernel.formatting import day, distance_text, local_datetime, money, relative
from crm.kernel.views import EventView, FollowUpView, LineageView
from crm.ley2300.guard import ContactBlocked
from handlers import asking, guard_text, keyboards
from handlers.callbacks import BadCallback, CallbackData, parse, pattern
from handlers.context import CrmContext
from handlers.errors import explain
from handlers.links import (
    CloseMenu,
    ContactMenu,
    FollowupCard,
    OpenFollowup,
    OpenTercero,
    RegisterVisit,
    ReportPayment,
    StartPromise,
    SupportDocuments,
)
from handlers.phones import phone_list
from handlers.texts import CATALOG

PREFIX = "fu"
# What a press returns: END when it finished what the card's prompt asked (the prompt's own
# question, if pressed there, is over); KEEP for read-only presses (open, menus, history),
# which leave any pending question alone: browsing another card must not throw it away.
END = "end"
KEEP = None

# Question kinds (handlers/asking.py): each is answered by a typed text, or a file.
FU_HOURS = "fu.hours"
FU_CLOSE_NOTE = "fu.close_note"
FU_CONT_DUE = "fu.cont_due"
FU_DISCARD_REASON = "fu.discard_reason"
FU_ACTIVITY_NOTE = "fu.activity_note"
FU_OBSERVATION = "fu.observation"
FU_ATTACH = "fu.attach"
QUESTION_KEYS = {
    FU_HOURS: "fu.ask_hours",
    FU_CLOSE_NOTE: "fu.ask_close_note",
    FU_CONT_DUE: "fu.ask_cont_due",
    FU_DISCARD_REASON: "fu.ask_discard_reason",
    FU_ACTIVITY_NOTE: "fu.ask_activity_note",
    FU_OBSERVATION: "fu.ask_observation",
    FU_ATTACH: "fu.ask_attach",
}

MAX_MESSAGE = 4096
HISTORY_PAGE_CHARS = 3300
CARD_EVENT_CHARS = 70
EFFECT_ICONS = {"progress": "📈", "regression": "📉", "neutral": "➖"}
FILE_ICONS = {"photo": "📷", "document": "📄", "location": "📍"}


# --- the buttons' data -----------------------------------------------------------------------
# fu:open, fu:card and fu:cl are in handlers/links.py (other screens show them too). Buttons
# that change the follow-up carry the ``version`` the card showed: a press on an old card is
# refused (StaleVersion) and the card redrawn as it is now.


@dataclass(frozen=True)
class PostponeMenu(CallbackData, prefix=PREFIX, action="pp"):
    """⏰ Posponer: the +N h choices."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class PostponeHours(CallbackData, prefix=PREFIX, action="ph"):
    followup_id: int
    version: int
    hours: int


@dataclass(frozen=True)
class PostponeOther(CallbackData, prefix=PREFIX, action="po"):
    """Asks for a typed number of hours."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class CloseWithState(CallbackData, prefix=PREFIX, action="cs"):
    """A closing state was picked: asks for the optional note."""

    followup_id: int
    version: int
    state_id: int


@dataclass(frozen=True)
class CloseNoNote(CallbackData, prefix=PREFIX, action="cn"):
    followup_id: int
    version: int
    state_id: int


@dataclass(frozen=True)
class StateMenu(CallbackData, prefix=PREFIX, action="st"):
    """The open-meaning states to move to without closing."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class SetState(CallbackData, prefix=PREFIX, action="ss"):
    followup_id: int
    version: int
    state_id: int


@dataclass(frozen=True)
class ContinueMenu(CallbackData, prefix=PREFIX, action="co"):
    """A closed follow-up's Continuar: when the continuation is due."""

    followup_id: int


@dataclass(frozen=True)
class ContinueInHours(CallbackData, prefix=PREFIX, action="cg"):
    followup_id: int
    hours: int


@dataclass(frozen=True)
class ContinueTomorrow(CallbackData, prefix=PREFIX, action="cm"):
    followup_id: int


@dataclass(frozen=True)
class ContinueOtherDate(CallbackData, prefix=PREFIX, action="ct"):
    """Asks for a typed due date of the continuation."""

    followup_id: int


@dataclass(frozen=True)
class DiscardMenu(CallbackData, prefix=PREFIX, action="ds"):
    followup_id: int
    version: int


@dataclass(frozen=True)
class DiscardWithState(CallbackData, prefix=PREFIX, action="dx"):
    followup_id: int
    version: int
    state_id: int


@dataclass(frozen=True)
class DiscardWriteReason(CallbackData, prefix=PREFIX, action="dr"):
    """Asks for a typed discard reason."""

    followup_id: int
    version: int


@dataclass(frozen=True)
class ActivityMenu(CallbackData, prefix=PREFIX, action="ac"):
    followup_id: int
    version: int


@dataclass(frozen=True)
class PickActivity(CallbackData, prefix=PREFIX, action="aa"):
    """An activity was picked: it is recorded (a contact through the Ley 2300 guard), then
    the optional note is asked for."""

    followup_id: int
    version: int
    activity_id: int


@dataclass(frozen=True)
class ActivityNoNote(CallbackData, prefix=PREFIX, action="an"):
    """«Sin nota» under a recorded activity (``event_id``); without it (a button drawn
    before activities were recorded at the pick) it records the activity."""

    followup_id: int
    version: int
    activity_id: int
    event_id: int | None = None


@dataclass(frozen=True)
class AskObservation(CallbackData, prefix=PREFIX, action="ob"):
    followup_id: int
    version: int


@dataclass(frozen=True)
class AskAttachment(CallbackData, prefix=PREFIX, action="at"):
    followup_id: int
    version: int


@dataclass(frozen=True)
class History(CallbackData, prefix=PREFIX, action="hi"):
    """A page (0-based) of the whole lineage's history."""

    followup_id: int
    page: int


@dataclass(frozen=True)
class ResendAttachment(CallbackData, prefix=PREFIX, action="rs"):
    """A history line's attachment, sent again."""

    event_id: int


# --- rendering -------------------------------------------------------------------------------


def _short(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def event_line(event: EventView, context: CrmContext, limit: int | None = None) -> str:
    """One event: when, what (with its details) and who."""
    tz = context.crm.tz
    kind = event.kind
    if kind == "attachment":
        label = context.t(f"fu.ev.attachment_{event.file_kind or 'document'}")
    elif f"fu.ev.{kind}" in CATALOG["es"]:
        label = context.t(f"fu.ev.{kind}")
    else:
        label = context.t("fu.ev.other", kind=html.escape(kind))
    details: list[str] = []
    if kind == "postponed" and event.from_due and event.to_due:
        details.append(
            f"{local_datetime(event.from_due, tz)} → {local_datetime(event.to_due, tz)}"
        )
    elif kind == "created" and event.to_due:
        details.append(context.t("fu.ev.due", due=local_datetime(event.to_due, tz)))
    if event.activity:
        icon = EFFECT_ICONS.get(event.activity_effect or "neutral", "")
        details.append(f"{icon} {html.escape(event.activity)}".strip())
    if event.state:
        details.append(html.escape(event.state))
    if kind == "visit":
        details.append(visit_detail(event, context))
    if event.latitude is not None and event.longitude is not None:
        details.append(f"{event.latitude:.5f}, {event.longitude:.5f}")
    if event.text:
        text = event.text if limit is None else _short(event.text, limit)
        details.append(f"«{html.escape(text)}»")
    who = html.escape(event.actor_name or context.t("fu.system"))
    detail = (": " + " · ".join(details)) if details else ""
    return f"{local_datetime(event.at, tz)} · {label}{detail} — {who}"


def card_text(card: FollowUpView, context: CrmContext) -> str:
    """Tercero, type, state, due, owner, document and the last events, as HTML."""
    tz = context.crm.tz
    now = context.crm.now()
    ter = card.tercero
    lines = [
        context.t("fu.card_title", id=card.id, type=html.escape(card.type_name)),
        f"👤 <b>{html.escape(ter.name)}</b> · NIT {html.escape(ter.nit)}",
    ]
    if ter.phones:
        lines.append("📞 " + phone_list(ter.phones))
    place = ", ".join(p for p in (ter.address, ter.city) if p)
    if place:
        lines.append("📍 " + html.escape(place))
    state = f" ({html.escape(card.state)})" if card.state else ""
    lines.append(context.t(f"fu.card_status_{card.status}", state=state))
    if card.is_active:
        lines.append(
            context.t(
                "fu.card_due",
                due=local_datetime(card.due_at, tz),
                relative=relative(card.due_at, now, context.lang),
            )
        )
    elif card.closed_at:
        lines.append(context.t("fu.card_finished_at", at=local_datetime(card.closed_at, tz)))
    lines.append(
        context.t(
            "fu.card_owner", name=html.escape(card.owner_name), code=html.escape(card.owner_code)
        )
    )
    if card.document:
        doc = card.document
        due = context.t("fu.card_doc_due", due=day(doc.due_date)) if doc.due_date else ""
        lines.append(
            context.t(
                "fu.card_document",
                doc=html.escape(doc.label),
                balance=money(doc.balance),
                value=money(doc.value),
                due=due,
            )
        )
    if card.parent_id:
        lines.append(context.t("fu.card_parent", id=card.parent_id))
    if card.note:
        lines.append(context.t("fu.card_note", note=html.escape(_short(card.note, 300))))
    if card.events:
        lines.append("")
        lines.append(context.t("fu.card_events"))
        lines.extend("• " + event_line(e, context, CARD_EVENT_CHARS) for e in card.events)
    text = "\n".join(lines)
    # Every part above is bounded; drop old events if a future change ever overflows.
    while len(text) > MAX_MESSAGE and len(lines) > 3:
        lines.pop(-len(card.events) or -1)
        text = "\n".join(lines)
    return text


_b = keyboards.button


def card_markup(card: FollowUpView, context: CrmContext) -> InlineKeyboardMarkup:
    """The action buttons; finished follow-ups keep only what still makes sense."""
    t = context.t
    tercero = _b(t("fu.b_tercero"), OpenTercero(card.tercero.id))
    history = _b(t("fu.b_history"), History(card.id, 0))
    if card.is_active:
        fid, v = card.id, card.version
        rows = [
            [_b(t("fu.b_postpone"), PostponeMenu(fid, v)), _b(t("fu.b_close"), CloseMenu(fid, v))],
            [
                _b(t("fu.b_activity"), ActivityMenu(fid, v)),
                _b(t("fu.b_observation"), AskObservation(fid, v)),
            ],
            [
                _b(t("fu.b_attach"), AskAttachment(fid, v)),
                _b(t("fu.b_discard"), DiscardMenu(fid, v)),
            ],
        ]
        extras = [
            _b(t("fu.b_state"), StateMenu(fid, v)),
            _b(t("fu.b_support"), SupportDocuments(fid)),
        ]
        # Cobranza: a contact through the Ley 2300 guard (handlers/contacts.py), a receipt
        # (handlers/payments.py).
        cobranza = [_b(t("ct.b_contact"), ContactMenu(fid))]
        if card.document is not None:
            # Promises to pay are about a cartera document (handlers/cartera.py).
            extras.append(_b(t("fu.b_promise"), StartPromise(fid)))
            cobranza.append(_b(t("pg.b_report"), ReportPayment(fid)))
        visit = [_b(t("visit.b_register"), RegisterVisit(fid))]
        rows += [cobranza, extras, visit, [history, tercero]]
    elif card.status == "closed" and card.continued_by is not None:
        # Continued already: the lineage goes on from the continuation, not from here.
        child = _b(t("fu.b_child", id=card.continued_by), FollowupCard(card.continued_by))
        rows = [[child], [history, tercero]]
    elif card.status == "closed":
        rows = [[_b(t("fu.b_continue"), ContinueMenu(card.id))], [history, tercero]]
    else:
        rows = [[history, tercero]]
    return InlineKeyboardMarkup(rows)


def visit_detail(event: EventView, context: CrmContext) -> str:
    """A visit in the card's events and the history: verified (distance) · duration."""
    parts = []
    if event.verified:
        distance = distance_text(event.distance_m or 0, context.lang)
        parts.append(context.t("fu.ev.visit_verified", distance=distance))
    else:
        parts.append(context.t("fu.ev.visit_unverified"))
        if event.distance_m is not None:
            parts[-1] += f" ({distance_text(event.distance_m, context.lang)})"
    if event.ended_at is not None:
        minutes = max(0, round((event.ended_at - event.at).total_seconds() / 60))
        parts.append(context.t("fu.ev.visit_minutes", minutes=minutes))
    return " · ".join(parts)



async def send_card(message: Message, card: FollowUpView, context: CrmContext) -> None:
    """Send the card as a new message (used by /nuevo too)."""
    await message.reply_text(
        card_text(card, context),
        parse_mode=ParseMode.HTML,
        reply_markup=card_markup(card, context),
        disable_web_page_preview=True,
    )


async def show_done_and_card(
    update: Update, context: CrmContext, card: FollowUpView, done: str
) -> None:
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


async def _edit_card(update: Update, context: CrmContext, card: FollowUpView) -> None:
    query = update.callback_query
    assert query is not None
    await query.edit_message_text(
        card_text(card, context),
        parse_mode=ParseMode.HTML,
        reply_markup=card_markup(card, context),
        disable_web_page_preview=True,
    )


async def _edit_stored_card(
    update: Update, context: CrmContext, card: FollowUpView, pending: dict[str, Any]
) -> None:
    """After typed input: redraw the card message the action started from."""
    try:
        await context.bot.edit_message_text(
            card_text(card, context),
            chat_id=pending["chat"],
            message_id=pending["msg"],
            parse_mode=ParseMode.HTML,
            reply_markup=card_markup(card, context),
            disable_web_page_preview=True,
        )
    except BadRequest:
        # Too old or deleted: show the card anew instead.
        assert update.effective_message is not None
        await send_card(update.effective_message, card, context)


def _menu(rows: list[list[InlineKeyboardButton]], back: InlineKeyboardButton) -> Any:
    return InlineKeyboardMarkup([*rows, [back]])


# --- presses ---------------------------------------------------------------------------------

Action = Callable[[Update, CrmContext, Any], Awaitable[object]]


def _query(update: Update) -> Any:
    assert update.callback_query is not None
    return update.callback_query


def back_button(context: CrmContext, fid: int) -> InlineKeyboardButton:
    """⬅ Volver: the card again, on the message pressed (every menu of the card's)."""
    return _b(context.t("fu.b_back"), FollowupCard(fid))


async def _open(update: Update, context: CrmContext, data: OpenFollowup) -> object:
    card = await uc.get_followup(context.crm, context.me, data.followup_id)
    message = _query(update).message
    assert message is not None
    await send_card(message, card, context)
    await _query(update).answer()
    return KEEP


async def _card(update: Update, context: CrmContext, data: FollowupCard) -> object:
    card = await uc.get_followup(context.crm, context.me, data.followup_id)
    await _edit_card(update, context, card)
    await _query(update).answer()
    return END


async def _postpone_menu(update: Update, context: CrmContext, data: PostponeMenu) -> object:
    fid, v = data.followup_id, data.version
    card = await uc.get_active_followup(context.crm, context.me, fid, v)
    choices = [1, 4, 24]
    row = [_b(f"+{h} h", PostponeHours(fid, v, h)) for h in choices]
    rows = [row]
    if card.type_hours not in choices:
        label = context.t(
            "fu.b_type_hours", hours=card.type_hours, type=_short(card.type_name, 24)
        )
        rows.append([_b(label, PostponeHours(fid, v, card.type_hours))])
    rows.append([_b(context.t("fu.b_other"), PostponeOther(fid, v))])
    await _query(update).edit_message_reply_markup(_menu(rows, back_button(context, fid)))
    await _query(update).answer()
    return KEEP


async def _postpone_hours(update: Update, context: CrmContext, data: PostponeHours) -> object:
    card = await uc.postpone(
        context.crm, context.me, data.followup_id, data.hours, expected_version=data.version
    )
    await _edit_card(update, context, card)
    await _query(update).answer(_done_postponed(card, context))
    return END


def _done_postponed(card: FollowUpView, context: CrmContext) -> str:
    return context.t("fu.done_postponed", due=local_datetime(card.due_at, context.crm.tz))


async def _ask(
    update: Update,
    context: CrmContext,
    step: str,
    fid: int,
    question: str,
    buttons: list[list[InlineKeyboardButton]] | None = None,
    **extra: Any,
) -> object:
    """Turn the card into a question and wait for the typed answer (replacing any other)."""
    rows = [*(buttons or []), [back_button(context, fid)]]
    await asking.ask(
        update,
        context,
        step,
        question,
        data={"id": fid, **extra},
        buttons=rows,
        what=context.t(f"ask.what.{step}", id=fid),
        redrawn=True,  # the answer redraws the card on the prompt's message
    )
    return step


async def _postpone_other(update: Update, context: CrmContext, data: PostponeOther) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    return await _ask(update, context, FU_HOURS, fid, context.t("fu.ask_hours", id=fid), v=v)


async def _close_menu(update: Update, context: CrmContext, data: CloseMenu) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    states = await uc.list_states(context.crm, "closed")
    rows = [[_b("✅ " + s.name, CloseWithState(fid, v, s.id))] for s in states]
    await _query(update).edit_message_reply_markup(_menu(rows, back_button(context, fid)))
    await _query(update).answer(context.t("fu.pick_close_state"))
    return KEEP


async def _close_state(update: Update, context: CrmContext, data: CloseWithState) -> object:
    fid, v, state = data.followup_id, data.version, data.state_id
    await uc.get_active_followup(context.crm, context.me, fid, v)
    no_note = [[_b(context.t("fu.b_no_note"), CloseNoNote(fid, v, state))]]
    question = context.t("fu.ask_close_note", id=fid)
    return await _ask(update, context, FU_CLOSE_NOTE, fid, question, no_note, v=v, state=state)


async def _close_no_note(update: Update, context: CrmContext, data: CloseNoNote) -> object:
    card = await uc.close(
        context.crm,
        context.me,
        data.followup_id,
        data.state_id,
        None,
        expected_version=data.version,
    )
    await _edit_card(update, context, card)
    await _query(update).answer(context.t("fu.done_closed"))
    return END


async def _state_menu(update: Update, context: CrmContext, data: StateMenu) -> object:
    """The open-meaning states to move the follow-up to, without closing it."""
    fid, v = data.followup_id, data.version
    card = await uc.get_active_followup(context.crm, context.me, fid, v)
    states = [s for s in await uc.list_states(context.crm, "open") if s.name != card.state]
    rows = [[_b("🏷 " + s.name, SetState(fid, v, s.id))] for s in states]
    await _query(update).edit_message_reply_markup(_menu(rows, back_button(context, fid)))
    await _query(update).answer(
        context.t("fu.pick_state") if states else context.t("fu.no_open_states")
    )
    return KEEP


async def _state_set(update: Update, context: CrmContext, data: SetState) -> object:
    card = await uc.set_state(
        context.crm, context.me, data.followup_id, data.state_id, expected_version=data.version
    )
    await _edit_card(update, context, card)
    await _query(update).answer(context.t("fu.done_state", state=card.state or ""))
    return END


async def _continue_menu(update: Update, context: CrmContext, data: ContinueMenu) -> object:
    fid = data.followup_id
    card = await uc.get_followup(context.crm, context.me, fid)
    if card.status != "closed":
        raise InvalidInput("error.continue_needs_closed")
    if card.continued_by is not None:
        # An old card's Continuar: say where the lineage goes on and redraw without it.
        await _edit_card(update, context, card)
        await _query(update).answer(
            context.t("error.already_continued", id=card.continued_by), show_alert=True
        )
        return END
    hours = sorted({card.type_hours, 24})
    rows = [[_b(context.t("fu.b_cont_hours", hours=h), ContinueInHours(fid, h)) for h in hours]]
    rows.append([_b(context.t("fu.b_tomorrow"), ContinueTomorrow(fid))])
    rows.append([_b(context.t("fu.b_other_date"), ContinueOtherDate(fid))])
    await _query(update).edit_message_reply_markup(_menu(rows, back_button(context, fid)))
    await _query(update).answer(context.t("fu.pick_continue_due"))
    return KEEP


async def _continue_hours(update: Update, context: CrmContext, data: ContinueInHours) -> object:
    child = await uc.continue_followup(context.crm, context.me, data.followup_id, hours=data.hours)
    return await _continued(update, context, child)


async def _continue_tomorrow(
    update: Update, context: CrmContext, data: ContinueTomorrow
) -> object:
    due = tomorrow_morning(context.crm.now(), context.crm.tz)
    child = await uc.continue_followup(context.crm, context.me, data.followup_id, due_at=due)
    return await _continued(update, context, child)


async def _continued(update: Update, context: CrmContext, child: FollowUpView) -> object:
    await _edit_card(update, context, child)
    await _query(update).answer(_done_continued(child, context))
    return END


def _done_continued(child: FollowUpView, context: CrmContext) -> str:
    return context.t(
        "fu.done_continued", id=child.id, due=local_datetime(child.due_at, context.crm.tz)
    )


async def _continue_typed(update: Update, context: CrmContext, data: ContinueOtherDate) -> object:
    fid = data.followup_id
    card = await uc.get_followup(context.crm, context.me, fid)
    if card.status != "closed":
        raise InvalidInput("error.continue_needs_closed")
    return await _ask(update, context, FU_CONT_DUE, fid, context.t("fu.ask_cont_due", id=fid))


async def _discard_menu(update: Update, context: CrmContext, data: DiscardMenu) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    states = await uc.list_states(context.crm, "discarded")
    rows = [[_b("🗑 " + s.name, DiscardWithState(fid, v, s.id))] for s in states]
    rows.append([_b(context.t("fu.b_write_reason"), DiscardWriteReason(fid, v))])
    await _query(update).edit_message_reply_markup(_menu(rows, back_button(context, fid)))
    await _query(update).answer(context.t("fu.pick_discard"))
    return KEEP


async def _discard_state(update: Update, context: CrmContext, data: DiscardWithState) -> object:
    card = await uc.discard(
        context.crm,
        context.me,
        data.followup_id,
        state_id=data.state_id,
        expected_version=data.version,
    )
    await _edit_card(update, context, card)
    await _query(update).answer(context.t("fu.done_discarded"))
    return END


async def _discard_typed(update: Update, context: CrmContext, data: DiscardWriteReason) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    question = context.t("fu.ask_discard_reason", id=fid)
    return await _ask(update, context, FU_DISCARD_REASON, fid, question, v=v)


async def _activity_menu(update: Update, context: CrmContext, data: ActivityMenu) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    rows = [
        [
            _b(
                f"{EFFECT_ICONS.get(a.kind, '')} {a.name} · {context.t(f'fu.effect_{a.kind}')}",
                PickActivity(fid, v, a.id),
            )
        ]
        for a in await uc.list_activities(context.crm)
    ]
    await _query(update).edit_message_reply_markup(_menu(rows, back_button(context, fid)))
    await _query(update).answer(context.t("fu.pick_activity"))
    return KEEP


async def _activity_chosen(update: Update, context: CrmContext, data: PickActivity) -> object:
    """The activity is recorded at the pick (a contact activity through the Ley 2300 guard:
    refused, the card says why); the optional note is then asked for and added to it."""
    fid, v, activity = data.followup_id, data.version, data.activity_id
    done = await _record_activity(update, context, fid, v, activity)
    if done is None:
        return END
    version = done.card.version
    no_note = [
        [_b(context.t("fu.b_no_note"), ActivityNoNote(fid, version, activity, done.event_id))]
    ]
    question = context.t("fu.activity_recorded_ask_note", id=fid)
    return await _ask(
        update,
        context,
        FU_ACTIVITY_NOTE,
        fid,
        question,
        no_note,
        v=version,
        activity=activity,
        event=done.event_id,
    )


async def _record_activity(
    update: Update, context: CrmContext, fid: int, v: int | None, activity: int
) -> uc.ActivityOutcome | None:
    try:
        return await uc.record_activity(context.crm, context.me, fid, activity, expected_version=v)
    except ContactBlocked as blocked:
        await _query(update).edit_message_text(
            guard_text.refused(context, blocked, "activity"),
            parse_mode=ParseMode.HTML,
            reply_markup=_menu([], back_button(context, fid)),
        )
        await _query(update).answer()
        return None


async def _activity_no_note(update: Update, context: CrmContext, data: ActivityNoNote) -> object:
    """«Sin nota»: the card again (the activity is already recorded)."""
    fid = data.followup_id
    if data.event_id is None:
        done = await _record_activity(update, context, fid, data.version, data.activity_id)
        if done is None:
            return END
        card = done.card
    else:
        asking.clear(context, FU_ACTIVITY_NOTE)
        card = await uc.get_followup(context.crm, context.me, fid)
    await _edit_card(update, context, card)
    await _query(update).answer(context.t("fu.done_activity"))
    return END


async def _observation(update: Update, context: CrmContext, data: AskObservation) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    question = context.t("fu.ask_observation", id=fid, limit=uc.MAX_NOTE)
    return await _ask(update, context, FU_OBSERVATION, fid, question, v=v)


async def _attach(update: Update, context: CrmContext, data: AskAttachment) -> object:
    fid, v = data.followup_id, data.version
    await uc.get_active_followup(context.crm, context.me, fid, v)
    return await _ask(update, context, FU_ATTACH, fid, context.t("fu.ask_attach", id=fid), v=v)


# --- history ---------------------------------------------------------------------------------


def _history_blocks(
    lineage: LineageView, context: CrmContext
) -> list[tuple[str, EventView | None]]:
    """Lines of the whole lineage; each line remembers its attachment event, if any."""
    tz = context.crm.tz
    lines: list[tuple[str, EventView | None]] = []
    for f in lineage.followups:
        role = (
            context.t("fu.hist_main")
            if f.id == lineage.root_id
            else context.t("fu.hist_child", parent=f.parent_id)
        )
        state = f" ({html.escape(f.state)})" if f.state else ""
        lines.append(("", None))
        lines.append(
            (
                context.t(
                    "fu.hist_header",
                    id=f.id,
                    type=html.escape(f.type_name),
                    role=role,
                    status=context.t(f"fu.status_{f.status}") + state,
                    owner=html.escape(f.owner_code),
                    due=local_datetime(f.due_at, tz),
                ),
                None,
            )
        )
        for ev in f.events:
            line = event_line(ev, context)
            if len(line) > HISTORY_PAGE_CHARS:
                # Only text made almost entirely of escaped characters gets here.
                line = event_line(ev, context, 400)
            lines.append(("• " + line, ev if ev.kind == "attachment" else None))
    return lines[1:]


def _paginate(lines: list[tuple[str, EventView | None]]) -> list[list[tuple[str, Any]]]:
    pages: list[list[tuple[str, Any]]] = [[]]
    size = 0
    for line in lines:
        if pages[-1] and size + len(line[0]) + 1 > HISTORY_PAGE_CHARS:
            pages.append([])
            size = 0
        pages[-1].append(line)
        size += len(line[0]) + 1
    return pages


async def _history(update: Update, context: CrmContext, data: History) -> object:
    fid = data.followup_id
    lineage = await uc.history(context.crm, context.me, fid)
    pages = _paginate(_history_blocks(lineage, context))
    page = min(data.page, len(pages) - 1)
    body = "\n".join(line for line, _ in pages[page]).strip("\n")
    title = context.t(
        "fu.hist_title",
        id=lineage.root_id,
        page=page + 1,
        pages=len(pages),
        count=len(lineage.followups),
    )
    rows: list[list[InlineKeyboardButton]] = []
    for _, ev in pages[page]:
        if ev is not None:
            label = f"{FILE_ICONS.get(ev.file_kind or '', '📎')} " + context.t(
                "fu.b_resend", at=local_datetime(ev.at, context.crm.tz)
            )
            rows.append([_b(label, ResendAttachment(ev.id))])
    nav = keyboards.pager(page, len(pages), lambda p: History(fid, p))
    if nav:
        rows.append(nav)
    rows.append([_b(context.t("fu.b_card"), FollowupCard(fid))])
    await _query(update).edit_message_text(
        f"{title}\n\n{body}"[:MAX_MESSAGE],
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(rows),
        disable_web_page_preview=True,
    )
    await _query(update).answer()
    return KEEP


async def _resend(update: Update, context: CrmContext, data: ResendAttachment) -> object:
    event = await uc.get_attachment(context.crm, context.me, data.event_id)
    chat = _query(update).message.chat.id
    caption = html.escape(event.text) if event.text else None
    if event.file_kind == "photo" and event.file_id:
        await context.bot.send_photo(chat, event.file_id, caption=caption, parse_mode="HTML")
    elif event.file_kind == "location" and event.latitude is not None:
        await context.bot.send_location(chat, event.latitude, event.longitude)
    elif event.file_id:
        await context.bot.send_document(chat, event.file_id, caption=caption, parse_mode="HTML")
    await _query(update).answer()
    return KEEP


ACTIONS: dict[type[CallbackData], Action] = {
    OpenFollowup: _open,
    FollowupCard: _card,
    PostponeMenu: _postpone_menu,
    PostponeHours: _postpone_hours,
    PostponeOther: _postpone_other,
    CloseMenu: _close_menu,
    CloseWithState: _close_state,
    CloseNoNote: _close_no_note,
    StateMenu: _state_menu,
    SetState: _state_set,
    ContinueMenu: _continue_menu,
    ContinueInHours: _continue_hours,
    ContinueTomorrow: _continue_tomorrow,
    ContinueOtherDate: _continue_typed,
    DiscardMenu: _discard_menu,
    DiscardWithState: _discard_state,
    DiscardWriteReason: _discard_typed,
    ActivityMenu: _activity_menu,
    PickActivity: _activity_chosen,
    ActivityNoNote: _activity_no_note,
    AskObservation: _observation,
    AskAttachment: _attach,
    History: _history,
    ResendAttachment: _resend,
}


async def on_press(update: Update, context: CrmContext) -> object:
    """Every ``fu:`` press: re-load, re-check, act, redraw; returns the next step."""
    query = _query(update)
    data = parse(query.data, PREFIX)
    action = ACTIONS.get(type(data))
    if action is None:
        raise BadCallback("unknown follow-up action")
    before = asking.pending(context)
    try:
        step = await action(update, context, data)
    except (StaleVersion, AlreadyFinished) as exc:
        # Nothing changed: say why and show the follow-up as it is now (every button but
        # the attachment re-send is about one follow-up).
        followup_id = getattr(data, "followup_id", None)
        if not isinstance(followup_id, int):
            raise
        await query.answer(context.t(exc.key), show_alert=True)
        card = await uc.get_followup(context.crm, context.me, followup_id)
        await _edit_card(update, context, card)
        step = END
    # A press on the prompt's own message (back, «Sin nota», a refused stale version) ends
    # that question; a press that asked a new question already replaced it.
    message = query.message
    on_prompt = (
        before is not None
        and isinstance(message, Message)
        and before.message_id == message.message_id
    )
    if step == END and before is not None and on_prompt:
        asking.clear(context, token=before.token)
    return step


# --- typed answers ---------------------------------------------------------------------------


def _question(context: CrmContext, q: asking.Question) -> str:
    return context.t(QUESTION_KEYS[q.kind], id=q.data["id"], limit=uc.MAX_NOTE)


async def _again(update: Update, context: CrmContext, error: str, q: asking.Question) -> bool:
    """Explain what was wrong and ask the same question again; it stays pending."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        f"{error}\n\n{_question(context, q)}",
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup([[asking.cancel_button(context)]]),
    )
    return False


def _pending_of(q: asking.Question) -> dict[str, Any]:
    return {"chat": q.chat_id, "msg": q.message_id, "id": q.data["id"]}


async def _typed(
    update: Update,
    context: CrmContext,
    q: asking.Question,
    act: Callable[[dict[str, Any]], Awaitable[Any]],
) -> bool:
    assert update.effective_message is not None
    pending = _pending_of(q)
    try:
        card, done = await act(q.data)
    except InvalidInput as exc:
        return await _again(update, context, explain(context, exc), q)
    except (StaleVersion, AlreadyFinished) as exc:
        await update.effective_message.reply_text(context.t(exc.key))
        card = await uc.get_followup(context.crm, context.me, q.data["id"])
        await _edit_stored_card(update, context, card, pending)
        return True
    await _edit_stored_card(update, context, card, pending)
    await update.effective_message.reply_text(done, parse_mode=ParseMode.HTML)
    return True


async def _text_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The typed answer of a card question (hours, note, reason, observation, date)."""
    assert update.effective_message is not None
    text = update.effective_message.text or ""
    crm, me = context.crm, context.me

    async def act(p: dict[str, Any]) -> tuple[FollowUpView, str]:
        step, fid, v = q.kind, p["id"], p.get("v")
        if step == FU_HOURS:
            card = await uc.postpone(crm, me, fid, uc.parse_hours(text), expected_version=v)
            return card, _done_postponed(card, context)
        if step == FU_CLOSE_NOTE:
            card = await uc.close(crm, me, fid, p["state"], text, expected_version=v)
            return card, context.t("fu.done_closed")
        if step == FU_DISCARD_REASON:
            if not text.strip():
                raise InvalidInput("error.discard_reason_required")
            card = await uc.discard(crm, me, fid, reason=text, expected_version=v)
            return card, context.t("fu.done_discarded")
        if step == FU_ACTIVITY_NOTE:
            if p.get("event") is not None:
                card = await uc.add_activity_note(crm, me, fid, int(p["event"]), text)
            else:  # asked before activities were recorded at the pick
                card = await uc.log_activity(crm, me, fid, p["activity"], text, expected_version=v)
            return card, context.t("fu.done_activity")
        if step == FU_OBSERVATION:
            card = await uc.add_observation(crm, me, fid, text, expected_version=v)
            return card, context.t("fu.done_observation")
        due = parse_due(text, crm.now(), crm.tz)
        child = await uc.continue_followup(crm, me, fid, due_at=due)
        return child, _done_continued(child, context)

    return await _typed(update, context, q, act)


for _kind in (
    FU_HOURS,
    FU_CLOSE_NOTE,
    FU_CONT_DUE,
    FU_DISCARD_REASON,
    FU_ACTIVITY_NOTE,
    FU_OBSERVATION,
):
    asking.answer(_kind, accepts=asking.TEXT)(_text_answer)


@asking.answer(FU_ATTACH, accepts=asking.MEDIA)
async def _attachment_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """A photo, document or location sent while the card waits for an attachment."""
    message = update.effective_message
    assert message is not None

    async def act(p: dict[str, Any]) -> tuple[FollowUpView, str]:
        kwargs: dict[str, Any]
        if message.photo:
            kwargs = {"kind": "photo", "file_id": message.photo[-1].file_id}
        elif message.document:
            kwargs = {
                "kind": "document",
                "file_id": message.document.file_id,
                "file_name": message.document.file_name,
            }
        elif message.location:
            kwargs = {
                "kind": "location",
                "latitude": message.location.latitude,
                "longitude": message.location.longitude,
            }
        else:
            raise InvalidInput("error.bad_attachment")
        card = await uc.attach(
            context.crm,
            context.me,
            p["id"],
            caption=message.caption,
            expected_version=p.get("v"),
            **kwargs,
        )
        return card, context.t("fu.done_attachment")

    return await _typed(update, context, q, act)


# --- wiring ----------------------------------------------------------------------------------


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(on_press, pattern=pattern(PREFIX)))
