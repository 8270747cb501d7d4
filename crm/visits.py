"""Verified visits and where terceros are.

A visit is a follow-up event of kind ``visit``: ``at`` is its start, ``latitude`` /
``longitude`` where the agent stood, ``distance_m`` how far that is from the tercero,
``verified`` whether it counts as proof, ``ended_at`` its end. The agent's position is stored
only here (README "Privacidad").

A shared location proves a visit only when it is fresh and the agent's own: a forwarded
location (Telegram's ``forward_origin``) or one whose message was sent long before it reached
us is recorded but never verified, whatever the distance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import audit
from crm.context import Crm
from crm.errors import AlreadyFinished, CrmError, NotAuthorized, NotFound
from crm.geo import LocationSource, Point, check_pair, distance_m
from crm.parsing import BadValue
from crm.permissions import ensure_can_act_for, owner_filter
from crm.scope import ensure_can_see_tercero
from crm.users import Actor
from storage.models import FollowUp, FollowUpEvent, Tercero, User

VISIT = "visit"
# A location message sent this long before we handle it is not proof of being there now.
STALE_AFTER = timedelta(minutes=5)
# A second share closes the open visit only if it started within this window; an older one
# was simply never closed, and the share starts a new visit.
OPEN_VISIT_WINDOW = timedelta(hours=12)


class VisitCheck(StrEnum):
    OK = "ok"  # within the radius: verified
    FAR = "far"  # farther than the radius
    FORWARDED = "forwarded"  # someone else's location, forwarded
    STALE = "stale"  # sent long before it reached the bot
    NO_LOCATION = "no_location"  # the tercero has no coordinates yet


class NoOpenVisit(CrmError):
    key = "visit.error.none_open"


class OutsideColombia(CrmError):
    key = "visit.error.outside"


class LocationAlreadySet(CrmError):
    key = "visit.error.already_located"


@dataclass(frozen=True)
class SharedLocation:
    """A location message as the handler saw it."""

    point: Point
    sent_at: datetime
    forwarded: bool = False
    live: bool = False


@dataclass(frozen=True)
class VisitView:
    event_id: int
    followup_id: int
    tercero_id: int
    tercero_name: str
    started_at: datetime
    ended_at: datetime | None
    distance_m: int | None
    verified: bool
    check: VisitCheck
    # The agent may offer "Guardar como ubicación del tercero" (no coordinates yet, own fresh
    # location).
    can_save_location: bool = False

    @property
    def duration_minutes(self) -> int | None:
        if self.ended_at is None:
            return None
        return max(0, round((self.ended_at - self.started_at).total_seconds() / 60))


@dataclass(frozen=True)
class TerceroLocation:
    tercero_id: int
    name: str
    point: Point | None
    source: str | None
    by_name: str | None
    at: datetime | None
    address: str | None = None


def _check(
    location: SharedLocation, tercero: Tercero, now: datetime, radius_m: int
) -> tuple[VisitCheck, int | None]:
    distance = None
    if tercero.latitude is not None and tercero.longitude is not None:
        distance = round(distance_m(location.point, Point(tercero.latitude, tercero.longitude)))
    if location.forwarded:
        return VisitCheck.FORWARDED, distance
    if now - location.sent_at > STALE_AFTER:
        return VisitCheck.STALE, distance
    if distance is None:
        return VisitCheck.NO_LOCATION, None
    return (VisitCheck.OK if distance <= radius_m else VisitCheck.FAR), distance


def _view(event: FollowUpEvent, followup: FollowUp, tercero: Tercero) -> VisitView:
    check = VisitCheck(event.visit_check or VisitCheck.NO_LOCATION)
    return VisitView(
        event_id=event.id,
        followup_id=followup.id,
        tercero_id=tercero.id,
        tercero_name=tercero.name,
        started_at=event.at,
        ended_at=event.ended_at,
        distance_m=event.distance_m,
        verified=bool(event.verified),
        check=check,
        can_save_location=check == VisitCheck.NO_LOCATION and tercero.latitude is None,
    )


async def _open_visit(
    session: AsyncSession, followup_id: int, actor: Actor, now: datetime
) -> FollowUpEvent | None:
    return await session.scalar(
        select(FollowUpEvent)
        .where(
            FollowUpEvent.followup_id == followup_id,
            FollowUpEvent.kind == VISIT,
            FollowUpEvent.actor_id == actor.id,
            FollowUpEvent.ended_at.is_(None),
            FollowUpEvent.at >= now - OPEN_VISIT_WINDOW,
        )
        .order_by(FollowUpEvent.at.desc(), FollowUpEvent.id.desc())
        .limit(1)
        .with_for_update()
    )


async def _load(session: AsyncSession, actor: Actor, followup_id: int) -> FollowUp:
    followup = await session.get(FollowUp, followup_id, with_for_update=True)
    if followup is None:
        raise NotFound()
    await ensure_can_act_for(session, actor, followup.owner_id)
    return followup


def _close(
    session: AsyncSession, event: FollowUpEvent, followup: FollowUp, actor: Actor, now: datetime
) -> None:
    event.ended_at = now
    followup.version += 1
    audit.record(
        session,
        at=now,
        actor_id=actor.id,
        entity="followup",
        entity_id=followup.id,
        action="visit_end",
        after={"visit": event.id, "minutes": round((now - event.at).total_seconds() / 60)},
    )


async def share_location(
    crm: Crm, actor: Actor, followup_id: int, location: SharedLocation, radius_m: int
) -> VisitView:
    """A location shared for the follow-up's visit: closes the open visit (a second share),
    or starts one, verified when fresh, the agent's own and within ``radius_m``."""
    now = crm.now()
    async with crm.sessions.begin() as session:
        followup = await _load(session, actor, followup_id)
        tercero = await session.get(Tercero, followup.tercero_id)
        assert tercero is not None
        open_visit = await _open_visit(session, followup_id, actor, now)
        if open_visit is not None:
            _close(session, open_visit, followup, actor, now)
            await session.flush()
            return _view(open_visit, followup, tercero)
        if followup.status != "active":
            raise AlreadyFinished()
        check, distance = _check(location, tercero, now, radius_m)
        event = FollowUpEvent(
            followup_id=followup.id,
            kind=VISIT,
            at=now,
            actor_id=actor.id,
            latitude=location.point.latitude,
            longitude=location.point.longitude,
            distance_m=distance,
            verified=check == VisitCheck.OK,
            visit_check=check.value,
        )
        session.add(event)
        followup.version += 1
        await session.flush()
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="followup",
            entity_id=followup.id,
            action="visit",
            after={
                "visit": event.id,
                "check": check.value,
                "distance_m": distance,
                "lat": location.point.latitude,
                "lon": location.point.longitude,
                "live": location.live,
            },
        )
        return _view(event, followup, tercero)


