"""Verified visits, tercero coordinates (import and visit), /ruta and /cerca use cases, on
SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import math
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crm.erp.cells import RowError
from crm.erp.importer import import_file
from crm.followups.lifecycle import create_followup, get_followup
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized
from crm.kernel.geo import EARTH_RADIUS_M, Point, distance_m
from crm.route import day as route_day
from crm.route import visits
from crm.route.visits import SharedLocation, VisitCheck
from storage.models import AuditEntry, FollowUp, Tercero
from tests.conftest import BOGOTA, Team, seed_team
from tests.support.data import make_document, make_tercero, type_id

SHOP = Point(4.6097, -74.0817)  # the tercero
AT_DOOR = Point(4.6099, -74.0815)  # ~31 m away
TWO_KM = Point(4.6277, -74.0817)  # ~2 km north
RADIUS = 150


async def _actor(crm: Crm, tg: int) -> Actor:
    actor = await resolve_actor(crm, tg)
    assert actor is not None
    return actor


async def _located(crm: Crm, tercero_id: int, point: Point | None) -> None:
    async with crm.sessions.begin() as session:
        tercero = await session.get(Tercero, tercero_id)
        assert tercero is not None
        tercero.latitude = point.latitude if point else None
        tercero.longitude = point.longitude if point else None
        tercero.location_source = "erp" if point else None
        tercero.location_status = "confirmed" if point else None


async def _followup(
    crm: Crm, actor: Actor, point: Point | None, nit: str = "900123456-7", **kw: object
) -> tuple[int, int]:
    tercero = await make_tercero(
        crm,
        nit=nit,
        name=kw.pop("name", f"Tienda {nit}"),
        encargado_id=actor.id,  # type: ignore[arg-type]
    )
    await _located(crm, tercero, point)
    f = await create_followup(
        crm,
        actor,
        tercero_id=tercero,
        type_id=await type_id(crm),
        **kw,  # type: ignore[arg-type]
    )
    return f.id, tercero


def _shared(crm: Crm, point: Point, **kw: object) -> SharedLocation:
    """A live location shared now (what the phone sends for "Compartir en tiempo real")."""
    kw.setdefault("live", True)
    return SharedLocation(point, kw.pop("sent_at", crm.now()), **kw)  # type: ignore[arg-type]


async def test_visit_within_the_radius_is_verified_and_closed_by_a_second_share(
    crm: Crm,
) -> None:
    await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    fid, _ = await _followup(crm, luis, SHOP)
    v = await visits.share_location(crm, luis, fid, _shared(crm, AT_DOOR), RADIUS)
    assert v.verified and v.check == VisitCheck.OK and v.ended_at is None
    assert v.distance_m is not None and 25 <= v.distance_m <= 40
    card = await get_followup(crm, luis, fid)
    assert card.events[-1].kind == "visit"
    assert (card.events[-1].latitude, card.events[-1].longitude) == (4.6099, -74.0815)
    assert (await visits.open_visit_of(crm, luis, fid)) is not None
    crm.clock.current += timedelta(minutes=25)  # type: ignore[attr-defined]
    ended = await visits.share_location(crm, luis, fid, _shared(crm, AT_DOOR), RADIUS)
    assert ended.event_id == v.event_id and ended.duration_minutes == 25
    assert await visits.open_visit_of(crm, luis, fid) is None
    async with crm.sessions() as session:
        actions = (await session.scalars(select(AuditEntry.action))).all()
    assert "visit" in actions and "visit_end" in actions


async def test_far_forwarded_stale_and_unlocated_visits_are_not_verified(crm: Crm) -> None:
    await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    far, _ = await _followup(crm, luis, SHOP, nit="1")
    v = await visits.share_location(crm, luis, far, _shared(crm, TWO_KM), RADIUS)
    assert not v.verified and v.check == VisitCheck.FAR
    assert v.distance_m is not None and 1950 <= v.distance_m <= 2050
    fwd, _ = await _followup(crm, luis, SHOP, nit="2")
    v = await visits.share_location(crm, luis, fwd, _shared(crm, SHOP, forwarded=True), RADIUS)
    assert not v.verified and v.check == VisitCheck.FORWARDED and v.distance_m == 0
    stale, _ = await _followup(crm, luis, SHOP, nit="3")
    old = crm.now() - timedelta(minutes=30)
    v = await visits.share_location(crm, luis, stale, _shared(crm, SHOP, sent_at=old), RADIUS)
    assert not v.verified and v.check == VisitCheck.STALE
    # Within the 5 minutes Telegram may take to deliver: still fresh.
    fresh, _ = await _followup(crm, luis, SHOP, nit="5")
    recent = crm.now() - timedelta(minutes=4)
    v = await visits.share_location(crm, luis, fresh, _shared(crm, SHOP, sent_at=recent), RADIUS)
    assert v.verified
    nowhere, tercero = await _followup(crm, luis, None, nit="4")
    v = await visits.share_location(crm, luis, nowhere, _shared(crm, AT_DOOR), RADIUS)
    assert not v.verified and v.check == VisitCheck.NO_LOCATION and v.can_save_location
    # The agent saves it: the tercero now has the visit's coordinates, source "visit".
    saved = await visits.save_visit_location(crm, luis, v.event_id)
    assert saved.point == AT_DOOR and saved.source == "visit" and saved.by_name == "Luis Gómez"
    where = await visits.tercero_location(crm, luis, tercero)
    assert where.point == AT_DOOR and where.at == crm.now()
    # Only the first time for an agent; a supervisor may move it from a shared location.
    with pytest.raises(visits.LocationAlreadySet):
        await visits.save_visit_location(crm, luis, v.event_id)
    ana = await _actor(crm, Team.ana)
    moved = await visits.set_tercero_location(crm, ana, tercero, SHOP.latitude, SHOP.longitude)
    assert moved.source == "shared" and moved.by_name == "Ana Supervisora"
    with pytest.raises(NotAuthorized):
        await visits.set_tercero_location(crm, luis, tercero, 4.6, -74.08)
    with pytest.raises(visits.OutsideColombia):
        await visits.set_tercero_location(crm, ana, tercero, 40.4, -3.7)
    # A forwarded pin never becomes the tercero's location.
    unloc, _ = await _followup(crm, luis, None, nit="6")
    v = await visits.share_location(crm, luis, unloc, _shared(crm, SHOP, forwarded=True), RADIUS)
    assert not v.can_save_location
    with pytest.raises(NotAuthorized):
        await visits.save_visit_location(crm, luis, v.event_id)


def _north_of(point: Point, metres: float) -> Point:
    """The point ``metres`` due north (along the meridian: the haversine gives it back)."""
    return Point(point.latitude + math.degrees(metres / EARTH_RADIUS_M), point.longitude)


async def test_a_static_pin_at_the_tercero_proves_nothing_until_shared_live(crm: Crm) -> None:
    """A plain location (what a pin dropped on the map sends) is "no verificada (ubicación
    fija)", even at 0 m; the live share that follows refines the same visit."""
    await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    fid, _ = await _followup(crm, luis, SHOP)
    pin = await visits.share_location(crm, luis, fid, _shared(crm, SHOP, live=False), RADIUS)
    assert not pin.verified and pin.check == VisitCheck.STATIC and pin.wants_live
    assert pin.distance_m == 0
    crm.clock.current += timedelta(minutes=3)  # type: ignore[attr-defined]
    live = await visits.share_location(crm, luis, fid, _shared(crm, AT_DOOR), RADIUS)
    assert live.event_id == pin.event_id and live.ended_at is None
    assert live.verified and live.check == VisitCheck.OK and live.started_at == crm.now()
    # The next share closes it, as always.
    ended = await visits.share_location(crm, luis, fid, _shared(crm, AT_DOOR), RADIUS)
    assert ended.ended_at == crm.now()
    # A static pin never becomes the tercero's location either.
    nowhere, _ = await _followup(crm, luis, None, nit="8")
    v = await visits.share_location(crm, luis, nowhere, _shared(crm, SHOP, live=False), RADIUS)
    assert not v.can_save_location
    with pytest.raises(NotAuthorized):
        await visits.save_visit_location(crm, luis, v.event_id)


