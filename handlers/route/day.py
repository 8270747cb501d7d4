"""``/ruta`` (the day's route from where the agent stands), ``/cerca [KM]`` (the book's
terceros around) and **📍 Llegar** (the tercero as a venue the phone's map navigates to).

Both commands ask for the location with a one-tap reply keyboard (handlers/asking.py). The
position is used for the answer and not stored: the route's page buttons carry it in their
callback data, inside the user's own chat, so paging needs no copy on our side.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from crm.kernel import paging
from crm.kernel.formatting import distance_text, km_text, local_datetime, money
from crm.kernel.geo import Point
from crm.route import day as route_day
from crm.route.day import DayRoute, NearbyTercero, RouteStop
from crm.route.visits import tercero_location
from handlers import asking, keyboards
from handlers.callbacks import BadCallback, CallbackData
from handlers.context import CrmContext
from handlers.followups.render import send_card
from handlers.links import Arrive, OpenFollowup, OpenTercero
from handlers.route.visits import shared_point

PREFIX = "rt"
PAGE_SIZE = 25  # stops per message (Telegram allows 100 buttons; two per stop)
MAX_NAME = 40
MAX_UNLOCATED_LINES = 6
# Room for the stops on one page: 4096 less the title, six unlocated lines and the footer.
STOPS_CHARS = 3000
MAX_MESSAGE = 4096
ASK_ROUTE = "rt.route"
ASK_NEAR = "rt.near"


@dataclass(frozen=True)
class RoutePage(CallbackData, prefix=PREFIX, action="pg"):
    """A page of the route from the point the agent shared (kept only in this button)."""

    page: int
    latitude: str
    longitude: str


@dataclass(frozen=True)
class StartVisit(CallbackData, prefix=PREFIX, action="vis"):
    """/cerca's 🚶 Visita T.A.T.: a visit follow-up on the tercero, due now."""

    tercero_id: int


def _short(text: str, limit: int = MAX_NAME) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _overdue(context: CrmContext, stop: RouteStop) -> str:
    if stop.days_overdue > 0:
        return context.t("route.overdue", days=stop.days_overdue)
    if stop.due_at < context.crm.now():
        return context.t("route.overdue_today")
    return ""


def _eta(context: CrmContext, minutes: int | None) -> str:
    """The arrival clock time and the minutes from now: ``14:23 (7 min)``."""
    when = context.crm.local_now() + timedelta(minutes=minutes or 0)
    return f"{when:%H:%M} ({minutes or 0} min)"


def _stop_block(context: CrmContext, n: int, stop: RouteStop) -> str:
    t = context.t
    return t(
        "route.stop",
        n=n,
        name=html.escape(_short(stop.tercero_name)),
        type=html.escape(_short(stop.type_name, 30)),
        due=local_datetime(stop.due_at, context.crm.tz),
        overdue=_overdue(context, stop),
        balance=money(stop.balance),
        km=km_text(stop.km_from_previous or 0.0, context.lang),
        previous=t("route.from_here") if n == 1 else t("route.from_previous"),
        eta=_eta(context, stop.eta_minutes),
    )


def route_pages(blocks: list[str]) -> list[tuple[int, int]]:
    """Split the stops' texts into pages of at most PAGE_SIZE stops and STOPS_CHARS
    characters (a message holds 4096), always in the same way for the same route."""
    pages: list[tuple[int, int]] = []
    start, size = 0, 0
    for index, block in enumerate(blocks):
        if index > start and (index - start >= PAGE_SIZE or size + len(block) > STOPS_CHARS):
            pages.append((start, index))
            start, size = index, 0
        size += len(block) + 2
    pages.append((start, len(blocks)))
    return pages


