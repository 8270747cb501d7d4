"""Verified visits from the follow-up card (**📍 Registrar visita**, **⏹ Terminar visita**,
"Guardar como ubicación del tercero") and the tercero card's **📍 Ubicación** (supervisors
and admins set it from a shared location). Callback prefix ``vi``."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler

from crm import followups as fu
from crm import visits as uc
from crm.errors import NotAuthorized
from crm.formatting import local_datetime
from crm.geo import Point
from crm.terceros import TerceroCard
from crm.views import EventView
from crm.visits import SharedLocation, VisitCheck, VisitView
from handlers import asking
from handlers.callbacks import BadCallback, pack, pattern, unpack
from handlers.context import CrmContext

PREFIX = "vi"
ASK_VISIT = "vi.visit"
ASK_TERCERO = "vi.tloc"


def _b(label: str, action: str, *args: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=pack(PREFIX, action, *args))


def km_text(km: float, lang: str) -> str:
    """``0,4`` / ``12,3`` (a decimal comma in Spanish)."""
    value = f"{km:.1f}"
    return value.replace(".", ",") if lang == "es" else value


def distance_text(metres: float, lang: str) -> str:
    """``40 m`` under a kilometre, else ``2,3 km``."""
    if metres < 1000:
        return f"{round(metres)} m"
    return f"{km_text(metres / 1000, lang)} km"


def shared_point(message: Message) -> Point | None:
    """The location (or venue) a message carries."""
    location = message.location or (message.venue.location if message.venue else None)
    if location is None:
        return None
    return Point(location.latitude, location.longitude)


# --- hooks for the cards ---------------------------------------------------------------------


def card_row(followup_id: int, context: CrmContext) -> list[InlineKeyboardButton]:
    """The follow-up card's **📍 Registrar visita** row."""
    return [_b(context.t("visit.b_register"), "go", followup_id)]


def event_detail(event: EventView, context: CrmContext) -> str:
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


def tercero_location_line(card: TerceroCard, context: CrmContext) -> str:
    """Where the tercero is and who said so (ERP, a visit, a supervisor), for its card."""
    if card.latitude is None or card.longitude is None:
        return context.t("tercero.card.no_location")
    source = card.location_source or "erp"
    at = local_datetime(card.location_at, context.crm.tz) if card.location_at else ""
    who = context.t(f"location.source.{source}", by=html.escape(card.location_by or "?"), at=at)
    return context.t("tercero.card.location", source=who)


def tercero_buttons(card: TerceroCard, context: CrmContext) -> list[InlineKeyboardButton]:
    """**📍 Llegar** when located; **📍 Ubicación** for supervisors and admins."""
    row = []
    if card.latitude is not None:
        row.append(
            InlineKeyboardButton(
                context.t("route.b_arrive"), callback_data=pack("rt", "go", card.id)
            )
        )
    if not context.me.is_agent:
        row.append(_b(context.t("tercero.b_location"), "loc", card.id))
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
        VisitCheck.STALE: t("visit.stale"),
        VisitCheck.NO_LOCATION: t("visit.no_location"),
    }[visit.check]
    lines = [
        head,
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
        rows.append([_b(t("visit.b_end"), "end", visit.followup_id)])
        if visit.can_save_location:
            rows.append([_b(t("visit.b_save"), "save", visit.event_id)])
    rows.append(
        [
            InlineKeyboardButton(
                t("visit.b_card"), callback_data=pack("fu", "open", visit.followup_id)
            )
        ]
    )
    return InlineKeyboardMarkup(rows)


def _shared(message: Message) -> SharedLocation | None:
    point = shared_point(message)
    if point is None:
        return None
    live = bool(message.location and message.location.live_period)
    # A venue is a place picked from a list, and a forward is someone else's pin: neither
    # proves where the agent stands.
    forwarded = message.forward_origin is not None or message.venue is not None
    return SharedLocation(point, message.date, forwarded=forwarded, live=live)


# --- questions -------------------------------------------------------------------------------


@asking.answer(ASK_VISIT, accepts=asking.LOCATION)
async def _visit_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The location for a visit: start it (verified or not), or close the open one."""
    message = update.effective_message
    assert message is not None
    shared = _shared(message)
    if shared is None:
        return False
    visit = await uc.share_location(
        context.crm, context.me, int(q.data["fu"]), shared, context.settings.visit_radius_m
    )
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
                        callback_data=pack("rt", "go", saved.tercero_id),
                    ),
                    InlineKeyboardButton(
                        context.t("fu.b_tercero"),
                        callback_data=pack("te", "open", saved.tercero_id),
                    ),
                ]
            ]
        ),
    )
    return True


# --- buttons ---------------------------------------------------------------------------------


async def on_press(update: Update, context: CrmContext) -> None:
    """vi:go:FID (Registrar visita), vi:end:FID (Terminar visita), vi:save:EVENT (Guardar
    como ubicación del tercero), vi:loc:TID (the tercero card's 📍 Ubicación)."""
    query = update.callback_query
    assert query is not None
    cb = unpack(query.data, PREFIX)
    crm, me, t = context.crm, context.me, context.t
    if cb.action == "go":
        fid = cb.int_arg(0)
        card = await fu.get_followup(crm, me, fid)
        open_visit = await uc.open_visit_of(crm, me, fid)
        name = html.escape(card.tercero.name)
        if open_visit is not None:
            since = local_datetime(open_visit.started_at, crm.tz)
            text = t("visit.ask_end", id=fid, name=name, since=since)
        else:
            text = t(
                "visit.ask_location",
                id=fid,
                name=name,
                radius=context.settings.visit_radius_m,
            )
        await asking.ask(update, context, ASK_VISIT, text, data={"fu": fid}, location=True)
    elif cb.action == "end":
        visit = await uc.end_visit(crm, me, cb.int_arg(0))
        await query.answer()
        await query.edit_message_text(
            outcome_text(visit, context),
            parse_mode=ParseMode.HTML,
            reply_markup=outcome_markup(visit, context),
        )
        pending = asking.pending(context, ASK_VISIT)
        if pending is not None and pending.data.get("fu") == visit.followup_id:
            await asking.leave(context, "ask.left")
    elif cb.action == "save":
        saved = await uc.save_visit_location(crm, me, cb.int_arg(0))
        await query.answer(t("visit.saved", name=saved.name))
        if isinstance(query.message, Message):
            await query.message.reply_text(
                t("visit.saved", name=html.escape(saved.name)), parse_mode=ParseMode.HTML
            )
    elif cb.action == "loc":
        where = await uc.tercero_location(crm, me, cb.int_arg(0))
        if me.is_agent:
            raise NotAuthorized()
        await asking.ask(
            update,
            context,
            ASK_TERCERO,
            t("location.ask", name=html.escape(where.name)),
            data={"te": where.tercero_id},
            location=True,
        )
    else:
        raise BadCallback("unknown action")


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CallbackQueryHandler(on_press, pattern=pattern(PREFIX)))