async def test_locations_through_an_inline_bot_or_picked_venues_are_not_verified(
    crm: Crm,
) -> None:
    await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    via_bot, _ = await _followup(crm, luis, SHOP, nit="1")
    v = await visits.share_location(crm, luis, via_bot, _shared(crm, SHOP, via_bot=True), RADIUS)
    assert not v.verified and v.check == VisitCheck.VIA_BOT
    venue, _ = await _followup(crm, luis, SHOP, nit="2")
    v = await visits.share_location(crm, luis, venue, _shared(crm, SHOP, venue=True), RADIUS)
    assert not v.verified and v.check == VisitCheck.VENUE


async def test_the_radius_is_compared_without_rounding(crm: Crm) -> None:
    await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    outside, inside = _north_of(SHOP, 150.4), _north_of(SHOP, 149.6)
    assert 150.3 < distance_m(SHOP, outside) < 150.5
    assert 149.5 < distance_m(SHOP, inside) < 149.7
    far, _ = await _followup(crm, luis, SHOP, nit="1")
    v = await visits.share_location(crm, luis, far, _shared(crm, outside), RADIUS)
    assert not v.verified and v.check == VisitCheck.FAR and v.distance_m == 150
    near, _ = await _followup(crm, luis, SHOP, nit="2")
    v = await visits.share_location(crm, luis, near, _shared(crm, inside), RADIUS)
    assert v.verified and v.check == VisitCheck.OK


