"""The agenda page and the notifier's due scans are driven by indexes, on SQLite and PostgreSQL.

Each test runs the real use case, captures the SQL it sends (``before_cursor_execute``, with
the very parameters it used) and asks the database for the plan: on SQLite ``EXPLAIN QUERY
PLAN`` must show no full scan of followups and no temporary B-tree for ORDER BY; on PostgreSQL
``EXPLAIN`` with ``enable_seqscan = off`` (so a tiny test table does not hide a missing index)
must show no ``Seq Scan on followups`` and no sort at all. At 1M follow-ups either mistake costs
tens of milliseconds per page or per notifier round (see docs/BENCHMARKS.md).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from crm.followups import agenda
from crm.followups import pings as nt
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from tests.conftest import seed_team
from tests.support.data import make_tercero, type_id
from tests.support.notify import add_followups

Statement = tuple[str, Any]
# SQLite names the table or its alias: "followups", or "item" for the page's rows.
FULL_SCAN = re.compile(r"\bSCAN (followups|item)\b(?! USING)")


@asynccontextmanager
async def captured(crm: Crm) -> AsyncIterator[list[Statement]]:
    """Every statement the code inside sends, with its driver-level parameters."""
    engine: AsyncEngine = crm.sessions.kw["bind"]
    seen: list[Statement] = []

    def hook(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "followups" in statement and statement.lstrip().upper().startswith(
            ("SELECT", "UPDATE", "WITH")
        ):
            seen.append((statement, params))

    event.listen(engine.sync_engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", hook)


async def plan_of(crm: Crm, statement: Statement) -> list[str]:
    """The plan lines of one captured statement, as the engine would run it."""
    engine: AsyncEngine = crm.sessions.kw["bind"]
    sql, params = statement
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        if engine.dialect.name == "sqlite":
            cursor = await driver.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [str(row[-1]) for row in await cursor.fetchall()]
        await driver.execute("SET enable_seqscan = off")
        try:
            return [row[0] for row in await driver.fetch("EXPLAIN " + sql, *params)]
        finally:
            await driver.execute("RESET enable_seqscan")


def bad_lines(plan: list[str]) -> list[str]:
    """Full scans of followups and temporary sorts (either engine's wording)."""
    return [
        line
        for line in plan
        if FULL_SCAN.search(line)
        or "TEMP B-TREE" in line
        or "Seq Scan on followups" in line
        or re.search(r"\bSort\b", line)
    ]


async def assert_indexed(
    crm: Crm, use_case: Callable[[], Awaitable[object]], only: str = ""
) -> list[str]:
    """Run the use case; every followups statement it sent (starting with ``only``) has a
    plan without a bad line."""
    async with captured(crm) as seen:
        await use_case()
    seen[:] = [s for s in seen if s[0].lstrip().upper().startswith(only)]
    assert seen, "the use case sent no statement on followups"
    plans = []
    for statement in seen:
        plan = await plan_of(crm, statement)
        assert not bad_lines(plan), (statement[0], plan)
        plans += plan
    return plans


@pytest.fixture
async def team(crm: Crm, clock: FakeClock) -> dict[str, Actor]:
    """The seeded team with follow-ups overdue, today and upcoming for each agent."""
    users = await seed_team(crm)
    for code in ("LUIS", "MARIA", "PEDRO"):
        tercero = await make_tercero(crm, nit=f"9001{users[code]}-1", encargado_id=users[code])
        for hours in (-30, -2, 1, 3, 30, 200):
            await add_followups(crm, users[code], tercero, clock.now() + timedelta(hours=hours))
    actors = {}
    for code, tg in (("ADMIN", 1), ("ANA", 2), ("LUIS", 3)):
        actor = await resolve_actor(crm, tg)
        assert actor is not None
        actors[code] = actor
    return actors


FILTERS = {
    "all": agenda.AgendaFilter(),
    "today": agenda.AgendaFilter(period="today"),
    "overdue": agenda.AgendaFilter(period="overdue"),
    "range": agenda.AgendaFilter(period="range", start=date(2026, 11, 1), end=date(2026, 12, 31)),
}


@pytest.mark.parametrize("period", list(FILTERS))
@pytest.mark.parametrize("page", [0, 3])
async def test_agent_agenda_pages_from_the_owner_index(
    crm: Crm, team: dict[str, Actor], period: str, page: int
) -> None:
    plans = await assert_indexed(
        crm, lambda: agenda.agenda_for(crm, team["LUIS"], FILTERS[period], page)
    )
    if crm.sessions.kw["bind"].dialect.name == "sqlite":
        # (PostgreSQL weighs a handful of test rows by statistics: any index will do there;
        # at 1M rows it picks this one too, see bench/agenda.py.)
        assert any("ix_followups_owner_status_due_id" in line for line in plans), plans


async def test_agent_agenda_with_type_and_state_filters(crm: Crm, team: dict[str, Actor]) -> None:
    flt = agenda.AgendaFilter(type_id=await type_id(crm, "Cobro de cartera"), state_id=1)
    await assert_indexed(crm, lambda: agenda.agenda_for(crm, team["LUIS"], flt))


async def test_supervisor_looking_at_one_agent(crm: Crm, team: dict[str, Actor]) -> None:
    flt = agenda.AgendaFilter(agent_code="MARIA")
    await assert_indexed(crm, lambda: agenda.agenda_for(crm, team["ANA"], flt, 1))


@pytest.mark.parametrize("who", ["ANA", "ADMIN"])
async def test_team_and_company_agendas_never_scan_followups(
    crm: Crm, team: dict[str, Actor], who: str
) -> None:
    await assert_indexed(crm, lambda: agenda.agenda_for(crm, team[who], agenda.AgendaFilter()))


async def test_due_ping_claim_scans_the_active_due_index(
    crm: Crm, team: dict[str, Actor], clock: FakeClock
) -> None:
    # The claim itself (UPDATE … WHERE id IN (SELECT … ORDER BY due_at, id LIMIT n)); the
    # details of the claimed batch are then read by primary key.
    plans = await assert_indexed(crm, lambda: nt.claim_due(crm, "A", clock.now()), "UPDATE")
    assert any("ix_followups_active_due" in line for line in plans), plans


async def test_escalation_claim_scans_the_active_due_index(
    crm: Crm, team: dict[str, Actor], clock: FakeClock
) -> None:
    plans = await assert_indexed(
        crm,
        lambda: nt.claim_escalations(crm, "A", 24, clock.now() + timedelta(days=3)),
        "UPDATE",
    )
    assert any("ix_followups_active_due" in line for line in plans), plans


def test_the_checker_flags_what_it_must() -> None:
    """The patterns above catch both engines' words for a scan or a sort (and only those)."""
    assert bad_lines(["SCAN followups"])
    assert bad_lines(["USE TEMP B-TREE FOR ORDER BY"])
    assert bad_lines(["  ->  Seq Scan on followups  (cost=0.00..1.0 rows=1 width=4)"])
    assert bad_lines(["  ->  Incremental Sort  (cost=8.8..7.9 rows=8 width=1)"])
    assert bad_lines(["Sort  (cost=1.0..1.1 rows=1 width=4)"])
    assert not bad_lines(
        [
            "SEARCH followups USING COVERING INDEX ix_followups_owner_status_due_id (owner_id=?)",
            "SCAN followups USING INDEX ix_followups_active_due",
            "SEARCH item USING INTEGER PRIMARY KEY (rowid=?)",
            "Index Only Scan using ix_followups_owner_status_due_id on followups",
            "Seq Scan on states",
        ]
    )
