"""Pings never storm: a Telegram slower than the read timeout gets one ping per follow-up and
due time; a notifier process killed (-9) mid-round leaves only a small slice of claims, for
one short lease, and its successor sends the rest, repeating at most the in-flight sends."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from telegram import Bot
from telegram.request import HTTPXRequest

from crm.followups.pings import DEFAULT_BATCH
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.people.users import add_user
from storage.db import make_engine, make_session_factory
from storage.models import FollowUp
from tests.conftest import PG_URL, make_test_crm, seed_team
from tests.e2e.test_run import TOKEN, bot_env
from tests.support.clock import WorkingNoon, working_noon
from tests.support.data import make_tercero
from tests.support.fake_bot_api import FakeBotApi
from tests.support.notify import add_followups, followup_ids, notifier

ALL_DAYS = "lun,mar,mie,jue,vie,sab,dom"


def pings(api: FakeBotApi) -> Counter[int]:
    """Follow-up id -> how many messages about it reached the fake Telegram."""
    seen: Counter[int] = Counter()
    for call in api.calls_to("sendMessage"):
        seen.update(followup_ids(call))
    return seen


async def test_slow_telegram_gets_one_ping_per_followup_and_due_time(
    crm: Crm, clock: FakeClock
) -> None:
    """Every answer comes after the client's read timeout (the message is delivered all the
    same): each follow-up is pinged once, however many rounds run."""
    users = await seed_team(crm)
    tercero = await make_tercero(crm, encargado_id=users["LUIS"])
    due = clock.now() - timedelta(minutes=5)
    expected = await add_followups(crm, users["LUIS"], tercero, due, count=2)
    expected += await add_followups(crm, users["PEDRO"], tercero, due, count=5)  # grouped
    expected += await add_followups(crm, users["MARIA"], tercero, due)
    with FakeBotApi() as api:
        api.answer_delay["sendMessage"] = 0.6
        request = HTTPXRequest(read_timeout=0.15, connection_pool_size=16)
        bot = Bot(TOKEN, base_url=api.base_url, request=request)
        await bot.initialize()
        try:
            n = notifier(crm, bot)
            reports = []
            for _ in range(4):
                reports.append(await n.run_round())
                clock.advance(minutes=1)
        finally:
            await bot.shutdown()
        seen = pings(api)
        attempts = len(api.calls_to("sendMessage"))
    assert sorted(seen) == sorted(expected)
    assert set(seen.values()) == {1}, seen  # never twice
    assert attempts == 2 + 1 + 1  # LUIS's two pings, PEDRO's group, MARIA's ping
    assert sorted(reports[0].unknown) == sorted(expected)
    assert all(not r.pinged for r in reports[1:])


# --- kill -9 mid-round ------------------------------------------------------------------------


async def seed_backlog(url: str, owners: int, per_owner: int, now: datetime) -> list[int]:
    crm = await make_test_crm(url, FakeClock(now))
    try:
        users = await seed_team(crm)
        tercero = await make_tercero(crm, encargado_id=users["LUIS"])
        due = crm.now() - timedelta(hours=1)
        ids: list[int] = []
        for i in range(owners):
            owner = await add_user(crm, 5000 + i, f"Cobrador {i}", f"COB{i}", "agent")
            ids += await add_followups(crm, owner.id, tercero, due, count=per_owner)
        return ids
    finally:
        await crm.sessions.kw["bind"].dispose()


async def db_state(url: str, ids: list[int]) -> tuple[set[int], dict[str, int]]:
    """Which of ``ids`` are recorded as pinged, and the open leases per holder."""
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            done = (
                await session.scalars(
                    select(FollowUp.id).where(
                        FollowUp.id.in_(ids), FollowUp.notified_due_at == FollowUp.due_at
                    )
                )
            ).all()
            held = (
                await session.execute(
                    select(FollowUp.claimed_by, func.count())
                    .where(
                        FollowUp.id.in_(ids),
                        FollowUp.claimed_by.is_not(None),
                        FollowUp.notified_due_at.is_(None),
                    )
                    .group_by(FollowUp.claimed_by)
                )
            ).all()
    finally:
        await engine.dispose()
    return set(done), {str(holder): int(count) for holder, count in held}


def start_bot(env: dict[str, str], cwd: Path, noon: WorkingNoon) -> subprocess.Popen[str]:
    return subprocess.Popen(
        noon.command("run"),
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def wait_until(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.05)


@pytest.mark.slow
def test_kill_9_mid_round_repeats_only_in_flight_sends(tmp_path: Path) -> None:
    owners, per_owner = 100, 2
    url = f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}"
    noon = working_noon()  # a working day whatever the date: the Ley 2300 guard lets pings out
    ids = asyncio.run(seed_backlog(url, owners, per_owner, noon.now))
    with FakeBotApi() as api:
        env = bot_env(
            tmp_path,
            CRM_BOT_TOKEN=TOKEN,
            CRM_BOT_API_URL=api.base_url,
            CRM_BOT_FILE_URL=api.file_url,
            **noon.env,
            CRM_WORKING_HOURS="00:00-23:59",
            CRM_WORKING_DAYS=ALL_DAYS,
            CRM_DIGEST_TIME="00:00",
            CRM_NOTIFY_INTERVAL_SECONDS="1",
            CRM_NOTIFY_LEASE_SECONDS="4",
        )
        first = start_bot(env, tmp_path, noon)
        try:
            # Mid-round: a fifth of the pings are out (the rest is paced at 1/s per chat).
            wait_until(lambda: sum(pings(api).values()) >= 40, 90, "no pings from the bot")
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(30)
        sent_before = pings(api)
        recorded, held = asyncio.run(db_state(url, ids))
        # The dead process held only a small slice of the backlog (it used to lease 170 of
        # 200 within 3 s, for 10 minutes).
        assert sum(held.values()) <= 3 * DEFAULT_BATCH, held
        assert len(held) <= 1
        assert len(sent_before) < len(ids), "killed too late to be mid-round"

        second = start_bot(env, tmp_path, noon)
        try:
            wait_until(
                lambda: len(asyncio.run(db_state(url, ids))[0]) == len(ids),
                120,
                "the rest did not go out within 2 minutes",
            )
            time.sleep(1.5)  # any duplicate would show up now
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(60)
        seen = pings(api)
    assert sorted(seen) == sorted(ids)  # nothing lost
    assert max(seen.values()) <= 2  # at most one extra per follow-up
    repeated = [fid for fid, n in seen.items() if n > 1]
    # Only sends in flight when the process died repeat: the fake Telegram had them but the
    # database did not record them yet; at most one slice is in flight at a time.
    in_flight = set(sent_before) - recorded
    assert set(repeated) <= in_flight, (repeated, in_flight)
    assert len(in_flight) <= DEFAULT_BATCH


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_webhook(env: dict[str, str], cwd: Path, noon: WorkingNoon) -> subprocess.Popen[str]:
    port = free_port()
    return subprocess.Popen(
        noon.command(
            *("run", "--webhook", f"http://127.0.0.1:{port}/tg"),
            *("--listen", "127.0.0.1", "--port", str(port)),
        ),
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="CRM_TEST_DATABASE_URL not set")
def test_kill_9_of_one_of_two_webhook_instances_on_postgres(tmp_path: Path) -> None:
    """Two `run --webhook` instances share the backlog on PostgreSQL; one is killed -9
    mid-round: the other sends the rest, repeating at most what was in flight."""
    assert PG_URL
    noon = working_noon()
    ids = asyncio.run(seed_backlog(PG_URL, 100, 2, noon.now))
    with FakeBotApi() as api:
        env = bot_env(
            tmp_path,
            CRM_BOT_TOKEN=TOKEN,
            CRM_BOT_API_URL=api.base_url,
            CRM_BOT_FILE_URL=api.file_url,
            **noon.env,
            CRM_WORKING_HOURS="00:00-23:59",
            CRM_WORKING_DAYS=ALL_DAYS,
            CRM_DIGEST_TIME="00:00",
            CRM_NOTIFY_INTERVAL_SECONDS="1",
            CRM_NOTIFY_LEASE_SECONDS="4",
        )
        env["CRM_DATABASE_URL"] = PG_URL
        doomed, survivor = start_webhook(env, tmp_path, noon), start_webhook(env, tmp_path, noon)
        try:
            try:
                wait_until(lambda: sum(pings(api).values()) >= 40, 90, "no pings")
            finally:
                doomed.send_signal(signal.SIGKILL)
                doomed.wait(30)
            sent_before = pings(api)
            recorded, held = asyncio.run(db_state(PG_URL, ids))
            dead = {h: n for h, n in held.items() if f":{doomed.pid}:" in h}
            assert sum(dead.values()) <= 3 * DEFAULT_BATCH, held
            assert len(sent_before) < len(ids), "killed too late to be mid-round"
            wait_until(
                lambda: len(asyncio.run(db_state(PG_URL, ids))[0]) == len(ids),
                120,
                "the survivor did not send the rest within 2 minutes",
            )
            time.sleep(1.5)
        finally:
            survivor.send_signal(signal.SIGTERM)
            survivor.wait(60)
        seen = pings(api)
    assert sorted(seen) == sorted(ids)
    assert max(seen.values()) <= 2
    repeated = {fid for fid, n in seen.items() if n > 1}
    assert repeated <= set(sent_before) - recorded