async def test_an_agents_saved_location_is_proposed_until_a_supervisor_confirms_it(
    crm: Crm,
) -> None:
    """Saving his home as the tercero's location does not let an agent verify visits from
    home: the location is a proposal until a supervisor confirms it."""
    await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    ana = await _actor(crm, Team.ana)
    home = Point(4.7000, -74.0500)
    first, tercero = await _followup(crm, luis, None, nit="1")
    v = await visits.share_location(crm, luis, first, _shared(crm, home), RADIUS)
    assert v.can_save_location
    saved = await visits.save_visit_location(crm, luis, v.event_id)
    assert saved.status == "proposed"
    await visits.end_visit(crm, luis, first)
    crm.clock.current += timedelta(days=1)  # type: ignore[attr-defined]
    second = await create_followup(crm, luis, tercero_id=tercero, type_id=await type_id(crm))
    v = await visits.share_location(crm, luis, second.id, _shared(crm, home), RADIUS)
    assert not v.verified and v.check == VisitCheck.PROPOSED and v.distance_m == 0
    await visits.end_visit(crm, luis, second.id)
    # Only a supervisor or admin confirms it; then visits there verify.
    with pytest.raises(NotAuthorized):
        await visits.confirm_tercero_location(crm, luis, tercero)
    confirmed = await visits.confirm_tercero_location(crm, ana, tercero)
    assert confirmed.status == "confirmed" and confirmed.point == home
    assert confirmed.by_name == "Luis Gómez"
    v = await visits.share_location(crm, luis, second.id, _shared(crm, home), RADIUS)
    assert v.verified and v.check == VisitCheck.OK
    async with crm.sessions() as session:
        actions = (
            await session.scalars(select(AuditEntry.action).where(AuditEntry.entity == "tercero"))
        ).all()
    assert actions == ["location", "location_confirmed"]
    # A supervisor's own location, and the ERP's, are confirmed at once.
    _, moved = await _followup(crm, luis, None, nit="2")
    assert (await visits.set_tercero_location(crm, ana, moved, 4.6, -74.08)).status == (
        "confirmed"
    )


async def test_terminar_visita_and_permissions(crm: Crm) -> None:
    await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    fid, _ = await _followup(crm, luis, SHOP)
    with pytest.raises(visits.NoOpenVisit):
        await visits.end_visit(crm, luis, fid)
    await visits.share_location(crm, luis, fid, _shared(crm, AT_DOOR), RADIUS)
    crm.clock.current += timedelta(minutes=12)  # type: ignore[attr-defined]
    ended = await visits.end_visit(crm, luis, fid)
    assert ended.duration_minutes == 12
    pedro = await _actor(crm, Team.pedro)
    with pytest.raises(NotAuthorized):
        await visits.share_location(crm, pedro, fid, _shared(crm, AT_DOOR), RADIUS)


