"""Verified visits from the follow-up card (**📍 Registrar visita**, **⏹ Terminar visita**,
"Guardar como ubicación del tercero") and the tercero card's **📍 Ubicación** and **✅ Confirmar
ubicación** (supervisors and admins set a location from a shared one, or confirm the one an
agent proposed). Callback prefix ``vi``."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from crm.followups import lifecycle as fu
from crm.kernel.errors import NotAuthorized
from crm.kernel.formatting import distance_text, local_datetime
from crm.kernel.geo import LocationStatus, Point
from crm.ley2300.guard import ContactBlocked
from crm.route import visits as uc
from crm.route.visits import SharedLocation, VisitCheck, VisitView
from crm.terceros import TerceroCard
from handlers import asking, guard_text
from handlers.callbacks import CallbackData
from handlers.context import CrmContext
from handlers.links import Arrive, OpenFollowup, OpenTercero, RegisterVisit

PREFIX = "vi"
ASK_VISIT = "vi.visit"
ASK_TERCERO = "vi.tloc"


@dataclass(frozen=True)
class EndVisit(CallbackData, prefix=PREFIX, action="end"):
    followup_id: int


@dataclass(frozen=True)
class SaveVisitLocation(CallbackData, prefix=PREFIX, action="save"):
    """ "Guardar como ubicación del tercero" under a visit without the tercero's location."""

    event_id: int


@dataclass(frozen=True)
class SetTerceroLocation(CallbackData, prefix=PREFIX, action="loc"):
    """The tercero card's 📍 Ubicación (supervisors, admins)."""

    tercero_id: int


@dataclass(frozen=True)
class ConfirmTerceroLocation(CallbackData, prefix=PREFIX, action="ok"):
    """The tercero card's ✅ Confirmar ubicación: a supervisor confirms an agent's proposal."""

    tercero_id: int


def _b(label: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data.pack())


def shared_point(message: Message) -> Point | None:
    """The location (or venue) a message carries."""
    location = message.location or (message.venue.location if message.venue else None)
    if location is None:
        return None
    return Point(location.latitude, location.longitude)


# --- hooks for the cards ---------------------------------------------------------------------


def tercero_location_line(card: TerceroCard, context: CrmContext) -> str:
    """Where the tercero is and who said so (ERP, a visit, a supervisor), for its card."""
    if card.latitude is None or card.longitude is None:
        return context.t("tercero.card.no_location")
    source = card.location_source or "erp"
    at = local_datetime(card.location_at, context.crm.tz) if card.location_at else ""
    who = context.t(f"location.source.{source}", by=html.escape(card.location_by or "?"), at=at)
    line = context.t("tercero.card.location", source=who)
    if card.location_status == LocationStatus.PROPOSED:
        line += context.t("tercero.card.location_proposed")
    return line


def _proposed(card: TerceroCard) -> bool:
    return card.latitude is not None and card.location_status == LocationStatus.PROPOSED


def tercero_buttons(card: TerceroCard, context: CrmContext) -> list[InlineKeyboardButton]:
    """**📍 Llegar** when located; **📍 Ubicación** for supervisors and admins, and **✅
    Confirmar ubicación** when an agent proposed it."""
    row = []
    if card.latitude is not None:
        row.append(
            InlineKeyboardButton(context.t("route.b_arrive"), callback_data=Arrive(card.id).pack())
        )
    if not context.me.is_agent:
        row.append(_b(context.t("tercero.b_location"), SetTerceroLocation(card.id)))
        if _proposed(card):
            row.append(
                _b(context.t("tercero.b_confirm_location"), ConfirmTerceroLocation(card.id))
            )
    return row


# --- rendering -------------------------------------------------------------------------------


def outcome_text(visit: VisitView, context: CrmContext) -> str:
    t = context.t
    name = html.escape(visit.tercero_name)
    if visit.ended_at is not None:
        return t("visit.ended", id=visit.followup_id, name=name, minutes=visit.duration_minutes)
    distance = distance_text(visit.distance_m or 0, context.lang)
    head = {
        VisitCheck.OK: t("visit.verified", distance=distance),
        VisitCheck.FAR: t("visit.far", distance=distance),
        VisitCheck.FORWARDED: t("visit.forwarded"),
        VisitCheck.VIA_BOT: t("visit.via_bot"),
        VisitCheck.VENUE: t("visit.venue"),
        VisitCheck.STALE: t("visit.stale"),
        VisitCheck.STATIC: t("visit.static"),
        VisitCheck.NO_LOCATION: t("visit.no_location"),
        VisitCheck.PROPOSED: t("visit.proposed", distance=distance),
    }[visit.check]
    lines = [head]
    if visit.wants_live:
        lines.append(t("visit.hint_live"))
    lines += [
        t(
            "visit.started",
            id=visit.followup_id,
            name=name,
            at=local_datetime(visit.started_at, context.crm.tz),
        ),
    ]
    if visit.can_save_location:
        lines.append(t("visit.offer_save"))
    return "\n".join(lines)


