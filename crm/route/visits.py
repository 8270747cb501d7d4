"""Verified visits and where terceros are.

A visit is a follow-up event of kind ``visit``: ``at`` is its start, ``latitude`` /
``longitude`` where the agent stood, ``distance_m`` how far that is from the tercero,
``verified`` whether it counts as proof, ``ended_at`` its end. The agent's position is stored
only here (README "Privacidad").

A shared location proves a visit only when it is a **live location** (the message carries
``live_period``: Telegram shares those only from the phone's own position), the agent's own
(not forwarded, not sent through an inline bot, not a venue picked from a list), fresh, and
within the radius of a **confirmed** tercero location, compared without rounding. Anything
else is recorded but never verified: a static pin (``static``) is what a pin dropped anywhere
on the map sends. A location an agent saved for a tercero is ``proposed`` until a supervisor
confirms it (or the ERP sends one), so an agent cannot verify visits against a place he chose.
A live share that arrives while the agent's visit is open and unverified for want of a live
location refines that visit instead of closing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import AlreadyFinished, CrmError, NotAuthorized, NotFound
from crm.kernel.geo import LocationSource, LocationStatus, Point, check_pair, distance_m
from crm.kernel.parsing import BadValue
from crm.kernel.permissions import ensure_can_act_for, owner_filter
from crm.kernel.scope import ensure_can_see_tercero
from crm.ley2300 import guard as contact_guard
from crm.ley2300.rules import Channel, Verdict
from storage.models import FollowUp, FollowUpEvent, FollowUpStatus, Tercero, User

VISIT = "visit"
# A location message sent this long before we handle it is not proof of being there now.
STALE_AFTER = timedelta(minutes=5)
# A second share closes the open visit only if it started within this window; an older one
# was simply never closed, and the share starts a new visit.
OPEN_VISIT_WINDOW = contact_guard.OPEN_VISIT_WINDOW
# The contact attempt's result for a visit (the contactos report shows it as is).
VISIT_RESULT = {True: "visita verificada", False: "visita no verificada"}


class VisitCheck(StrEnum):
    OK = "ok"  # within the radius: verified
    FAR = "far"  # farther than the radius
    FORWARDED = "forwarded"  # someone else's location, forwarded
    VIA_BOT = "via_bot"  # sent through an inline bot: any point it offered
    VENUE = "venue"  # a place picked from a list, not where the phone is
    STALE = "stale"  # sent long before it reached the bot
    STATIC = "static"  # a plain pin (no live_period): it can be dropped anywhere on the map
    NO_LOCATION = "no_location"  # the tercero has no coordinates yet
    PROPOSED = "proposed"  # the tercero's location awaits a supervisor's confirmation


# Why a share says nothing about where the phone is: a later live share of the same visit
# replaces it (the visit is refined instead of closed).
NOT_LIVE_PROOF = frozenset(
    {
        VisitCheck.FORWARDED,
        VisitCheck.VIA_BOT,
        VisitCheck.VENUE,
        VisitCheck.STALE,
        VisitCheck.STATIC,
    }
)


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
    via_bot: bool = False
    venue: bool = False


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
    # live location).
    can_save_location: bool = False
    # A live share would verify it (shown as a hint).
    wants_live: bool = False

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
    status: str | None = None


def _check(
    location: SharedLocation, tercero: Tercero, now: datetime, radius_m: int
) -> tuple[VisitCheck, float | None]:
    """Why the share does (not) verify the visit, and the exact distance to the tercero."""
    distance = None
    if tercero.latitude is not None and tercero.longitude is not None:
        distance = distance_m(location.point, Point(tercero.latitude, tercero.longitude))
    if location.forwarded:
        return VisitCheck.FORWARDED, distance
    if location.via_bot:
        return VisitCheck.VIA_BOT, distance
    if location.venue:
        return VisitCheck.VENUE, distance
    if now - location.sent_at > STALE_AFTER:
        return VisitCheck.STALE, distance
    if not location.live:
        return VisitCheck.STATIC, distance
    if distance is None:
        return VisitCheck.NO_LOCATION, None
    if tercero.location_status != LocationStatus.CONFIRMED:
        return VisitCheck.PROPOSED, distance
    # Compared unrounded: 150.4 m is outside a 150 m radius.
    return (VisitCheck.OK if distance <= radius_m else VisitCheck.FAR), distance


def _metres(distance: float | None) -> int | None:
    """The distance as stored and shown (whole metres)."""
    return None if distance is None else round(distance)


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
        wants_live=check in NOT_LIVE_PROOF,
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


def _record_check(
    event: FollowUpEvent, location: SharedLocation, check: VisitCheck, distance: float | None
) -> None:
    event.latitude = location.point.latitude
    event.longitude = location.point.longitude
    event.distance_m = _metres(distance)
    event.verified = check == VisitCheck.OK
    event.visit_check = check.value


def _audit_share(
    session: AsyncSession,
    actor: Actor,
    followup: FollowUp,
    event: FollowUpEvent,
    location: SharedLocation,
    now: datetime,
    action: str,
) -> None:
    audit.record(
        session,
        at=now,
        actor_id=actor.id,
        entity="followup",
        entity_id=followup.id,
        action=action,
        after={
            "visit": event.id,
            "check": event.visit_check,
            "distance_m": event.distance_m,
            "lat": location.point.latitude,
            "lon": location.point.longitude,
            "live": location.live,
        },
    )


async def share_location(
    crm: Crm, actor: Actor, followup_id: int, location: SharedLocation, radius_m: int
) -> VisitView:
    """A location shared for the follow-up's visit: closes the open visit (a second share),
    or starts one, verified when live, fresh, the agent's own and within ``radius_m`` of the
    tercero's confirmed location. A live share while the open visit lacks a live location
    refines that visit (its start moves to now). Starting a visit is a contact through
    ``visita``: when the Ley 2300 guard refuses it, ContactBlocked is raised once the blocked
    attempt is committed, and no visit is recorded."""
    now = crm.now()
    blocked: Verdict
    async with crm.write(wait=True) as session:
        followup = await _load(session, actor, followup_id)
        tercero = await session.get(Tercero, followup.tercero_id)
        assert tercero is not None
        open_visit = await _open_visit(session, followup_id, actor, now)
        check, distance = _check(location, tercero, now, radius_m)
        if open_visit is not None:
            if open_visit.visit_check in NOT_LIVE_PROOF and check not in NOT_LIVE_PROOF:
                open_visit.at = now
                _record_check(open_visit, location, check, distance)
                followup.version += 1
                _audit_share(session, actor, followup, open_visit, location, now, "visit_refined")
                await session.flush()
                return _view(open_visit, followup, tercero)
            _close(session, open_visit, followup, actor, now)
            await session.flush()
            return _view(open_visit, followup, tercero)
        if followup.status != FollowUpStatus.ACTIVE:
            raise AlreadyFinished()
        # A visit is a contact through "visita": the Ley 2300 guard decides first.
        admission = await contact_guard.admit(
            session,
            crm,
            actor,
            followup,
            now,
            Channel.VISITA.value,
            result=VISIT_RESULT[check == VisitCheck.OK],
        )
        if admission.blocked:
            blocked = admission.verdict
        else:
            event = FollowUpEvent(followup_id=followup.id, kind=VISIT, at=now, actor_id=actor.id)
            _record_check(event, location, check, distance)
            session.add(event)
            followup.version += 1
            await session.flush()
            admission.link(event)
            _audit_share(session, actor, followup, event, location, now, "visit")
            return _view(event, followup, tercero)
    raise contact_guard.ContactBlocked(blocked)


async def end_visit(crm: Crm, actor: Actor, followup_id: int) -> VisitView:
    """**Terminar visita**: close the open visit and record its duration."""
    now = crm.now()
    async with crm.write(wait=True) as session:
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
    async with crm.read() as session:
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


def _status_for(actor: Actor) -> LocationStatus:
    """An agent's location is a proposal; a supervisor's or an admin's is confirmed."""
    return LocationStatus.PROPOSED if actor.is_agent else LocationStatus.CONFIRMED