async def test_terceros_import_reads_latitud_and_longitud(crm: Crm, tmp_path: Path) -> None:
    await seed_team(crm)
    path = tmp_path / "t.csv"
    path.write_text(
        "nit;nombre;latitud;longitud\n"
        "100;Con ubicación;4,6097;-74,0817\n"
        "200;Sin ubicación;;\n"
        "300;Solo latitud;4.6;\n"
        "400;En Madrid;40.4168;-3.7038\n"
        "500;Texto;norte;-74\n",
        encoding="utf-8",
    )
    errors: list[RowError] = []
    result = await import_file(crm, "terceros", path, on_error=errors.append, skip_invalid=True)
    assert [(e.row, e.column, e.key) for e in errors] == [
        (4, "longitud", "import.problem.coordinates_pair"),
        (5, "latitud", "import.problem.outside_colombia"),
        (6, "latitud", "import.problem.bad_coordinate"),
    ]
    assert result.inserted == 2
    async with crm.sessions() as session:
        rows = {
            t.nit: (t.latitude, t.longitude, t.location_source)
            for t in (await session.scalars(select(Tercero))).all()
        }
    assert rows == {"100": (4.6097, -74.0817, "erp"), "200": (None, None, None)}
    async with crm.sessions() as session:
        statuses = dict(
            (await session.execute(select(Tercero.nit, Tercero.location_status))).all()
        )
    assert statuses == {"100": "confirmed", "200": None}
    # A visit saved a location for 200: a later import without coordinates keeps it, and an
    # unchanged re-import changes nothing.
    async with crm.sessions() as session:
        tid = await session.scalar(select(Tercero.id).where(Tercero.nit == "200"))
    assert tid is not None
    await _located(crm, tid, SHOP)
    again = tmp_path / "t2.csv"
    again.write_text(
        "nit;nombre;latitud;longitud\n100;Con ubicación;4,6097;-74,0817\n200;Sin ubicación;;\n",
        encoding="utf-8",
    )
    result = await import_file(crm, "terceros", again)
    assert result.unchanged == 2 and result.updated == 0
    async with crm.sessions() as session:
        t200 = await session.get(Tercero, tid)
        assert t200 is not None and (t200.latitude, t200.longitude) == (4.6097, -74.0817)


async def test_day_route_orders_todays_followups_and_lists_the_unlocated(crm: Crm) -> None:
    await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    today = datetime(2026, 11, 27, 16, 0, tzinfo=BOGOTA)
    far_id, _ = await _followup(crm, luis, Point(4.6277, -74.0817), nit="1", due_at=today)
    near_id, near_t = await _followup(
        crm, luis, Point(4.6115, -74.0817), nit="2", due_at=today - timedelta(days=3)
    )
    await make_document(crm, near_t, balance="2500000")
    unloc_id, _ = await _followup(crm, luis, None, nit="3", due_at=today)
    # Tomorrow's and other agents' follow-ups are not on today's route.
    await _followup(crm, luis, SHOP, nit="4", due_at=today + timedelta(days=1))
    maria = await _actor(crm, Team.maria)
    await _followup(crm, maria, SHOP, nit="5", due_at=today)
    day = await route_day.day_route(crm, luis, SHOP, speed_kmh=20)
    assert [s.followup_id for s in day.stops] == [near_id, far_id]
    assert [s.followup_id for s in day.unlocated] == [unloc_id]
    near = day.stops[0]
    assert near.days_overdue == 3 and near.balance == Decimal("2500000.00")
    assert near.km_from_previous == pytest.approx(0.2, abs=0.01)
    assert day.stops[1].km_from_previous == pytest.approx(1.8, abs=0.01)
    assert day.total_km == pytest.approx(2.0, abs=0.01)
    assert day.stops[1].eta_minutes == 6  # 2 km at 20 km/h


