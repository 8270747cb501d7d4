"""The notifier driven round by round with a fake clock (no JobQueue timing): exactly one
ping per due time across rounds, restarts and concurrent instances; Telegram errors; working
hours; grouped pings; digest; escalation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from crm.followups import lifecycle as followups
from crm.followups import pings as nt
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.people.users import add_user
from storage.db import make_engine, make_session_factory
from storage.models import FollowUp, User
from tests.conftest import BOGOTA, seed_team
from tests.support.data import make_document, make_tercero
from tests.support.notify import (
    Sleeps,
    add_followups,
    followup,
    followup_ids,
    messages,
    notifier,
    offline_bot,
)
from tests.support.telegram import RecordingRequest

FRIDAY_2PM = datetime(2026, 11, 27, 14, 0, tzinfo=BOGOTA)


@pytest.fixture
async def world(crm: Crm) -> dict[str, int]:
    users = await seed_team(crm)
    users["tercero"] = await make_tercero(crm, encargado_id=users["LUIS"])
    return users


@pytest.fixture
def request_() -> RecordingRequest:
    return RecordingRequest()


@pytest.fixture
async def tg(request_: RecordingRequest) -> AsyncIterator[Bot]:
    bot = await offline_bot(request_)
    yield bot
    await bot.shutdown()


def error(code: int, description: str, **parameters: object) -> tuple[int, dict[str, object]]:
    body: dict[str, object] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return code, body


# --- exactly once ----------------------------------------------------------------------------


async def test_one_ping_per_due_time_with_everything_the_collector_needs(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    doc = await make_document(crm, world["tercero"], number="2001", balance="1234567")
    [fid] = await add_followups(
        crm,
        world["LUIS"],
        world["tercero"],
        clock.now() + timedelta(minutes=30),
        note="Pidió llamar <después> de las 2",
        document_id=doc,
    )
    n = notifier(crm, tg)
    await n.run_round()
    assert messages(request_) == []  # not due yet

    clock.advance(minutes=31)
    await n.run_round()
    await n.run_round()
    clock.advance(minutes=5)
    await n.run_round()
    [ping] = messages(request_)
    assert ping.chat_id == 3
    for part in (
        "Seguimiento vencido</b> · hace 1 min",
        "Ferretería Núñez &amp; Cía",
        "900123456-7",
        "Cobro de cartera",
        "27/11/2026 14:30",
        "Pidió llamar &lt;después&gt; de las 2",
        "FV-2001",
        "$ 1.234.567",
        "+57 300 123 4567",
    ):
        assert part in ping.text, part
    assert "tel:" not in ping.text and "<a " not in ping.text  # Telegram links numbers itself
    assert [label for label, _ in ping.buttons] == ["+1 h", "+4 h", "Mañana", "Cerrar", "Abrir"]
    assert ping.button("Cerrar") == f"fu:cl:{fid}:1"
    assert ping.button("Abrir") == f"fu:open:{fid}"
    assert ping.button("+1 h") == f"nt:h1:{fid}:1"
    assert ping.params["parse_mode"] == "HTML"


async def test_postpone_rearms_the_ping_for_the_new_due(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    luis = await resolve_actor(crm, 3)
    assert luis is not None
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    n = notifier(crm, tg)
    await n.run_round()
    await followups.postpone(crm, luis, fid, 1)
    clock.advance(minutes=30)
    await n.run_round()
    assert len(messages(request_)) == 1
    clock.advance(minutes=31)
    await n.run_round()
    await n.run_round()
    first, second = messages(request_)
    assert "14:00" in first.text and "15:00" in second.text
    assert "Seguimiento para ahora" in first.text  # pinged the minute it fell due
    assert second.button("Cerrar") == f"fu:cl:{fid}:2"


async def test_restart_between_claim_and_send_resends_once_after_the_lease(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    # The old process claimed the follow-up and died before sending.
    crashed = notifier(crm, tg, "host:100:dead", lease=timedelta(minutes=10))
    await nt.claim_due(crm, crashed.instance_id, clock.now(), crashed.lease, crashed.batch)

    restarted = notifier(crm, tg, "host:200:new", lease=timedelta(minutes=10))
    await restarted.run_round()
    assert messages(request_) == []  # the lease still holds
    clock.advance(minutes=9)
    await restarted.run_round()
    assert messages(request_) == []
    clock.advance(minutes=2)
    await restarted.run_round()
    await restarted.run_round()
    clock.advance(minutes=30)
    await restarted.run_round()
    assert [followup_ids(c) for c in messages(request_)] == [[fid]]
    row = await followup(crm, fid)
    assert row.notified_due_at == row.due_at and row.claimed_by is None


async def test_graceful_stop_releases_claims_for_another_instance_at_once(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    stopping = notifier(crm, tg, "host:100:stopping", lease=timedelta(minutes=10))
    await nt.claim_due(crm, stopping.instance_id, clock.now(), stopping.lease, stopping.batch)
    assert await stopping.stop() == 1  # SIGTERM: the claim is given back, not left to expire
    other = notifier(crm, tg, "host:200:other", lease=timedelta(minutes=10))
    await other.run_round()  # no need to wait out the lease
    assert [followup_ids(c) for c in messages(request_)] == [[fid]]


async def test_two_instances_never_double_and_never_drop(
    crm: Crm, db_url: str, world: dict[str, int], clock: FakeClock
) -> None:
    """Two notifiers, each with its own engine (one SQLite file, or the real PostgreSQL),
    run rounds at the same time over 200 due follow-ups."""
    owners = [
        (await add_user(crm, 5000 + i, f"Cobrador {i}", f"COB{i}", "agent", "ANA")).id
        for i in range(50)
    ]
    due = clock.now() - timedelta(hours=1)
    expected: list[int] = []
    for owner in owners:
        expected += await add_followups(crm, owner, world["tercero"], due, count=4)

    other = replace(crm, sessions=make_session_factory(make_engine(db_url)))
    requests = [RecordingRequest(), RecordingRequest()]
    bots = [await offline_bot(r) for r in requests]
    first = notifier(crm, bots[0], "host-a:1:aaaa", batch=7)
    second = notifier(other, bots[1], "host-b:2:bbbb", batch=7)
    try:
        for _ in range(3):
            await asyncio.gather(first.run_round(), second.run_round())
            clock.advance(minutes=1)
    finally:
        for bot in bots:
            await bot.shutdown()
        await other.sessions.kw["bind"].dispose()

    sent = [fid for r in requests for call in messages(r) for fid in followup_ids(call)]
    assert sorted(sent) == sorted(expected)  # every ping once: none twice, none missing
    if not db_url.startswith("sqlite"):
        # With SKIP LOCKED both really claim side by side; on SQLite the write lock serialises
        # them and one may, by timing, take every batch (still exactly once, as checked above).
        assert all(messages(r) for r in requests), "both instances took a share"
    async with crm.sessions() as session:
        rows = (await session.scalars(select(FollowUp).where(FollowUp.id.in_(expected)))).all()
    assert all(r.notified_due_at == r.due_at and r.claimed_by is None for r in rows)


# --- Telegram errors -------------------------------------------------------------------------


async def test_429_waits_retry_after_and_sends_once(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    request_.scripted["sendMessage"] = [
        error(429, "Too Many Requests: retry after 1", retry_after=1)
    ]
    sleeps = Sleeps()
    n = notifier(crm, tg, sleep=sleeps, retry=replace(notifier(crm, tg).retry, max_retry_after=5))
    report = await n.run_round()
    await n.run_round()
    attempts = messages(request_)
    assert len(attempts) == 2 and followup_ids(attempts[1]) == [fid]
    assert sleeps.delays == [1.0]  # waited exactly what Telegram asked
    assert report.pinged == [fid]


def not_sent() -> TimedOut:
    """A timeout before the request left (connecting): Telegram never saw it."""
    exc = TimedOut()
    exc.__cause__ = httpx.ConnectTimeout("connect timed out")
    return exc


def no_answer() -> TimedOut:
    """The read timeout after the request went out: maybe delivered."""
    exc = TimedOut()
    exc.__cause__ = httpx.ReadTimeout("read timed out")
    return exc


async def test_network_errors_retry_with_backoff_then_release_never_drop(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    request_.scripted["sendMessage"] = [
        not_sent(),
        error(502, "Bad Gateway"),
        error(500, "Internal Server Error"),
        NetworkError("httpx.ConnectError: refused"),  # 4 attempts: this round gives up
    ]
    request_.scripted["sendMessage"][-1].__cause__ = httpx.ConnectError("refused")
    sleeps = Sleeps()
    n = notifier(crm, tg, sleep=sleeps)
    report = await n.run_round()
    assert report.pinged == [] and report.released == [fid]
    assert sleeps.delays == [0.01, 0.01, 0.01]
    row = await followup(crm, fid)
    assert row.notified_due_at is None and row.claimed_by is None  # released, not dropped

    report = await n.run_round()  # Telegram is back
    assert report.pinged == [fid]
    await n.run_round()
    assert len(messages(request_)) == 5  # 4 failed attempts + the one delivered


async def test_a_transient_error_is_retried_within_the_round(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    request_.scripted["sendMessage"] = [not_sent()]
    report = await notifier(crm, tg).run_round()
    assert report.pinged == [fid] and len(messages(request_)) == 2


@pytest.mark.parametrize(
    "lost",
    [
        no_answer,
        lambda: TimedOut(),  # a timeout we cannot place: counted as maybe delivered
        lambda: _caused(NetworkError("httpx.ReadError: reset"), httpx.ReadError("reset")),
        lambda: _caused(
            NetworkError("httpx.RemoteProtocolError: closed"),
            httpx.RemoteProtocolError("server disconnected"),
        ),
    ],
)
async def test_a_send_without_an_answer_is_recorded_not_resent(
    crm: Crm,
    world: dict[str, int],
    clock: FakeClock,
    tg: Bot,
    request_: RecordingRequest,
    lost: Any,
) -> None:
    """Telegram took the request but its answer never came: it may be in the chat already.
    One attempt, recorded as sent; later rounds do not ping that due time again."""
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    request_.scripted["sendMessage"] = [lost() for _ in range(20)]
    sleeps = Sleeps()
    n = notifier(crm, tg, sleep=sleeps)
    report = await n.run_round()
    assert report.pinged == [fid] and report.unknown == [fid] and report.released == []
    assert sleeps.delays == []  # no retry
    for _ in range(5):
        clock.advance(minutes=1)
        await n.run_round()
    assert len(messages(request_)) == 1
    row = await followup(crm, fid)
    assert row.notified_due_at == row.due_at and row.claimed_by is None


async def test_unanswered_digests_and_escalations_are_not_resent(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    await add_followups(crm, world["LUIS"], world["tercero"], clock.now() - timedelta(hours=50))
    request_.scripted["sendMessage"] = [no_answer() for _ in range(50)]
    n = notifier(crm, tg)
    first = await n.run_round()
    assert first.escalated and len(first.unknown) == 1
    sent_first = len(messages(request_))
    for _ in range(3):
        clock.advance(minutes=1)
        again = await n.run_round()
        assert again.pinged == [] and again.escalated == []
    assert len(messages(request_)) == sent_first


def _caused(exc: NetworkError, cause: BaseException) -> NetworkError:
    exc.__cause__ = cause
    return exc


async def test_forbidden_marks_unreachable_and_tells_the_supervisor_once(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now())
    await add_followups(crm, world["LUIS"], world["tercero"], clock.now() + timedelta(hours=1))
    request_.scripted["sendMessage"] = [error(403, "Forbidden: bot was blocked by the user")]
    n = notifier(crm, tg)
    report = await n.run_round()
    assert report.unreachable == [world["LUIS"]]
    to_ana = messages(request_, 2)
    assert len(to_ana) == 1
    assert "Luis Gómez" in to_ana[0].text and "bloqueó el bot" in to_ana[0].text
    assert "2 seguimientos activos" in to_ana[0].text

    clock.advance(hours=2)  # the second one falls due too: still nothing to Luis
    await n.run_round()
    await n.run_round()
    assert len(messages(request_, 3)) == 1  # only the refused attempt
    assert len(messages(request_, 2)) == 1  # told once
    async with crm.sessions() as session:
        luis = await session.get(User, world["LUIS"])
        assert luis is not None and luis.unreachable and luis.unreachable_reported
    assert (await followup(crm, fid)).notified_due_at is None  # kept for when he is back


async def test_forbidden_agent_without_supervisor_is_reported_to_admins(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    await add_followups(crm, world["PEDRO"], world["tercero"], clock.now())
    request_.scripted["sendMessage"] = [error(403, "Forbidden: user is deactivated")]
    await notifier(crm, tg).run_round()
    [to_admin] = messages(request_, 1)
    assert "Pedro Soto" in to_admin.text


# --- working hours, grouping -----------------------------------------------------------------


async def test_outside_working_hours_pings_wait_for_the_next_window(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    saturday_6pm = datetime(2026, 11, 28, 18, 45, tzinfo=BOGOTA)
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], saturday_6pm)
    n = notifier(crm, tg)
    for when in (
        datetime(2026, 11, 28, 21, 0, tzinfo=BOGOTA),  # Saturday night
        datetime(2026, 11, 29, 10, 0, tzinfo=BOGOTA),  # Sunday
        datetime(2026, 11, 30, 6, 59, tzinfo=BOGOTA),  # Monday before opening
    ):
        clock.set(when)
        await n.run_round()
    assert messages(request_) == []
    clock.set(nt.next_window_open(crm, datetime(2026, 11, 29, 10, 0, tzinfo=BOGOTA)))
    assert clock.now() == datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    await n.run_round()
    pings = [c for c in messages(request_) if "Seguimiento vencido" in c.text]
    assert [followup_ids(c) for c in pings] == [[fid]]


async def test_more_than_three_for_one_user_come_as_one_message(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    t = world["tercero"]
    luis_ids = await add_followups(crm, world["LUIS"], t, clock.now() - timedelta(hours=1), 5)
    maria_ids = await add_followups(crm, world["MARIA"], t, clock.now() - timedelta(hours=1), 3)
    await notifier(crm, tg).run_round()
    [to_luis] = messages(request_, 3)
    assert "5 seguimientos vencidos" in to_luis.text
    assert followup_ids(to_luis) == luis_ids
    assert to_luis.buttons[0][0].startswith("1. Ferretería")
    to_maria = messages(request_, 4)
    assert [followup_ids(c) for c in to_maria] == [[i] for i in maria_ids]  # 3: one by one


async def test_a_huge_group_stays_within_telegram_limits(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    long_name = await make_tercero(crm, nit="800000001-1", name="Distribuidora " + "X" * 180)
    ids = await add_followups(crm, world["LUIS"], long_name, clock.now() - timedelta(days=3), 60)
    report = await notifier(crm, tg).run_round()
    [group] = messages(request_, 3)
    assert len(group.text) <= 4096 and len(group.buttons) <= 30
    assert "60 seguimientos vencidos" in group.text and "más" in group.text
    assert sorted(report.pinged) == ids


# --- digest and escalation -------------------------------------------------------------------


async def test_morning_digest_once_with_counts_and_first_buttons(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    monday_7 = datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    t = world["tercero"]
    overdue = await add_followups(crm, world["LUIS"], t, monday_7 - timedelta(days=1), 2)
    today = await add_followups(crm, world["LUIS"], t, monday_7 + timedelta(hours=8), 4)
    await add_followups(crm, world["MARIA"], t, monday_7 + timedelta(days=2))
    clock.set(monday_7 - timedelta(minutes=1))
    n = notifier(crm, tg)
    await n.run_round()
    assert messages(request_) == []
    clock.set(monday_7)
    await n.run_round()
    await notifier(crm, tg, "other:1:x").run_round()
    await n.run_digest()
    digests = [c for c in messages(request_) if "Buenos días" in c.text]
    assert [c.chat_id for c in digests] == [3]  # only Luis has something for today
    text = digests[0].text
    assert "Vencidos: <b>2</b>" in text and "Para hoy: <b>4</b>" in text
    assert followup_ids(digests[0]) == (overdue + today)[:5]
    assert "15:00" in text and "/agenda" in text


async def test_escalation_reports_long_overdue_once_grouped_per_agent(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    t = world["tercero"]
    now = clock.now()
    luis = await add_followups(crm, world["LUIS"], t, now - timedelta(hours=60), 2)
    maria = await add_followups(crm, world["MARIA"], t, now - timedelta(hours=49))
    pedro = await add_followups(crm, world["PEDRO"], t, now - timedelta(days=5))
    await add_followups(crm, world["LUIS"], t, now - timedelta(hours=30))  # not long enough
    n = notifier(crm, tg, escalate_after_hours=48)
    await n.run_round()
    await n.run_round()
    await notifier(crm, tg, "other:2:y", escalate_after_hours=48).run_round()
    reports = [c for c in messages(request_) if "más de 48 h" in c.text]
    to_ana = sorted((c for c in reports if c.chat_id == 2), key=lambda c: c.text)
    assert [followup_ids(c) for c in to_ana] == [luis, maria]
    assert "Luis Gómez" in to_ana[0].text and "(LUIS) — 2" in to_ana[0].text
    assert "hace 2 días" in to_ana[0].text
    [to_admin] = [c for c in reports if c.chat_id == 1]
    assert followup_ids(to_admin) == pedro and "Pedro Soto" in to_admin.text
    assert len(reports) == 3


async def test_escalation_is_released_when_nobody_could_be_told(
    crm: Crm, world: dict[str, int], clock: FakeClock, tg: Bot, request_: RecordingRequest
) -> None:
    # Luis was pinged already; only the escalation to Ana goes out, and it fails.
    [fid] = await add_followups(crm, world["LUIS"], world["tercero"], clock.now() - timedelta(3))
    async with crm.sessions.begin() as session:
        row = await session.get(FollowUp, fid)
        assert row is not None
        row.notified_due_at = row.due_at
    request_.scripted["sendMessage"] = [error(502, "Bad Gateway")] * 4
    report = await notifier(crm, tg).run_round()
    assert report.released == [fid] and report.escalated == []
    report = await notifier(crm, tg).run_round()
    assert report.escalated == [fid]
    assert (await followup(crm, fid)).escalated_at == clock.now()
