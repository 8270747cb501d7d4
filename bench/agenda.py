"""Benchmark 1: the agenda query for one agent at 1M follow-ups / 100k terceros / 200 agents.

``crm.agenda.agenda_for`` (the use case behind /agenda and its ◀ ▶ buttons) is timed for random
agents on SQLite and on PostgreSQL. Side by side, call by call, the raw driver (sqlite3 /
asyncpg) runs exactly the SQL statements that call made, with the same parameters (captured
with a ``before_cursor_execute`` hook in an untimed pass), so the ratio is our overhead:
SQLAlchemy, the aiosqlite thread hop, building the views.

PostgreSQL uses its own database ``crm_bench`` on 127.0.0.1:5432 (never ``test``), dropped at
the end. Override the server with ``CRM_BENCH_PG`` (an asyncpg DSN of a maintenance database).
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import event

from bench.common import Result, percentile
from bench.data import NOW, Scale, fill_postgres, fill_sqlite
from crm.followups import agenda
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade

PG_ADMIN_DSN = os.environ.get("CRM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = "crm_bench"
CALLS = 300
WARMUP = 30
TARGET_MS = 5.0
SUPERVISOR_TG = 10_000_002

Statement = tuple[str, Any]


@dataclass(frozen=True)
class Scenario:
    name: str
    supervisor: bool
    page: Callable[[random.Random], int]
    targeted: bool = True  # the target is one agent's agenda


SCENARIOS = (
    Scenario("agent, page 1", False, lambda _rng: 0),
    # Any later page (OFFSET grows; the last page of ~1500 active follow-ups is ~190).
    Scenario("agent, any page", False, lambda rng: rng.randint(1, 200)),
    # Informative: its counts read the whole team's ~30k active follow-ups.
    Scenario("supervisor (20 agents), page 1", True, lambda _rng: 0, targeted=False),
)


@dataclass
class Timings:
    ours: list[float]
    raw: list[float]


def run() -> list[Result]:
    return asyncio.run(_run())


async def _run() -> list[Result]:
    scale = Scale()
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="crm-bench-") as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()
        fill_sqlite(str(path), scale)
        print(f"   SQLite data: {time.perf_counter() - started:.0f} s", flush=True)
        raw_sqlite = sqlite3.connect(path, isolation_level=None)
        try:
            timings = await _measure(
                f"sqlite+aiosqlite:///{path}", scale, _sqlite_replayer(raw_sqlite)
            )
        finally:
            raw_sqlite.close()
        results += _results("SQLite", "sqlite3", timings)

    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        await admin.execute(f"CREATE DATABASE {PG_DB}")
        dsn = _dsn_for(PG_ADMIN_DSN, PG_DB)
        try:
            started = time.perf_counter()
            engine = make_engine("postgresql+asyncpg://" + dsn.split("://", 1)[1])
            await upgrade(engine)
            await engine.dispose()
            await fill_postgres(dsn, scale)
            print(f"   PostgreSQL data: {time.perf_counter() - started:.0f} s", flush=True)
            raw_pg = await asyncpg.connect(dsn)
            try:
                timings = await _measure(
                    "postgresql+asyncpg://" + dsn.split("://", 1)[1],
                    scale,
                    _asyncpg_replayer(raw_pg),
                )
            finally:
                await raw_pg.close()
            results += _results("PostgreSQL", "asyncpg", timings)
        finally:
            await admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    finally:
        await admin.close()
    return results


def _dsn_for(admin_dsn: str, database: str) -> str:
    return admin_dsn.rsplit("/", 1)[0] + "/" + database


# --- the raw baselines: the captured statements, as they were sent --------------------------


def _sqlite_replayer(con: sqlite3.Connection) -> Callable[[list[Statement]], Awaitable[None]]:
    async def replay(statements: list[Statement]) -> None:
        for sql, params in statements:
            con.execute(sql, params).fetchall()
        if con.in_transaction:
            con.rollback()  # what the pool does when the use case's session closes

    return replay


def _asyncpg_replayer(
    con: asyncpg.Connection,
) -> Callable[[list[Statement]], Awaitable[None]]:
    async def replay(statements: list[Statement]) -> None:
        transaction = con.transaction()
        await transaction.start()
        for sql, params in statements:
            await con.fetch(sql, *params)
        await transaction.rollback()

    return replay


# --- measuring -------------------------------------------------------------------------------


async def _measure(
    url: str, scale: Scale, replay: Callable[[list[Statement]], Awaitable[None]]
) -> dict[str, tuple[Scenario, Timings]]:
    engine = make_engine(url)
    crm = Crm(
        sessions=make_session_factory(engine),
        tz=ZoneInfo("America/Bogota"),
        clock=FakeClock(NOW),
    )
    rng = random.Random(11)
    agents: list[Actor] = []
    for tg in range(10_000_003, 10_000_003 + scale.agents):
        actor = await resolve_actor(crm, tg)
        assert actor is not None
        agents.append(actor)
    supervisor = await resolve_actor(crm, SUPERVISOR_TG)
    assert supervisor is not None
    timings: dict[str, tuple[Scenario, Timings]] = {}
    try:
        for scenario in SCENARIOS:
            calls = [
                (supervisor if scenario.supervisor else rng.choice(agents), scenario.page(rng))
                for _ in range(CALLS)
            ]
            for actor, page in calls[:WARMUP]:
                await agenda.agenda_for(crm, actor, agenda.AgendaFilter(), page)
            captured = await _capture(engine.sync_engine, crm, calls)
            ours: list[float] = []
            raw: list[float] = []
            # Interleaved call by call, so a noisy neighbour hurts both sides alike.
            for (actor, page), statements in zip(calls, captured, strict=True):
                started = time.perf_counter()
                await agenda.agenda_for(crm, actor, agenda.AgendaFilter(), page)
                ours.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                await replay(statements)
                raw.append((time.perf_counter() - started) * 1000)
            timings[scenario.name] = (scenario, Timings(ours, raw))
            print(
                f"   {scenario.name}: {len(captured[0])} statements per call; "
                f"p99 {percentile(ours, 99):.2f} ms vs raw {percentile(raw, 99):.2f} ms",
                flush=True,
            )
    finally:
        await engine.dispose()
    return timings


async def _capture(
    sync_engine: Any, crm: Crm, calls: list[tuple[Actor, int]]
) -> list[list[Statement]]:
    """The statements (with their driver-level parameters) each call sends, untimed."""
    captured: list[list[Statement]] = []

    def hook(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        captured[-1].append((statement, params))

    event.listen(sync_engine, "before_cursor_execute", hook)
    try:
        for actor, page in calls:
            captured.append([])
            await agenda.agenda_for(crm, actor, agenda.AgendaFilter(), page)
    finally:
        event.remove(sync_engine, "before_cursor_execute", hook)
    return captured


def _results(
    engine: str, driver: str, timings: dict[str, tuple[Scenario, Timings]]
) -> list[Result]:
    out = []
    for name, (scenario, t) in timings.items():
        p50, p99 = percentile(t.ours, 50), percentile(t.ours, 99)
        r50, r99 = percentile(t.raw, 50), percentile(t.raw, 99)
        out.append(
            Result(
                name=f"1. agenda, {engine}, {name}",
                ours=f"p50 {p50:.2f} ms · p99 {p99:.2f} ms",
                baseline=f"raw {driver}: p50 {r50:.2f} ms · p99 {r99:.2f} ms",
                ratio=f"p50 {p50 / r50:.1f}× · p99 {p99 / r99:.1f}×",
                target=f"p99 ≤ {TARGET_MS:g} ms" if scenario.targeted else "— (not targeted)",
                met=p99 <= TARGET_MS if scenario.targeted else None,
            )
        )
    return out
