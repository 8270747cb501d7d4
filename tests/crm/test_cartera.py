"""Cartera: aging buckets at their exact boundaries in local time, exact Decimal totals, the
book per role, "sin seguimiento", and starting follow-ups once and only once."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from crm.cobranza import cartera
from crm.cobranza import starts as cartera_starts
from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import Duplicate, InvalidInput, NotAuthorized
from storage.models import Document, FollowUp
from tests.conftest import BOGOTA, seed_team
from tests.support.data import make_document, make_tercero, state_id, type_id


@pytest.fixture
async def world(crm: Crm) -> dict[str, object]:
    users = await seed_team(crm)
    actors: dict[str, Actor] = {}
    for code, tg in (("ADMIN", 1), ("ANA", 2), ("LUIS", 3), ("MARIA", 4), ("PEDRO", 5)):
        actor = await resolve_actor(crm, tg)
        assert actor is not None
        actors[code] = actor
    ids = {
        "luis": await make_tercero(crm, "900000001-1", "Cliente de Luis", users["LUIS"]),
        "maria": await make_tercero(crm, "900000002-1", "Cliente de María", users["MARIA"]),
        "pedro": await make_tercero(crm, "900000003-1", "Cliente de Pedro", users["PEDRO"]),
    }
    return {"users": users, "ids": ids, **actors}


def _today(crm: Crm) -> date:
    return crm.today()


BOUNDARIES = [
    (0, "current"),
    (1, "d1_30"),
    (30, "d1_30"),
    (31, "d31_60"),
    (60, "d31_60"),
    (61, "d61_90"),
    (90, "d61_90"),
    (91, "d90_plus"),
]


async def test_aging_boundaries_in_local_time_near_midnight(
    crm: Crm, world, clock: FakeClock
) -> None:
    # 23:30 in Bogotá is already tomorrow in UTC: a UTC "today" would age everything a day.
    clock.set(datetime(2026, 11, 27, 23, 30, tzinfo=BOGOTA))
    today = date(2026, 11, 27)
    assert crm.now().date() == date(2026, 11, 28)
    tid = world["ids"]["luis"]
    for n, (days, _) in enumerate(BOUNDARIES):
        await make_document(
            crm, tid, f"D{days}", due=today - timedelta(days=days), balance=str(10**n)
        )
    # Not yet due at all, and a document without a due date (due on its own date, 5 days ago).
    await make_document(crm, tid, "FUT", due=today + timedelta(days=1), balance="0.01")
    await make_document(crm, tid, "NODUE", on=today - timedelta(days=5), due=None, balance="0.02")
    view = await cartera.tercero_cartera(crm, world["LUIS"], tid)
    got = {i.document.number: (i.days_past_due, i.bucket) for i in view.items}
    view2 = await cartera.tercero_cartera(crm, world["LUIS"], tid, page=1)
    got |= {i.document.number: (i.days_past_due, i.bucket) for i in view2.items}
    for days, bucket in BOUNDARIES:
        assert got[f"D{days}"] == (days, bucket)
        assert cartera.bucket_of(days) == bucket
    assert got["FUT"] == (-1, "current") and got["NODUE"] == (5, "d1_30")
    totals = view.totals
    assert totals.current == Decimal("1.01")  # 0 days + the future one
    assert totals.d1_30 == Decimal("110.02")  # 1 and 30 days + the one without due date
    assert totals.d31_60 == Decimal("11000")
    assert totals.d61_90 == Decimal("1100000")
    assert totals.d90_plus == Decimal("10000000")
    # A minute later it is the 28th in Bogotá: everything ages by one day.
    clock.advance(minutes=31)
    later = await cartera.tercero_cartera(crm, world["LUIS"], tid)
    assert later.totals.current == Decimal("0.01")


async def test_totals_are_exact_decimals_where_float_would_round_wrong(crm: Crm, world) -> None:
    tid = world["ids"]["luis"]
    value, count = "123456789012.34", 300
    float_sum = sum(float(value) for _ in range(count))
    exact = Decimal(value) * count
    assert Decimal(repr(float_sum)).quantize(Decimal("0.01")) != exact  # the trap is real
    async with crm.sessions.begin() as session:
        session.add_all(
            Document(
                tercero_id=tid,
                doc_type="FV",
                number=f"N{n}",
                date=date(2026, 1, 1),
                due_date=date(2026, 1, 31),
                value=Decimal(value),
                balance=Decimal(value),
            )
            for n in range(count)
        )
    view = await cartera.tercero_cartera(crm, world["LUIS"], tid)
    assert view.totals.d90_plus == exact and isinstance(view.totals.total, Decimal)
    book = await cartera.book_summary(crm, world["ADMIN"])
    assert book.totals.total == exact and book.top[0].overdue == exact


async def test_book_by_role_with_split_and_top(crm: Crm, world, clock: FakeClock) -> None:
    ids = world["ids"]
    today = _today(crm)
    await make_document(crm, ids["luis"], "L1", due=today - timedelta(days=10), balance="100.50")
    await make_document(crm, ids["luis"], "L2", due=today + timedelta(days=10), balance="50")
    await make_document(crm, ids["maria"], "M1", due=today - timedelta(days=70), balance="300")
    await make_document(crm, ids["pedro"], "P1", due=today - timedelta(days=100), balance="900")
    await make_document(crm, ids["pedro"], "P0", due=today - timedelta(days=100), balance="0")
    luis = await cartera.book_summary(crm, world["LUIS"])
    assert luis.scope == "own" and luis.totals.total == Decimal("150.50")
    assert luis.totals.d1_30 == Decimal("100.50") and luis.totals.current == Decimal("50.00")
    assert luis.agents == () and [t.name for t in luis.top] == ["Cliente de Luis"]
    assert (luis.documents, luis.uncovered) == (2, 2)
    ana = await cartera.book_summary(crm, world["ANA"])
    assert ana.scope == "team" and ana.totals.total == Decimal("450.50")
    assert [t.name for t in ana.top] == ["Cliente de María", "Cliente de Luis"]
    assert {(a.code, a.totals.total) for a in ana.agents} == {
        ("LUIS", Decimal("150.50")),
        ("MARIA", Decimal("300.00")),
    }
    admin = await cartera.book_summary(crm, world["ADMIN"])
    assert admin.totals.total == Decimal("1350.50") and admin.totals.d90_plus == Decimal("900")
    assert admin.top[0].name == "Cliente de Pedro" and len(admin.agents) == 3
    one = await cartera.book_summary(crm, world["ANA"], agent_code="maria")
    assert one.scope == "agent" and one.totals.total == Decimal("300.00")
    with pytest.raises(NotAuthorized):
        await cartera.book_summary(crm, world["ANA"], agent_code="PEDRO")
    with pytest.raises(NotAuthorized):
        await cartera.book_summary(crm, world["LUIS"], agent_code="MARIA")


async def test_sin_seguimiento_and_start_one(crm: Crm, world, clock: FakeClock) -> None:
    tid = world["ids"]["luis"]
    d1 = await make_document(crm, tid, "1", balance="100")
    d2 = await make_document(crm, tid, "2", balance="200")
    before = await cartera.tercero_cartera(crm, world["LUIS"], tid)
    assert all(i.uncovered for i in before.items) and before.uncovered == 2
    # Ana (supervisor) starts it: the owner is still the encargado, Luis.
    started = await cartera_starts.start_followup_for_document(crm, world["ANA"], d1)
    assert started.owner_code == "LUIS" and started.type_name == "Cobro de cartera"
    assert started.document is not None and started.document.id == d1
    assert started.due_at == clock.now() + timedelta(hours=24)
    after = await cartera.tercero_cartera(crm, world["LUIS"], tid)
    covered = {i.document.id: i.followup_id for i in after.items}
    assert covered == {d1: started.id, d2: None} and after.uncovered == 1
    with pytest.raises(Duplicate):
        await cartera_starts.start_followup_for_document(crm, world["LUIS"], d1)
    with pytest.raises(NotAuthorized):
        await cartera_starts.start_followup_for_document(crm, world["PEDRO"], d2)
    paid = await make_document(crm, tid, "3", balance="0")
    with pytest.raises(InvalidInput):
        await cartera_starts.start_followup_for_document(crm, world["LUIS"], paid)
    # Once closed, the document is uncovered again and may be started anew.
    await followups.close(crm, world["LUIS"], started.id, await state_id(crm, "Pagado"))
    again = await cartera_starts.start_followup_for_document(crm, world["LUIS"], d1)
    assert again.id != started.id


async def test_start_all_is_idempotent(crm: Crm, world) -> None:
    ids = world["ids"]
    for n in range(3):
        await make_document(crm, ids["luis"], f"L{n}", balance="10")
    await make_document(crm, ids["luis"], "PAID", balance="0")
    await make_document(crm, ids["maria"], "M1", balance="10")
    first = await cartera_starts.start_followup_for_document(
        crm, world["LUIS"], await _doc(crm, "L0")
    )
    one = await cartera_starts.start_all(crm, world["LUIS"], ids["luis"])
    assert (one.created, one.already_covered) == (2, 1)
    again = await cartera_starts.start_all(crm, world["LUIS"], ids["luis"])
    assert (again.created, again.already_covered) == (0, 3)
    book = await cartera_starts.start_all(crm, world["ANA"])
    assert book.created == 1  # only María's document was left
    assert (await cartera_starts.start_all(crm, world["ANA"])).created == 0
    assert await _active_per_document(crm) == {1}
    assert first.id not in one.followup_ids
    with pytest.raises(NotAuthorized):
        await cartera_starts.start_all(crm, world["PEDRO"], ids["luis"])


async def test_concurrent_start_all_never_duplicates(crm: Crm, world) -> None:
    for n in range(25):
        await make_document(crm, world["ids"]["luis"], f"C{n}", balance="10")
    results = await asyncio.gather(
        cartera_starts.start_all(crm, world["LUIS"]),
        cartera_starts.start_all(crm, world["ANA"]),
        cartera_starts.start_all(crm, world["LUIS"], world["ids"]["luis"]),
    )
    assert sum(r.created for r in results) == 25
    assert await _active_per_document(crm) == {1}


async def test_start_on_tercero_without_encargado_goes_to_the_actor(crm: Crm, world) -> None:
    tid = await make_tercero(crm, "955555555-5", "Huérfano", encargado_id=None)
    doc = await make_document(crm, tid, "H1", balance="10")
    with pytest.raises(NotAuthorized):  # in nobody's book but the admins'
        await cartera_starts.start_followup_for_document(crm, world["ANA"], doc)
    view = await cartera_starts.start_followup_for_document(crm, world["ADMIN"], doc)
    assert view.owner_code == "ADMIN"


async def _doc(crm: Crm, number: str) -> int:
    async with crm.sessions() as session:
        found = await session.scalar(select(Document.id).where(Document.number == number))
    assert found is not None
    return found


async def _active_per_document(crm: Crm) -> set[int]:
    async with crm.sessions() as session:
        counts = (
            await session.scalars(
                select(func.count(FollowUp.id))
                .where(FollowUp.status == "active", FollowUp.document_id.is_not(None))
                .group_by(FollowUp.document_id)
            )
        ).all()
    return set(counts)


async def test_type_hours_drive_the_due(crm: Crm, world, clock: FakeClock) -> None:
    assert await type_id(crm)  # the seeded "Cobro de cartera" exists with 24 h
    doc = await make_document(crm, world["ids"]["pedro"], "X", balance="5")
    view = await cartera_starts.start_followup_for_document(crm, world["PEDRO"], doc)
    assert view.due_at - clock.now() == timedelta(hours=24)