async def end_visit(crm: Crm, actor: Actor, followup_id: int) -> VisitView:
    """**Terminar visita**: close the open visit and record its duration."""
    now = crm.now()
    async with crm.sessions.begin() as session:
        followup = await _load(session, actor, followup_id)
        tercero = await session.get(Tercero, followup.tercero_id)
        assert tercero is not None
        open_visit = await _open_visit(session, followup_id, actor, now)
        if open_visit is None:
            raise NoOpenVisit()
        _close(session, open_visit, followup, actor, now)
        await session.flush()
        return _view(open_visit, followup, tercero)


async def open_visit_of(crm: Crm, actor: Actor, followup_id: int) -> VisitView | None:
    """The actor's visit in progress on this follow-up, if any (for the card's buttons)."""
    now = crm.now()
    async with crm.sessions() as session:
        followup = await session.get(FollowUp, followup_id)
        if followup is None:
            raise NotFound()
        await ensure_can_act_for(session, actor, followup.owner_id)
        event = await session.scalar(
            select(FollowUpEvent)
            .where(
                FollowUpEvent.followup_id == followup_id,
                FollowUpEvent.kind == VISIT,
                FollowUpEvent.actor_id == actor.id,
                FollowUpEvent.ended_at.is_(None),
                FollowUpEvent.at >= now - OPEN_VISIT_WINDOW,
            )
            .order_by(FollowUpEvent.at.desc(), FollowUpEvent.id.desc())
            .limit(1)
        )
        if event is None:
            return None
        tercero = await session.get(Tercero, followup.tercero_id)
        assert tercero is not None
        return _view(event, followup, tercero)