def _set_location(
    session: AsyncSession,
    tercero: Tercero,
    point: Point,
    source: LocationSource,
    actor: Actor,
    now: datetime,
) -> LocationStatus:
    before = {
        "lat": tercero.latitude,
        "lon": tercero.longitude,
        "source": tercero.location_source,
        "status": tercero.location_status,
    }
    status = _status_for(actor)
    tercero.latitude = point.latitude
    tercero.longitude = point.longitude
    tercero.location_source = source.value
    tercero.location_status = status.value
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
        after={
            "lat": point.latitude,
            "lon": point.longitude,
            "source": source.value,
            "status": status.value,
        },
    )
    return status


async def save_visit_location(crm: Crm, actor: Actor, event_id: int) -> TerceroLocation:
    """ "Guardar como ubicación del tercero": the visit's own fresh live position becomes the
    tercero's, the first time only for an agent and then only proposed (supervisors and admins
    may overwrite, and theirs is confirmed)."""
    now = crm.now()
    async with crm.write(wait=True) as session:
        event = await session.get(FollowUpEvent, event_id)
        if event is None or event.kind != VISIT or event.latitude is None:
            raise NotFound()
        followup = await session.get(FollowUp, event.followup_id)
        assert followup is not None
        await ensure_can_act_for(session, actor, followup.owner_id)
        if event.visit_check is None or VisitCheck(event.visit_check) in NOT_LIVE_PROOF:
            raise NotAuthorized("visit.error.not_fresh")
        tercero = await session.get(Tercero, followup.tercero_id, with_for_update=True)
        assert tercero is not None
        if actor.is_agent and (tercero.latitude is not None or event.actor_id != actor.id):
            raise LocationAlreadySet()
        point = _point(event.latitude, event.longitude or 0.0)
        status = _set_location(session, tercero, point, LocationSource.VISIT, actor, now)
        return TerceroLocation(
            tercero.id, tercero.name, point, LocationSource.VISIT, actor.name, now, None, status
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
    async with crm.write(wait=True) as session:
        tercero = await ensure_can_see_tercero(session, actor, tercero_id)
        status = _set_location(session, tercero, point, LocationSource.SHARED, actor, now)
        return TerceroLocation(
            tercero.id, tercero.name, point, LocationSource.SHARED, actor.name, now, None, status
        )


async def confirm_tercero_location(crm: Crm, actor: Actor, tercero_id: int) -> TerceroLocation:
    """A supervisor or admin confirms the location an agent proposed (the tercero card's
    **✅ Confirmar ubicación**): visits are verified against it from now on."""
    if actor.is_agent:
        raise NotAuthorized()
    now = crm.now()
    async with crm.write(wait=True) as session:
        tercero = await ensure_can_see_tercero(session, actor, tercero_id)
        await session.refresh(tercero, with_for_update=True)
        if tercero.latitude is None or tercero.longitude is None:
            raise NotFound("route.no_location")
        if tercero.location_status != LocationStatus.CONFIRMED:
            audit.record(
                session,
                at=now,
                actor_id=actor.id,
                entity="tercero",
                entity_id=tercero.id,
                action="location_confirmed",
                before={"status": tercero.location_status},
                after={
                    "status": LocationStatus.CONFIRMED.value,
                    "lat": tercero.latitude,
                    "lon": tercero.longitude,
                },
            )
            tercero.location_status = LocationStatus.CONFIRMED.value
        by = await session.get(User, tercero.location_by_id) if tercero.location_by_id else None
        return TerceroLocation(
            tercero.id,
            tercero.name,
            Point(tercero.latitude, tercero.longitude),
            tercero.location_source,
            by.name if by else None,
            tercero.location_at,
            None,
            tercero.location_status,
        )


async def tercero_location(crm: Crm, actor: Actor, tercero_id: int) -> TerceroLocation:
    """Where the tercero is, and who said so (for the card and **📍 Llegar**)."""
    async with crm.read() as session:
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
            tercero.location_status,
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
