"""Notification rules on both databases: claims and leases, re-arming on postpone, working
hours, digest and escalation content, unreachable users."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

import pytest

from crm.followups import lifecycle as followups
from crm.followups import pings as nt
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.workhours import WorkingHours
from tests.conftest import BOGOTA, seed_team
from tests.support.data import make_document, make_tercero
from tests.support.notify import add_followups, followup

LEASE = timedelta(minutes=10)


@pytest.fixture
async def world(crm: Crm) -> dict[str, int]:
    users = await seed_team(crm)
    users["tercero"] = await make_tercero(crm, encargado_id=users["LUIS"])
    return users


async def test_claim_takes_due_unnotified_followups_once(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    doc = await make_document(crm, world["tercero"], balance="1234567.40")
    [due_id] = await add_followups(
        crm,
        world["LUIS"],
        world["tercero"],
        clock.now() - timedelta(minutes=5),
        note="Llamar a tesorería",
        document_id=doc,
    )
    await add_followups(crm, world["LUIS"], world["tercero"], clock.now() + timedelta(hours=1))

    pings = await nt.claim_due(crm, "A", clock.now(), LEASE, 50)
    assert [p.followup_id for p in pings] == [due_id]
    ping = pings[0]
    assert ping.owner.telegram_id == 3 and ping.owner.name == "Luis Gómez"
    assert ping.tercero.nit == "900123456-7" and ping.type_name == "Cobro de cartera"
    assert ping.note == "Llamar a tesorería"
    assert ping.document is not None and str(ping.document.balance) == "1234567.40"
    # Claimed: neither this nor another instance can take it again while the lease runs.
    assert await nt.claim_due(crm, "A", clock.now(), LEASE, 50) == []
    assert await nt.claim_due(crm, "B", clock.now() + timedelta(minutes=9), LEASE, 50) == []

    assert await nt.mark_sent(crm, "A", due_id, ping.due_at) is True
    row = await followup(crm, due_id)
    assert row.notified_due_at == ping.due_at and row.claimed_by is None
    # Notified for this due time: never claimed again, even long after.
    assert await nt.claim_due(crm, "B", clock.now() + timedelta(hours=2), LEASE, 50) != []
    assert all(
        p.followup_id != due_id
        for p in await nt.claim_due(crm, "C", clock.now() + timedelta(hours=3), LEASE, 50)
    )


async def test_a_batch_takes_all_due_followups_of_its_owners(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    """A night's backlog interleaves users in due order; a user's due follow-ups are claimed
    together so the round can group them, however small the batch."""
    start = clock.now() - timedelta(hours=5)
    step = timedelta(minutes=10)
    luis = await add_followups(crm, world["LUIS"], world["tercero"], start, 5, step=2 * step)
    maria = await add_followups(
        crm, world["MARIA"], world["tercero"], start + step, 5, step=2 * step
    )
    pings = await nt.claim_due(crm, "A", clock.now(), LEASE, 2)
    # The first two by due time are Luis's and María's first: all of both owners' come along.
    assert sorted(p.followup_id for p in pings) == sorted(luis + maria)
    assert [p.due_at for p in pings] == sorted(p.due_at for p in pings)
    assert await nt.claim_due(crm, "B", clock.now(), LEASE, 2) == []


async def test_expired_lease_is_claimed_by_another_instance(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    [ping] = await nt.claim_due(crm, "crashed", clock.now(), LEASE, 10)
    clock.advance(minutes=11)
    [again] = await nt.claim_due(crm, "survivor", clock.now(), LEASE, 10)
    assert again.followup_id == fid
    # The crashed instance's late "sent" is refused: the claim is no longer its own.
    assert await nt.mark_sent(crm, "crashed", fid, ping.due_at) is False
    assert await nt.mark_sent(crm, "survivor", fid, again.due_at) is True


async def test_release_lets_the_next_round_claim_again(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    await nt.claim_due(crm, "A", clock.now(), LEASE, 10)
    assert await nt.release(crm, "B", [fid]) == 0  # not B's claim
    assert await nt.release(crm, "A", [fid]) == 1
    assert [p.followup_id for p in await nt.claim_due(crm, "B", clock.now(), LEASE, 10)] == [fid]


async def test_postpone_rearms_the_ping_for_the_new_due(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    luis = await resolve_actor(crm, 3)
    assert luis is not None
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    [ping] = await nt.claim_due(crm, "A", clock.now(), LEASE, 10)
    await nt.mark_sent(crm, "A", fid, ping.due_at)
    moved = await followups.postpone(crm, luis, fid, 1)
    assert await nt.claim_due(crm, "A", clock.now(), LEASE, 10) == []  # not due yet
    clock.advance(minutes=61)
    [again] = await nt.claim_due(crm, "A", clock.now(), LEASE, 10)
    assert again.due_at == moved.due_at and again.version == moved.version


async def test_postpone_while_claimed_voids_the_claim(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    luis = await resolve_actor(crm, 3)
    assert luis is not None
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    [ping] = await nt.claim_due(crm, "A", clock.now(), LEASE, 10)
    await followups.postpone(crm, luis, fid, 4)
    # The sender's "sent" for the old due must not mark the new due as notified.
    assert await nt.mark_sent(crm, "A", fid, ping.due_at) is False
    assert (await followup(crm, fid)).notified_due_at is None


async def test_closed_inactive_and_unreachable_owners_are_not_claimed(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    now = clock.now()
    await add_followups(crm, world["GHOST"], world["tercero"], now)  # deactivated owner
    [maria] = await add_followups(crm, world["MARIA"], world["tercero"], now)
    [luis] = await add_followups(crm, world["LUIS"], world["tercero"], now)
    await nt.mark_unreachable(crm, world["MARIA"])
    luis_actor = await resolve_actor(crm, 3)
    assert luis_actor is not None
    await followups.discard(crm, luis_actor, luis, reason="ya pagó")
    assert await nt.claim_due(crm, "A", now, LEASE, 10) == []
    maria_actor = await resolve_actor(crm, 4)
    assert maria_actor is not None and maria_actor.unreachable
    assert await nt.user_is_back(crm, maria_actor) is True
    assert [p.followup_id for p in await nt.claim_due(crm, "A", now, LEASE, 10)] == [maria]


async def test_nothing_is_claimed_outside_working_hours(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    saturday_evening = datetime(2026, 11, 28, 18, 30, tzinfo=BOGOTA)
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], saturday_evening)
    for when in (
        datetime(2026, 11, 28, 19, 0, tzinfo=BOGOTA),  # window closed
        datetime(2026, 11, 28, 21, 0, tzinfo=BOGOTA),
        datetime(2026, 11, 29, 10, 0, tzinfo=BOGOTA),  # Sunday
        datetime(2026, 11, 30, 6, 59, tzinfo=BOGOTA),  # Monday, before 07:00
    ):
        assert await nt.claim_due(crm, "A", when, LEASE, 10) == [], when
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    assert [p.followup_id for p in await nt.claim_due(crm, "A", monday, LEASE, 10)] == [fid]


def test_next_working_start_is_the_next_working_day_at_opening(crm: Crm) -> None:
    def at(*args: int) -> datetime:
        return datetime(*args, tzinfo=BOGOTA)

    assert nt.next_working_start(crm, at(2026, 11, 27, 14, 0)) == at(2026, 11, 28, 7, 0)  # Fri
    assert nt.next_working_start(crm, at(2026, 11, 28, 10, 0)) == at(2026, 11, 30, 7, 0)  # Sat
    assert nt.next_working_start(crm, at(2026, 11, 29, 23, 0)) == at(2026, 11, 30, 7, 0)  # Sun
    # 20:30 Thursday in Bogotá is already Friday in UTC: local days count.
    assert nt.next_working_start(crm, at(2026, 11, 26, 20, 30)) == at(2026, 11, 27, 7, 0)
    office = replace(
        crm, working_hours=WorkingHours(time(8, 30), time(17, 0), frozenset({0, 1, 2, 3, 4}))
    )
    assert nt.next_working_start(office, at(2026, 11, 27, 9, 0)) == at(2026, 11, 30, 8, 30)
    assert nt.is_working_time(office, at(2026, 11, 27, 8, 30))
    assert not nt.is_working_time(office, at(2026, 11, 27, 17, 0))
    assert nt.next_window_open(office, at(2026, 11, 30, 6, 0)) == at(2026, 11, 30, 8, 30)


async def test_snooze_tomorrow_lands_on_next_working_start(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    luis = await resolve_actor(crm, 3)
    assert luis is not None
    clock.set(datetime(2026, 11, 28, 16, 0, tzinfo=BOGOTA))  # Saturday
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    view = await nt.snooze(crm, luis, fid, "tm", 1)
    assert view.due_at == datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    view = await nt.snooze(crm, luis, fid, "h4", view.version)
    assert view.due_at == datetime(2026, 11, 30, 11, 0, tzinfo=BOGOTA)


async def test_digest_counts_overdue_and_today_once_a_day(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    monday_7 = datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    clock.set(monday_7)
    t, luis = world["tercero"], world["LUIS"]
    await add_followups(crm, luis, t, monday_7 - timedelta(days=2), count=3)  # overdue
    await add_followups(crm, luis, t, monday_7 + timedelta(hours=8), count=2)  # today
    await add_followups(crm, luis, t, monday_7 + timedelta(days=1))  # tomorrow
    await add_followups(crm, world["PEDRO"], t, monday_7 + timedelta(days=3))  # nothing today
    await add_followups(crm, world["GHOST"], t, monday_7 - timedelta(days=1))  # inactive

    assert await nt.claim_digests(crm, time(7, 0), monday_7 - timedelta(minutes=1)) == []
    digests = await nt.claim_digests(crm, time(7, 0), monday_7, first=4)
    assert [(d.user.name, d.overdue, d.today) for d in digests] == [("Luis Gómez", 3, 2)]
    assert len(digests[0].first) == 4
    assert [i.due_at for i in digests[0].first] == sorted(i.due_at for i in digests[0].first)
    # Once a day, across instances and rounds.
    assert await nt.claim_digests(crm, time(7, 0), monday_7 + timedelta(hours=1)) == []
    # An undelivered digest is given back and goes out in a later round of the morning.
    await nt.release_digest(crm, luis, digests[0].day)
    assert len(await nt.claim_digests(crm, time(7, 0), monday_7 + timedelta(minutes=90))) == 1
    # A bot started in the afternoon sends no "morning" digest.
    await nt.release_digest(crm, luis, digests[0].day)
    assert await nt.claim_digests(crm, time(7, 0), monday_7 + timedelta(hours=7)) == []
    # Sundays have no digest (not a working day).
    sunday = datetime(2026, 12, 6, 7, 30, tzinfo=BOGOTA)
    assert await nt.claim_digests(crm, time(7, 0), sunday) == []
    next_monday = await nt.claim_digests(crm, time(7, 0), sunday + timedelta(days=1))
    assert sorted(d.user.name for d in next_monday) == ["Luis Gómez", "Pedro Soto"]


async def test_escalation_goes_to_supervisor_or_admins_once_per_due(
    crm: Crm, world: dict[str, int], clock: FakeClock
) -> None:
    now = clock.now()
    t = world["tercero"]
    luis_ids = await add_followups(crm, world["LUIS"], t, now - timedelta(hours=50), count=2)
    [later] = await add_followups(crm, world["LUIS"], t, now - timedelta(hours=47))  # not yet
    pedro_ids = await add_followups(crm, world["PEDRO"], t, now - timedelta(hours=72))

    escalations = await nt.claim_escalations(crm, "A", 48, now, LEASE, 50)
    by_agent = {e.agent_id: e for e in escalations}
    assert set(by_agent) == {world["LUIS"], world["PEDRO"]}
    luis = by_agent[world["LUIS"]]
    assert sorted(luis.followup_ids) == luis_ids
    assert [m.recipient.name for m in luis.messages] == ["Ana Supervisora"]
    assert luis.messages[0].agent_code == "LUIS" and luis.messages[0].hours == 48
    pedro = by_agent[world["PEDRO"]]
    assert [m.recipient.telegram_id for m in pedro.messages] == [1]  # the admin
    assert list(pedro.followup_ids) == pedro_ids
    # Claimed: a second instance does not report them too.
    assert await nt.claim_escalations(crm, "B", 48, now, LEASE, 50) == []
    for e in escalations:
        await nt.mark_escalated(crm, "A", e.followup_ids, now)
    clock.advance(hours=20)
    [late] = await nt.claim_escalations(crm, "B", 48, clock.now(), LEASE, 50)
    assert late.followup_ids == (later,)  # only the one that crossed 48 h since
    await nt.mark_escalated(crm, "B", late.followup_ids, clock.now())

    # Postponed and overdue again for 48 h: reported again, for the new due time.
    luis_actor = await resolve_actor(crm, 3)
    assert luis_actor is not None
    await followups.postpone(crm, luis_actor, luis_ids[0], 1)
    clock.advance(hours=50)
    again = await nt.claim_escalations(crm, "B", 48, clock.now(), LEASE, 50)
    assert luis_ids[0] in [fid for e in again for fid in e.followup_ids]


async def test_unreachable_is_reported_once_until_the_user_is_back(
    crm: Crm, world: dict[str, int]
) -> None:
    report = await nt.mark_unreachable(crm, world["LUIS"])
    assert report is not None and report.user_code == "LUIS"
    assert [r.telegram_id for r in report.recipients] == [2]  # Ana, his supervisor
    assert await nt.mark_unreachable(crm, world["LUIS"]) is None
    luis = await resolve_actor(crm, 3)
    assert luis is not None and luis.unreachable
    assert await nt.user_is_back(crm, luis)
    luis = await resolve_actor(crm, 3)
    assert luis is not None and not luis.unreachable
    assert await nt.user_is_back(crm, luis) is False  # no write for reachable users
    pedro = await nt.mark_unreachable(crm, world["PEDRO"])
    assert pedro is not None and [r.telegram_id for r in pedro.recipients] == [1]