# --- where the tercero is --------------------------------------------------------------------


def _point(latitude: float, longitude: float) -> Point:
    try:
        point = check_pair(latitude, longitude)
    except BadValue as exc:
        raise OutsideColombia() from exc
    assert point is not None
    return point


def _set_location(
    session: AsyncSession,
    tercero: Tercero,
    point: Point,
    source: LocationSource,
    actor: Actor,
    now: datetime,
) -> None:
    before = {"lat": tercero.latitude, "lon": tercero.longitude, "source": tercero.location_source}
    tercero.latitude = point.latitude
    tercero.longitude = point.longitude
    tercero.location_source = source.value
    tercero.location_by_id = actor.id
    tercero.location_at = now
    audit.record(
        session,
        at=now,
        actor_id=actor.id,
        entity="tercero",
        entity_id=tercero.id,
        action="location",
        before=before,
        after={"lat": point.latitude, "lon": point.longitude, "source": source.value},
    )


async def save_visit_location(crm: Crm, actor: Actor, event_id: int) -> TerceroLocation:
    """ "Guardar como ubicación del tercero": the visit's own fresh position becomes the
    tercero's, the first time only for an agent (supervisors and admins may overwrite)."""
    now = crm.now()
    async with crm.sessions.begin() as session:
        event = await session.get(FollowUpEvent, event_id)
        if event is None or event.kind != VISIT or event.latitude is None:
            raise NotFound()
        followup = await session.get(FollowUp, event.followup_id)
        assert followup is not None
        await ensure_can_act_for(session, actor, followup.owner_id)
        if event.visit_check in (VisitCheck.FORWARDED, VisitCheck.STALE):
            raise NotAuthorized("visit.error.not_fresh")
        tercero = await session.get(Tercero, followup.tercero_id, with_for_update=True)
        assert tercero is not None
        if actor.is_agent and (tercero.latitude is not None or event.actor_id != actor.id):
            raise LocationAlreadySet()
        point = _point(event.latitude, event.longitude or 0.0)
        _set_location(session, tercero, point, LocationSource.VISIT, actor, now)
        return TerceroLocation(
            tercero.id, tercero.name, point, LocationSource.VISIT, actor.name, now
        )


async def set_tercero_location(
    crm: Crm, actor: Actor, tercero_id: int, latitude: float, longitude: float
) -> TerceroLocation:
    """A supervisor or admin sets the tercero's location from a shared location (the tercero
    card's **📍 Ubicación**)."""
    if actor.is_agent:
        raise NotAuthorized()
    now = crm.now()
    point = _point(latitude, longitude)
    async with crm.sessions.begin() as session:
        tercero = await ensure_can_see_tercero(session, actor, tercero_id)
        _set_location(session, tercero, point, LocationSource.SHARED, actor, now)
        return TerceroLocation(
            tercero.id, tercero.name, point, LocationSource.SHARED, actor.name, now
        )


async def tercero_location(crm: Crm, actor: Actor, tercero_id: int) -> TerceroLocation:
    """Where the tercero is, and who said so (for the card and **📍 Llegar**)."""
    async with crm.sessions() as session:
        tercero = await ensure_can_see_tercero(session, actor, tercero_id)
        by = None
        if tercero.location_by_id is not None:
            user = await session.get(User, tercero.location_by_id)
            by = user.name if user else None
        point = (
            Point(tercero.latitude, tercero.longitude)
            if tercero.latitude is not None and tercero.longitude is not None
            else None
        )
        address = ", ".join(p for p in (tercero.address, tercero.city) if p) or None
        return TerceroLocation(
            tercero.id,
            tercero.name,
            point,
            tercero.location_source,
            by,
            tercero.location_at,
            address,
        )


async def visits_on_route(session: AsyncSession, actor: Actor, since: datetime) -> frozenset[str]:
    """Codes of the users in the actor's scope who registered a visit since ``since`` (the
    team agenda marks them as on a route today)."""
    rows = await session.scalars(
        select(User.code)
        .join(FollowUpEvent, FollowUpEvent.actor_id == User.id)
        .where(
            FollowUpEvent.kind == VISIT,
            FollowUpEvent.at >= since,
            owner_filter(actor, User.id),
        )
        .distinct()
    )
    return frozenset(rows.all())
