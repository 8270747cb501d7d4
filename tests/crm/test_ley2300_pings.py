"""Pings and digests never ask for a contact the law forbids: a protected tercero's due
follow-up is held until the next allowed moment, then pinged."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from crm.cobranza import contacts
from crm.followups import pings as nt
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from storage.models import Tercero
from tests.conftest import BOGOTA, seed_team
from tests.support.data import make_tercero
from tests.support.notify import add_followups, followup

LEASE = timedelta(minutes=10)
SATURDAY_16 = datetime(2026, 11, 28, 16, 0, tzinfo=BOGOTA)
MONDAY_7 = datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)


@pytest.fixture
async def world(crm: Crm) -> dict[str, int]:
    users = await seed_team(crm)
    users["natural"] = await make_tercero(crm, encargado_id=users["LUIS"])
    users["juridica"] = await make_tercero(
        crm, nit="800111222-3", name="Distribuciones Andinas S.A.S.", encargado_id=users["LUIS"]
    )
    async with crm.sessions.begin() as session:
        juridica = await session.get(Tercero, users["juridica"])
        assert juridica is not None
        juridica.tipo_persona = "J"
    return users


async def test_saturday_afternoon_ping_waits_for_monday(crm: Crm, world, clock: FakeClock) -> None:
    due = SATURDAY_16 - timedelta(minutes=5)
    [natural] = await add_followups(crm, world["LUIS"], world["natural"], due)
    [juridica] = await add_followups(crm, world["LUIS"], world["juridica"], due)
    # Inside the bot's working hours (until 19:00) but after the law's Saturday 15:00.
    pings = await nt.claim_due(crm, "A", SATURDAY_16, LEASE, 50)
    assert [p.followup_id for p in pings] == [juridica]
    assert await nt.mark_sent(crm, "A", juridica, pings[0].due_at)
    held = await followup(crm, natural)
    assert held.claimed_until == MONDAY_7
    # Nobody claims it before Monday 07:00, even after the normal lease.
    assert await nt.claim_due(crm, "B", SATURDAY_16 + timedelta(hours=1), LEASE, 50) == []
    assert await nt.claim_due(crm, "B", MONDAY_7 - timedelta(minutes=1), LEASE, 50) == []
    pings = await nt.claim_due(crm, "B", MONDAY_7 + timedelta(minutes=1), LEASE, 50)
    assert [p.followup_id for p in pings] == [natural]


async def test_holiday_and_contacted_today_defer_to_the_next_allowed_day(
    crm: Crm, world, clock: FakeClock
) -> None:
    holiday_10 = datetime(2026, 12, 8, 10, 0, tzinfo=BOGOTA)
    [on_holiday] = await add_followups(crm, world["LUIS"], world["natural"], holiday_10)
    assert await nt.claim_due(crm, "A", holiday_10, LEASE, 50) == []
    assert (await followup(crm, on_holiday)).claimed_until == datetime(
        2026, 12, 9, 7, 0, tzinfo=BOGOTA
    )

    # Contacted this morning: a second follow-up due in the afternoon waits for tomorrow.
    wednesday_9 = datetime(2026, 12, 9, 9, 0, tzinfo=BOGOTA)
    clock.set(wednesday_9)
    luis = await resolve_actor(crm, 3)
    await contacts.register_contact(crm, luis, on_holiday, channel="llamada", result="contestó")
    afternoon = wednesday_9 + timedelta(hours=6)
    [later] = await add_followups(crm, world["LUIS"], world["natural"], afternoon)
    pings = await nt.claim_due(crm, "A", afternoon, LEASE, 50)
    assert later not in [p.followup_id for p in pings]
    assert (await followup(crm, later)).claimed_until == datetime(
        2026, 12, 10, 7, 0, tzinfo=BOGOTA
    )


async def test_without_the_law_pings_go_out(crm: Crm, world, clock: FakeClock) -> None:
    off = replace(crm, ley_2300="no")
    [natural] = await add_followups(crm, world["LUIS"], world["natural"], SATURDAY_16)
    pings = await nt.claim_due(off, "A", SATURDAY_16, LEASE, 50)
    assert [p.followup_id for p in pings] == [natural]


async def test_digest_skips_holidays_and_waits_for_saturday_8(crm: Crm, world) -> None:
    await add_followups(crm, world["LUIS"], world["natural"], MONDAY_7 - timedelta(days=30))
    holiday_7 = datetime(2026, 12, 8, 7, 0, tzinfo=BOGOTA)
    assert await nt.claim_digests(crm, time(7, 0), holiday_7) == []
    saturday_7 = datetime(2026, 12, 5, 7, 0, tzinfo=BOGOTA)
    assert await nt.claim_digests(crm, time(7, 0), saturday_7) == []
    digests = await nt.claim_digests(crm, time(7, 0), saturday_7 + timedelta(hours=1))
    assert [d.user.telegram_id for d in digests] == [3]
