"""The agent's day on the street: ``/ruta`` (today's follow-ups in route order) and ``/cerca``
(the book's terceros around where the agent stands). The agent's position is only used here,
never stored (README "Privacidad")."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.followups.lifecycle import create_in_session
from crm.followups.lifecycle import view as followup_view
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotFound
from crm.kernel.geo import Point, distance_km
from crm.kernel.permissions import owner_filter
from crm.kernel.scope import ensure_can_see_tercero, tercero_visible
from crm.kernel.views import FollowUpView
from crm.route import order as route
from storage.models import Document, FollowUp, FollowUpStatus, FollowUpType, Tercero

VISIT_TYPE = "Visita T.A.T."
MAX_ROUTE_STOPS = 100  # routed at once; a day with more is cut to the most urgent
MAX_NEARBY = 25
MIN_KM, MAX_KM, DEFAULT_KM = 0.1, 50.0, 2.0
# A Visita T.A.T. pressed again within this time, while the first is active, is the same visit.
VISIT_AGAIN = timedelta(minutes=10)


@dataclass(frozen=True)
class RouteStop:
    followup_id: int
    type_name: str
    tercero_id: int
    tercero_name: str
    nit: str
    due_at: datetime
    days_overdue: int
    balance: Decimal
    km_from_previous: float | None = None
    eta_minutes: int | None = None


@dataclass(frozen=True)
class DayRoute:
    stops: tuple[RouteStop, ...]  # in route order
    unlocated: tuple[RouteStop, ...]  # terceros without coordinates, by due
    total_km: float
    left_out: int = 0  # beyond MAX_ROUTE_STOPS


@dataclass(frozen=True)
class StartedVisit:
    card: FollowUpView
    created: bool  # False: the press found the visit it opened a moment ago


@dataclass(frozen=True)
class NearbyTercero:
    tercero_id: int
    name: str
    nit: str
    km: float
    balance: Decimal
    open_followups: int
    overdue: bool


async def _balances(session: AsyncSession, tercero_ids: Iterable[int]) -> dict[int, Decimal]:
    ids = sorted(set(tercero_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(Document.tercero_id, func.sum(Document.balance))
        .where(Document.tercero_id.in_(ids), Document.balance > 0)
        .group_by(Document.tercero_id)
    )
    return {tid: Decimal(total or 0) for tid, total in rows.all()}


def _days_overdue(crm: Crm, due_at: datetime, now: datetime) -> int:
    if due_at >= now:
        return 0
    return max(0, (crm.today() - due_at.astimezone(crm.tz).date()).days)


async def day_route(crm: Crm, actor: Actor, here: Point, speed_kmh: float) -> DayRoute:
    """The actor's own active follow-ups due today or overdue, ordered as a route from
    ``here`` (crm/route.py), with km and ETA per stop; those without coordinates after."""
    now = crm.now()
    end_of_day = crm.local_midnight(crm.today() + timedelta(days=1))
    async with crm.read() as session:
        rows = (
            await session.execute(
                select(FollowUp, FollowUpType.name, Tercero)
                .join(Tercero, Tercero.id == FollowUp.tercero_id)
                .join(FollowUpType, FollowUpType.id == FollowUp.type_id)
                .where(
                    FollowUp.owner_id == actor.id,
                    FollowUp.status == FollowUpStatus.ACTIVE,
                    FollowUp.due_at < end_of_day,
                )
                .order_by(FollowUp.due_at, FollowUp.id)
            )
        ).all()
        balances = await _balances(session, (t.id for _, _, t in rows))
    located: list[tuple[RouteStop, Point]] = []
    unlocated: list[RouteStop] = []
    for followup, type_name, tercero in rows:
        stop = RouteStop(
            followup_id=followup.id,
            type_name=type_name,
            tercero_id=tercero.id,
            tercero_name=tercero.name,
            nit=tercero.nit,
            due_at=followup.due_at,
            days_overdue=_days_overdue(crm, followup.due_at, now),
            balance=balances.get(tercero.id, Decimal(0)),
        )
        if tercero.latitude is None or tercero.longitude is None:
            unlocated.append(stop)
        else:
            located.append((stop, Point(tercero.latitude, tercero.longitude)))
    left_out = max(0, len(located) - MAX_ROUTE_STOPS)
    located = located[:MAX_ROUTE_STOPS]  # already the most urgent first (by due)
    by_key = {s.followup_id: s for s, _ in located}
    planned = route.plan(
        here,
        [route.Stop(s.followup_id, p, s.days_overdue, s.balance) for s, p in located],
        speed_kmh=speed_kmh,
    )
    stops = tuple(
        _with_leg(by_key[leg.stop.key], leg.km_from_previous, leg.eta_minutes)
        for leg in planned.legs
    )
    return DayRoute(stops, tuple(unlocated), planned.total_km, left_out)


def _with_leg(stop: RouteStop, km: float, eta: int) -> RouteStop:
    return RouteStop(**{**stop.__dict__, "km_from_previous": km, "eta_minutes": eta})


def parse_km(text: str | None) -> float:
    """``/cerca [KM]``: kilometres (``2``, ``0,5``, ``1.5km``), default 2."""
    if text is None or not text.strip():
        return DEFAULT_KM
    value = text.strip().lower().removesuffix("km").strip().replace(",", ".")
    try:
        km = float(value)
    except ValueError as exc:
        raise InvalidInput("route.error.bad_km", min="0,1", max="50") from exc
    if not (math.isfinite(km) and MIN_KM <= km <= MAX_KM):
        raise InvalidInput("route.error.bad_km", min="0,1", max="50")
    return km


async def nearby(crm: Crm, actor: Actor, here: Point, km: float) -> list[NearbyTercero]:
    """Terceros of the actor's book within ``km`` of ``here``, nearest first."""
    now = crm.now()
    # A box around ``here`` lets the database discard most rows; the circle is exact below.
    dlat = km / 111.0
    dlon = km / (111.32 * max(0.01, math.cos(math.radians(here.latitude))))
    async with crm.read() as session:
        rows = (
            await session.execute(
                select(
                    Tercero.id, Tercero.name, Tercero.nit, Tercero.latitude, Tercero.longitude
                ).where(
                    Tercero.latitude.between(here.latitude - dlat, here.latitude + dlat),
                    Tercero.longitude.between(here.longitude - dlon, here.longitude + dlon),
                    tercero_visible(actor, Tercero.id),
                )
            )
        ).all()
        found = []
        for tid, name, nit, lat, lon in rows:
            if lat is None or lon is None:  # the box excludes them; this tells mypy
                continue
            distance = distance_km(here, Point(lat, lon))
            if distance <= km:
                found.append((distance, tid, name, nit))
        found.sort()
        found = found[:MAX_NEARBY]
        ids = [f[1] for f in found]
        balances = await _balances(session, ids)
        counts: dict[int, tuple[int, int]] = {}
        if ids:
            count_rows = await session.execute(
                select(
                    FollowUp.tercero_id,
                    func.count(FollowUp.id),
                    func.count(FollowUp.id).filter(FollowUp.due_at < now),
                )
                .where(
                    FollowUp.tercero_id.in_(ids),
                    FollowUp.status == FollowUpStatus.ACTIVE,
                    owner_filter(actor, FollowUp.owner_id),
                )
                .group_by(FollowUp.tercero_id)
            )
            counts = {tid: (int(n), int(late)) for tid, n, late in count_rows.all()}
    return [
        NearbyTercero(
            tercero_id=tid,
            name=name,
            nit=nit,
            km=distance,
            balance=balances.get(tid, Decimal(0)),
            open_followups=counts.get(tid, (0, 0))[0],
            overdue=counts.get(tid, (0, 0))[1] > 0,
        )
        for distance, tid, name, nit in found
    ]