def outcome_markup(visit: VisitView, context: CrmContext) -> InlineKeyboardMarkup:
    t = context.t
    rows = []
    if visit.ended_at is None:
        rows.append([_b(t("visit.b_end"), EndVisit(visit.followup_id))])
        if visit.can_save_location:
            rows.append([_b(t("visit.b_save"), SaveVisitLocation(visit.event_id))])
    rows.append(
        [
            InlineKeyboardButton(
                t("visit.b_card"), callback_data=OpenFollowup(visit.followup_id).pack()
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def _shared(message: Message) -> SharedLocation | None:
    """What the message proves: only a live location (``live_period``, shared from the
    phone's own position) of the agent's own (not forwarded, not through an inline bot, not a
    venue picked from a list) can verify a visit."""
    point = shared_point(message)
    if point is None:
        return None
    return SharedLocation(
        point,
        message.date,
        forwarded=message.forward_origin is not None,
        live=bool(message.location and message.location.live_period),
        via_bot=message.via_bot is not None,
        venue=message.venue is not None,
    )


# --- questions -------------------------------------------------------------------------------


@asking.answer(ASK_VISIT, accepts=asking.LOCATION)
async def _visit_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The location for a visit: start it (verified or not), or close the open one."""
    message = update.effective_message
    assert message is not None
    shared = _shared(message)
    if shared is None:
        return False
    fid = int(q.data["fu"])
    try:
        visit = await uc.share_location(
            context.crm, context.me, fid, shared, context.settings.visit_radius_m
        )
    except ContactBlocked as blocked:
        # A visit is a contact: the guard refused it (the attempt is in the report).
        await message.reply_text(
            guard_text.refused(context, blocked, "visit"),
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(
                [[_b(context.t("visit.b_card"), OpenFollowup(fid))]]
            ),
        )
        return True
    await message.reply_text(
        outcome_text(visit, context),
        parse_mode=ParseMode.HTML,
        reply_markup=outcome_markup(visit, context),
    )
    return True


@asking.answer(ASK_TERCERO, accepts=asking.LOCATION)
async def _tercero_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """A supervisor's shared location becomes the tercero's."""
    message = update.effective_message
    assert message is not None
    point = shared_point(message)
    if point is None:
        return False
    saved = await uc.set_tercero_location(
        context.crm, context.me, int(q.data["te"]), point.latitude, point.longitude
    )
    await message.reply_text(
        context.t("location.saved", name=html.escape(saved.name)),
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        context.t("route.b_arrive"),
                        callback_data=Arrive(saved.tercero_id).pack(),
                    ),
                    InlineKeyboardButton(
                        context.t("fu.b_tercero"),
                        callback_data=OpenTercero(saved.tercero_id).pack(),
                    ),
                ]
            ]
        ),
    )
    return True


# --- buttons ---------------------------------------------------------------------------------


async def register_pressed(update: Update, context: CrmContext) -> None:
    """📍 Registrar visita: ask for the location (saying so when a visit is in progress)."""
    assert update.callback_query is not None
    fid = RegisterVisit.unpack(update.callback_query.data).followup_id
    crm, me, t = context.crm, context.me, context.t
    card = await fu.get_followup(crm, me, fid)
    open_visit = await uc.open_visit_of(crm, me, fid)
    name = html.escape(card.tercero.name)
    if open_visit is not None and not open_visit.wants_live:
        since = local_datetime(open_visit.started_at, crm.tz)
        text = t("visit.ask_end", id=fid, name=name, since=since)
    else:
        radius = context.settings.visit_radius_m
        text = t("visit.ask_location", id=fid, name=name, radius=radius)
    await asking.ask(update, context, ASK_VISIT, text, data={"fu": fid}, location=True)


async def end_pressed(update: Update, context: CrmContext) -> None:
    """⏹ Terminar visita: close the open visit and show its duration."""
    query = update.callback_query
    assert query is not None
    visit = await uc.end_visit(context.crm, context.me, EndVisit.unpack(query.data).followup_id)
    await query.answer()
    await query.edit_message_text(
        outcome_text(visit, context),
        parse_mode=ParseMode.HTML,
        reply_markup=outcome_markup(visit, context),
    )
    pending = asking.pending(context, ASK_VISIT)
    if pending is not None and pending.data.get("fu") == visit.followup_id:
        await asking.leave(context, "ask.left")


async def save_pressed(update: Update, context: CrmContext) -> None:
    """Guardar como ubicación del tercero."""
    query = update.callback_query
    assert query is not None
    event_id = SaveVisitLocation.unpack(query.data).event_id
    saved = await uc.save_visit_location(context.crm, context.me, event_id)
    key = "visit.saved_proposed" if saved.status == LocationStatus.PROPOSED else "visit.saved"
    await query.answer(context.t("visit.saved", name=saved.name))
    if isinstance(query.message, Message):
        await query.message.reply_text(
            context.t(key, name=html.escape(saved.name)), parse_mode=ParseMode.HTML
        )


async def location_pressed(update: Update, context: CrmContext) -> None:
    """The tercero card's 📍 Ubicación: a supervisor or admin shares the tercero's location."""
    query = update.callback_query
    assert query is not None
    if context.me.is_agent:
        raise NotAuthorized()
    tercero_id = SetTerceroLocation.unpack(query.data).tercero_id
    where = await uc.tercero_location(context.crm, context.me, tercero_id)
    await asking.ask(
        update,
        context,
        ASK_TERCERO,
        context.t("location.ask", name=html.escape(where.name)),
        data={"te": where.tercero_id},
        location=True,
    )


async def confirm_pressed(update: Update, context: CrmContext) -> None:
    """✅ Confirmar ubicación: the agent's proposed location becomes the tercero's confirmed
    one (visits are verified against it from now on)."""
    query = update.callback_query
    assert query is not None
    tercero_id = ConfirmTerceroLocation.unpack(query.data).tercero_id
    done = await uc.confirm_tercero_location(context.crm, context.me, tercero_id)
    text = context.t("location.confirmed", name=html.escape(done.name))
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.reply_text(
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            context.t("fu.b_tercero"),
                            callback_data=OpenTercero(done.tercero_id).pack(),
                        )
                    ]
                ]
            ),
        )


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for data, callback in (
        (RegisterVisit, register_pressed),
        (EndVisit, end_pressed),
        (SaveVisitLocation, save_pressed),
        (SetTerceroLocation, location_pressed),
        (ConfirmTerceroLocation, confirm_pressed),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=data.pattern()))
