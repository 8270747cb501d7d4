"""The follow-up card drawn for Telegram: its text, its keyboard, the events and the
visits in it, and sending or redrawing it."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from crm.kernel.formatting import day, distance_text, local_datetime, money, relative
from crm.kernel.views import EventView, FollowUpStatus, FollowUpView
from handlers import keyboards
from handlers.context import CrmContext
from handlers.followups.buttons import (
    ActivityMenu,
    AskAttachment,
    AskObservation,
    ContinueMenu,
    DiscardMenu,
    History,
    PostponeMenu,
    StateMenu,
)
from handlers.links import (
    CloseMenu,
    ContactMenu,
    FollowupCard,
    OpenTercero,
    RegisterVisit,
    ReportPayment,
    StartPromise,
    SupportDocuments,
)
from handlers.phones import phone_list
from handlers.texts import CATALOG

MAX_MESSAGE = 4096
HISTORY_PAGE_CHARS = 3300
CARD_EVENT_CHARS = 70
EFFECT_ICONS = {"progress": "📈", "regression": "📉", "neutral": "➖"}
FILE_ICONS = {"photo": "📷", "document": "📄", "location": "📍"}


# --- rendering -------------------------------------------------------------------------------


def short_text(text: str | None, limit: int) -> str:
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
        text = event.text if limit is None else short_text(event.text, limit)
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
        lines.append(context.t("fu.card_note", note=html.escape(short_text(card.note, 300))))
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
    elif card.status == FollowUpStatus.CLOSED and card.continued_by is not None:
        # Continued already: the lineage goes on from the continuation, not from here.
        child = _b(t("fu.b_child", id=card.continued_by), FollowupCard(card.continued_by))
        rows = [[child], [history, tercero]]
    elif card.status == FollowUpStatus.CLOSED:
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


async def edit_card(update: Update, context: CrmContext, card: FollowUpView) -> None:
    query = update.callback_query
    assert query is not None
    await query.edit_message_text(
        card_text(card, context),
        parse_mode=ParseMode.HTML,
        reply_markup=card_markup(card, context),
        disable_web_page_preview=True,
    )


async def edit_stored_card(
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


def menu(rows: list[list[InlineKeyboardButton]], back: InlineKeyboardButton) -> Any:
    return InlineKeyboardMarkup([*rows, [back]])


def query_of(update: Update) -> Any:
    assert update.callback_query is not None
    return update.callback_query


def back_button(context: CrmContext, fid: int) -> InlineKeyboardButton:
    """⬅ Volver: the card again, on the message pressed (every menu of the card's)."""
    return _b(context.t("fu.b_back"), FollowupCard(fid))