async def test_nearby_terceros_nearest_first_within_km(crm: Crm) -> None:
    ids = await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    here = SHOP
    close = await make_tercero(crm, nit="1", name="Cerca", encargado_id=ids["LUIS"])
    closer = await make_tercero(crm, nit="2", name="Más cerca", encargado_id=ids["LUIS"])
    far = await make_tercero(crm, nit="3", name="Lejos", encargado_id=ids["LUIS"])
    other = await make_tercero(crm, nit="4", name="De María", encargado_id=ids["MARIA"])
    await _located(crm, close, Point(4.6180, -74.0817))  # ~0.9 km
    await _located(crm, closer, Point(4.6100, -74.0800))  # ~0.2 km
    await _located(crm, far, Point(4.6500, -74.0817))  # ~4.5 km
    await _located(crm, other, here)
    await make_document(crm, close, balance="700000")
    await create_followup(
        crm,
        luis,
        tercero_id=close,
        type_id=await type_id(crm),
        due_at=crm.now() - timedelta(hours=2),
    )
    found = await route_day.nearby(crm, luis, here, 2.0)
    assert [n.name for n in found] == ["Más cerca", "Cerca"]
    assert found[1].balance == Decimal("700000.00") and found[1].open_followups == 1
    assert found[1].overdue and not found[0].overdue
    assert [n.name for n in await route_day.nearby(crm, luis, here, 5)][-1] == "Lejos"
    admin = await _actor(crm, Team.admin)
    assert "De María" in [n.name for n in await route_day.nearby(crm, admin, here, 1)]
    visit = (await route_day.start_visit(crm, luis, closer)).card
    assert visit.type_name == "Visita T.A.T." and visit.owner_id == ids["LUIS"]
    assert route_day.parse_km(None) == 2.0 and route_day.parse_km("0,5") == 0.5
    with pytest.raises(InvalidInput) as bad:
        route_day.parse_km("lejos")
    assert bad.value.key == "route.error.bad_km"


def test_visit_summary_per_agent() -> None:
    from crm.route.visit_report import summarize

    d1, d2 = datetime(2026, 11, 26, 9, 0), datetime(2026, 11, 27, 10, 0)
    rows = [
        (d1, "Luis", "1", "A", 1, "Sí", 30, 20),
        (d1, "Luis", "2", "B", 2, "No", 900, 10),
        (d2, "Luis", "3", "C", 3, "Sí", 12, None),  # still open: not in the average
        (d2, "María", "4", "D", 4, "No", None, 45),
    ]
    luis, maria = summarize(rows)
    assert (luis.agent, luis.visits, luis.per_day, luis.average_minutes) == ("Luis", 3, 1.5, 15)
    assert luis.verified_share == pytest.approx(2 / 3)
    assert (maria.visits, maria.verified_share, maria.per_day, maria.average_minutes) == (
        1,
        0,
        1,
        45,
    )
    assert summarize([]) == []


async def test_visita_tat_pressed_twice_at_once_opens_one(crm: Crm) -> None:
    """Issue 20: two presses of 🚶 Visita T.A.T. at the same instant (two instances on one
    database) make one follow-up; both show it."""
    ids = await seed_team(crm)
    luis = await _actor(crm, Team.luis)
    tercero = await make_tercero(crm, encargado_id=ids["LUIS"])
    started = await asyncio.gather(*(route_day.start_visit(crm, luis, tercero) for _ in range(3)))
    assert sorted(s.created for s in started) == [False, False, True]
    assert len({s.card.id for s in started}) == 1
    async with crm.sessions() as session:
        count = await session.scalar(
            select(func.count(FollowUp.id)).where(FollowUp.tercero_id == tercero)
        )
    assert count == 1


async def test_no_followup_on_a_tercero_outside_the_actors_book(crm: Crm) -> None:
    """Issue 20: a follow-up pulls its tercero into the owner's book, so creating one is
    refused outside the actor's book (agents: their own; supervisors: the team's)."""
    ids = await seed_team(crm)
    luis, pedro, ana = [await _actor(crm, tg) for tg in (Team.luis, Team.pedro, Team.ana)]
    maria_t = await make_tercero(crm, encargado_id=ids["MARIA"])
    cobro = await type_id(crm)
    with pytest.raises(NotAuthorized):
        await route_day.start_visit(crm, pedro, maria_t)
    for agent in (luis, pedro):
        with pytest.raises(NotAuthorized):
            await create_followup(crm, agent, tercero_id=maria_t, type_id=cobro)
    with pytest.raises(NotAuthorized):  # ANA's team does not reach PEDRO's book
        await create_followup(
            crm,
            ana,
            tercero_id=await make_tercero(crm, nit="9", encargado_id=ids["PEDRO"]),
            type_id=cobro,
        )
    async with crm.sessions() as session:
        assert await session.scalar(select(func.count(FollowUp.id))) == 0
    made = await create_followup(crm, ana, tercero_id=maria_t, type_id=cobro, owner_id=ids["LUIS"])
    assert made.owner_id == ids["LUIS"]