def render_route(
    context: CrmContext, day: DayRoute, here: Point, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the route: stops with due, overdue, balance, km from the previous stop and
    ETA; the terceros without coordinates after the last page."""
    t, lang, tz = context.t, context.lang, context.crm.tz
    if not day.stops and not day.unlocated:
        return t("route.empty"), None
    count = len(day.stops)
    blocks = [_stop_block(context, n, stop) for n, stop in enumerate(day.stops, start=1)]
    bounds = route_pages(blocks)
    pages = len(bounds)
    page = paging.clamp(page, pages)
    first, last = bounds[page]
    speed = f"{context.settings.route_speed_kmh:g}"
    lines = [t("route.title", count=count, km=km_text(day.total_km, lang), speed=speed)]
    if pages > 1:
        lines.append(t("route.page", first=first + 1, last=last, count=count))
    if not day.stops:
        lines.append(t("route.none_located"))
    rows: list[list[InlineKeyboardButton]] = []
    for n in range(first, last):
        stop = day.stops[n]
        lines.append("")
        lines.append(blocks[n])
        rows.append(
            [
                InlineKeyboardButton(
                    f"{n + 1}. {_short(stop.tercero_name, 28)}",
                    callback_data=OpenFollowup(stop.followup_id).pack(),
                ),
                InlineKeyboardButton(
                    t("route.b_arrive"), callback_data=Arrive(stop.tercero_id).pack()
                ),
            ]
        )
    spot = (f"{here.latitude:.5f}", f"{here.longitude:.5f}")
    nav = keyboards.pager(page, pages, lambda p: RoutePage(p, *spot).pack())
    if nav:
        rows.append(nav)
    if page == pages - 1:
        if day.unlocated:
            lines.append("")
            lines.append(t("route.unlocated", count=len(day.unlocated)))
            for stop in day.unlocated[:MAX_UNLOCATED_LINES]:
                lines.append(
                    t(
                        "route.unlocated_line",
                        name=html.escape(_short(stop.tercero_name, 30)),
                        due=local_datetime(stop.due_at, tz),
                        overdue=_overdue(context, stop),
                    )
                )
            if len(day.unlocated) > MAX_UNLOCATED_LINES:
                lines.append(
                    t("route.unlocated_more", count=len(day.unlocated) - MAX_UNLOCATED_LINES)
                )
        if day.left_out:
            lines.append(t("route.left_out", count=day.left_out))
    lines.append("")
    lines.append(t("route.privacy"))
    text = "\n".join(lines)
    # Every part is bounded; if escaping ever makes the page too long, drop trailing lines.
    while len(text) > MAX_MESSAGE and len(lines) > 2:
        lines.pop(-3)
        text = "\n".join(lines)
    return text, InlineKeyboardMarkup(rows) if rows else None


def render_nearby(
    context: CrmContext, found: list[NearbyTercero], km: float
) -> tuple[str, InlineKeyboardMarkup | None]:
    t, lang = context.t, context.lang
    if not found:
        return t("near.empty", km=km_text(km, lang)), None
    lines = [t("near.title", count=len(found), km=km_text(km, lang))]
    rows = []
    for n, near in enumerate(found, start=1):
        lines.append(
            t(
                "near.line",
                n=n,
                name=html.escape(_short(near.name)),
                distance=distance_text(near.km * 1000, lang),
                balance=money(near.balance),
                open=near.open_followups,
                overdue=t("near.overdue") if near.overdue else "",
            )
        )
        rows.append(
            [
                InlineKeyboardButton(
                    f"{n}. {_short(near.name, 28)}",
                    callback_data=OpenTercero(near.tercero_id).pack(),
                ),
                InlineKeyboardButton(
                    t("near.b_visit"), callback_data=StartVisit(near.tercero_id).pack()
                ),
            ]
        )
    lines.append("")
    lines.append(t("route.privacy"))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# --- commands and answers --------------------------------------------------------------------


async def ruta_command(update: Update, context: CrmContext) -> None:
    """/ruta: ask where the agent is (one tap), then answer the day's route."""
    await asking.ask(update, context, ASK_ROUTE, context.t("route.ask_location"), location=True)


@asking.answer(ASK_ROUTE, accepts=asking.LOCATION)
async def _route_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The agent's location: the route from there."""
    message = update.effective_message
    assert message is not None
    here = shared_point(message)
    if here is None:
        return False
    day = await route_day.day_route(
        context.crm, context.me, here, context.settings.route_speed_kmh
    )
    text, markup = render_route(context, day, here, 0)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return True


async def cerca_command(update: Update, context: CrmContext) -> None:
    """/cerca [KM]: ask where the agent is, then list the book's terceros within KM."""
    km = route_day.parse_km(" ".join(context.args or ()))
    await asking.ask(
        update,
        context,
        ASK_NEAR,
        context.t("near.ask_location", km=km_text(km, context.lang)),
        data={"km": km},
        location=True,
    )


@asking.answer(ASK_NEAR, accepts=asking.LOCATION)
async def _near_answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    """The agent's location: the terceros around it."""
    message = update.effective_message
    assert message is not None
    here = shared_point(message)
    if here is None:
        return False
    km = float(q.data.get("km") or route_day.DEFAULT_KM)
    found = await route_day.nearby(context.crm, context.me, here, km)
    text, markup = render_nearby(context, found, km)
    await message.reply_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    return True


# --- buttons ---------------------------------------------------------------------------------


async def arrive_pressed(update: Update, context: CrmContext) -> None:
    """📍 Llegar: send the tercero's location as a venue the phone's map navigates to."""
    query = update.callback_query
    assert query is not None
    where = await tercero_location(context.crm, context.me, Arrive.unpack(query.data).tercero_id)
    if where.point is None:
        await query.answer(context.t("route.no_location"), show_alert=True)
        return
    await query.answer()
    await context.bot.send_venue(
        query.message.chat.id if query.message else context.me.telegram_id,
        latitude=where.point.latitude,
        longitude=where.point.longitude,
        title=_short(where.name, 60),
        address=_short(where.address or where.name, 100),
    )


async def page_pressed(update: Update, context: CrmContext) -> None:
    """◀ ▶: the route again from the point in the button, at another page."""
    query = update.callback_query
    assert query is not None
    cb = RoutePage.unpack(query.data)
    here = _point(cb.latitude, cb.longitude)
    day = await route_day.day_route(
        context.crm, context.me, here, context.settings.route_speed_kmh
    )
    text, markup = render_route(context, day, here, cb.page)
    await query.answer()
    await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def visit_pressed(update: Update, context: CrmContext) -> None:
    """🚶 Visita T.A.T.: create the visit follow-up (or find the one just made) and send its
    card."""
    query = update.callback_query
    assert query is not None
    tercero_id = StartVisit.unpack(query.data).tercero_id
    visit = await route_day.start_visit(context.crm, context.me, tercero_id)
    await query.answer(context.t("near.visit_created" if visit.created else "near.visit_open"))
    if isinstance(query.message, Message):
        await send_card(query.message, visit.card, context)


def _point(latitude: str, longitude: str) -> Point:
    try:
        point = Point(float(latitude), float(longitude))
    except ValueError as exc:
        raise BadCallback("bad point") from exc
    if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
        raise BadCallback("bad point")
    return point


def register(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(CommandHandler("ruta", ruta_command))
    app.add_handler(CommandHandler("cerca", cerca_command))
    for data, callback in (
        (Arrive, arrive_pressed),
        (RoutePage, page_pressed),
        (StartVisit, visit_pressed),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=data.pattern()))
