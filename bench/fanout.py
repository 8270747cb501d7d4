"""Benchmark 5: fan-out of due notifications through a fake Bot API with Telegram's limits.

The real notifier (``bot.scheduler.make_notifier`` on the real application, so the real
``PerChatRateLimiter`` and HTTP stack) runs rounds over a real SQLite file until every due
follow-up is pinged. The fake Bot API (tests/support/fake_bot_api.py) enforces 30 messages in
any one-second window overall and 1 per chat as sliding windows, answering 429 with
``retry_after`` beyond; it runs in its own process so the bot's work cannot delay its clock.

Two volumes, both fully delivered (no sampling):

- ``10k → 2k``: the issue's 10,000 due follow-ups for 2,000 users. More than 3 due for one
  user in one round come as ONE grouped message, so this is ~2,000 messages (~70 s at 29/s).
- ``≤3 per user``: 1,200 follow-ups for 400 users (3 each), one message per follow-up, so the
  per-chat cap (1 msg/s) and per-user ordering are exercised at full overall rate (~42 s).

With ``BENCH_FANOUT_PG_URL`` set (a PostgreSQL database the benchmark may wipe), a third row
runs the ``≤3 per user`` volume with **two instances** on that database, each with its own
engine, application and notifier, sending at once: their combined rate must stay within
Telegram's caps with zero 429s, through the shared send budget (bot/budget.py; PostgreSQL, or
Redis when ``CRM_REDIS_URL`` is set).

Run alone: ``PYTHONPATH=. python -m bench fanout``.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from typing import Any

from sqlalchemy import func, insert, select

from bench.common import Result
from bot.app import build_application
from bot.fakeapi import FakeBotApi, FloodLimits
from bot.scheduler import make_notifier
from bot.settings import Settings
from crm.kernel.clock import FakeClock
from storage.models import FollowUp, FollowUpType, Tercero, User
from tests.support.crmkit import START, make_test_crm

TOKEN = "999000:BENCH-fanout-token-xxxxxxxxxxxxxxxxxxxxx"
TARGET_RATE = 27.0
MAX_SECONDS = 150.0  # a safety stop per scenario; both finish well before it


@dataclass(frozen=True)
class Scenario:
    name: str
    followups: int
    users: int


SCENARIOS = (
    Scenario("10k → 2k users", 10_000, 2_000),
    Scenario("≤3 per user", 1_200, 400),
)


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    messages: int
    throttled: int
    seconds: float  # first round start → every follow-up pinged
    sustained: float  # msg/s between the first and the last accepted message
    pinged: int
    rounds: int


# --- the fake Bot API in its own process ------------------------------------------------------


def _serve(conn: Connection) -> None:
    with FakeBotApi(limits=FloodLimits()) as api:
        conn.send(api.base_url)
        conn.recv()  # "report"
        sends = [c for c in api.calls if c.method == "sendMessage"]
        conn.send((len(sends), len(api.throttled), list(api.sent_at)))
        conn.send(dict(api.throttled_by))


class RemoteApi:
    """The limited fake Bot API, running in a child process."""

    def __enter__(self) -> RemoteApi:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        self.base_url: str = self._conn.recv()
        return self

    def report(self) -> tuple[int, int, list[float]]:
        self._conn.send("report")
        result: tuple[int, int, list[float]] = self._conn.recv()
        self.throttled_by: dict[str, int] = self._conn.recv()
        return result

    def __exit__(self, *exc: object) -> None:
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


# --- data ------------------------------------------------------------------------------------


async def _seed(crm: Any, scenario: Scenario, rng: random.Random) -> None:
    now = START
    async with crm.sessions.begin() as session:
        await session.execute(
            insert(User),
            [
                {
                    "telegram_id": 50_000_000 + i,
                    "name": f"Agente {i}",
                    "code": f"AG{i:05d}",
                    "role": "agent",
                    "active": True,
                    "created_at": now,
                }
                for i in range(scenario.users)
            ],
        )
        user_ids = list((await session.scalars(select(User.id).order_by(User.id))).all())
        await session.execute(
            insert(Tercero),
            [
                {
                    "nit": f"{900_000_000 + i}-1",
                    "nit_base": str(900_000_000 + i),
                    "name": f"Comercializadora {i} S.A.S.",
                    "search_name": f"comercializadora {i} s.a.s.",
                }
                for i in range(500)
            ],
        )
        kind = await session.scalar(select(func.min(FollowUpType.id)))
        per_user = scenario.followups // scenario.users
        owners = [uid for uid in user_ids for _ in range(per_user)]
        # Due times spread over the last ten hours, so one user's follow-ups are interleaved
        # with everybody else's in due order (as after a night outside working hours).
        await session.execute(
            insert(FollowUp),
            [
                {
                    "tercero_id": rng.randint(1, 500),
                    "type_id": kind,
                    "owner_id": owner,
                    "due_at": now - timedelta(seconds=rng.randint(60, 36_000)),
                    "status": "active",
                    "note": "Confirmar pago de la factura",
                    "created_at": now - timedelta(days=2),
                    "created_by_id": owner,
                    "postpone_count": 0,
                    "version": 1,
                }
                for owner in owners
            ],
        )


# --- one scenario ----------------------------------------------------------------------------


async def _fanout(scenario: Scenario, base_url: str) -> tuple[float, int, int]:
    folder = tempfile.mkdtemp(prefix="bench-fanout-")
    crm = await make_test_crm(f"sqlite+aiosqlite:///{folder}/crm.db", FakeClock(START))
    await _seed(crm, scenario, random.Random(5))
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        bot_api_url=base_url,
        database_url="sqlite+aiosqlite://",
    )  # type: ignore[call-arg]
    app = build_application(settings, crm)
    rounds = 0
    async with app:
        notifier = make_notifier(app)
        started = time.perf_counter()
        deadline = started + MAX_SECONDS
        while time.perf_counter() < deadline:
            report = await asyncio.wait_for(
                notifier.run_round(), timeout=max(1.0, deadline - time.perf_counter())
            )
            rounds += 1
            if not report.pinged and not report.released:
                break
        seconds = time.perf_counter() - started
    async with crm.sessions() as session:
        pinged = await session.scalar(
            select(func.count()).where(FollowUp.notified_due_at == FollowUp.due_at)
        )
    await crm.sessions.kw["bind"].dispose()
    return seconds, int(pinged or 0), rounds


async def _fanout_two(scenario: Scenario, base_url: str, pg_url: str) -> tuple[float, int, int]:
    """Two instances (engine, app, notifier each) over one PostgreSQL database at once."""
    from dataclasses import replace

    from storage.db import make_engine, make_session_factory

    crm = await make_test_crm(pg_url, FakeClock(START))
    await _seed(crm, scenario, random.Random(5))
    other = replace(crm, sessions=make_session_factory(make_engine(pg_url)))
    settings = Settings(
        _env_file=None,
        bot_token=TOKEN,
        bot_api_url=base_url,
        database_url=pg_url,
        redis_url=os.environ.get("CRM_REDIS_URL") or None,
    )  # type: ignore[call-arg]
    apps = [build_application(settings, c, multi_instance=True) for c in (crm, other)]
    rounds = 0
    async with apps[0], apps[1]:
        notifiers = [make_notifier(app) for app in apps]
        started = time.perf_counter()
        deadline = started + MAX_SECONDS
        while time.perf_counter() < deadline:
            reports = await asyncio.gather(*(n.run_round() for n in notifiers))
            rounds += 1
            if not any(r.pinged or r.released for r in reports):
                break
        seconds = time.perf_counter() - started
    async with crm.sessions() as session:
        pinged = await session.scalar(
            select(func.count()).where(FollowUp.notified_due_at == FollowUp.due_at)
        )
    for c in (crm, other):
        await c.sessions.kw["bind"].dispose()
    return seconds, int(pinged or 0), rounds


def measure(scenario: Scenario, pg_url: str | None = None) -> Outcome:
    with RemoteApi() as api:
        if pg_url:
            seconds, pinged, rounds = asyncio.run(_fanout_two(scenario, api.base_url, pg_url))
        else:
            seconds, pinged, rounds = asyncio.run(_fanout(scenario, api.base_url))
        messages, throttled, sent_at = api.report()
        if throttled:
            print(f"   429s by limit: {api.throttled_by}", flush=True)
    span = (sent_at[-1] - sent_at[0]) if len(sent_at) > 1 else 0.0
    sustained = (len(sent_at) - 1) / span if span else 0.0
    return Outcome(scenario, messages, throttled, seconds, sustained, pinged, rounds)


def run() -> list[Result]:
    results = []
    pg_url = os.environ.get("BENCH_FANOUT_PG_URL")
    runs: list[tuple[Scenario, str | None]] = [(s, None) for s in SCENARIOS]
    if pg_url:
        runs.append((Scenario("two instances, PostgreSQL, ≤3 per user", 1_200, 400), pg_url))
    for scenario, url in runs:
        outcome = measure(scenario, url)
        rate = outcome.messages / outcome.seconds if outcome.seconds else 0.0
        complete = outcome.pinged == scenario.followups
        met = rate >= TARGET_RATE and outcome.throttled == 0 and complete
        print(
            f"   {scenario.name}: {outcome.messages} messages for {outcome.pinged}/"
            f"{scenario.followups} follow-ups in {outcome.seconds:.1f} s "
            f"({outcome.rounds} rounds): {rate:.1f} msg/s end to end, "
            f"{outcome.sustained:.1f} msg/s sustained, {outcome.throttled} × 429",
            flush=True,
        )
        results.append(
            Result(
                name=f"5. fan-out, {scenario.name}",
                ours=f"{rate:.1f} msg/s, {outcome.throttled} × 429",
                baseline="Telegram cap 30 msg/s",
                ratio=f"{rate / 30:.2f}",
                target=f"≥ {TARGET_RATE:.0f} msg/s, 0 × 429",
                met=met,
                notes=[
                    f"{scenario.followups} due follow-ups for {scenario.users} users → "
                    f"{outcome.messages} messages in {outcome.seconds:.1f} s "
                    f"({outcome.sustained:.1f} msg/s between first and last); "
                    f"{outcome.pinged} marked pinged"
                ],
            )
        )
    return results


if __name__ == "__main__":
    from bench.common import table

    print(table(run()))