async def start_visit(crm: Crm, actor: Actor, tercero_id: int) -> StartedVisit:
    """/cerca's 🚶 Visita T.A.T.: a "Visita T.A.T." follow-up on a tercero of the actor's book
    (the rule /cerca lists it by), due now, for the actor. Pressed again (a double tap, the
    same list on another phone) while the one it made a moment ago is still active, it
    returns that one instead of opening a second."""
    now = crm.now()
    async with crm.write() as session:
        # Two presses take turns on the tercero's row (PostgreSQL; SQLite has one writer at
        # a time), so the second sees the follow-up the first committed.
        tercero = await session.scalar(
            select(Tercero.id)
            .where(Tercero.id == tercero_id)
            .with_for_update(key_share=True, of=Tercero)
        )
        if tercero is None:
            raise NotFound()
        await ensure_can_see_tercero(session, actor, tercero_id)
        type_id = await session.scalar(
            select(FollowUpType.id).where(
                FollowUpType.name == VISIT_TYPE, FollowUpType.active.is_(True)
            )
        )
        if type_id is None:
            raise NotFound("route.error.no_visit_type", name=VISIT_TYPE)
        recent = await session.scalar(
            select(FollowUp.id)
            .where(
                FollowUp.tercero_id == tercero_id,
                FollowUp.owner_id == actor.id,
                FollowUp.type_id == type_id,
                FollowUp.status == FollowUpStatus.ACTIVE,
                FollowUp.created_at >= now - VISIT_AGAIN,
            )
            .order_by(FollowUp.id.desc())
            .limit(1)
        )
        if recent is not None:
            return StartedVisit(await followup_view(session, recent), created=False)
        card = await create_in_session(
            session, crm, actor, tercero_id=tercero_id, type_id=type_id, due_at=now
        )
        return StartedVisit(card, created=True)
