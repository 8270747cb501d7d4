"""The SQLite engine skips idle rollbacks and keeps its pooled connections, yet behaves like
the stock aiosqlite driver: ids, row counts, errors, failed transactions rolled back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from crm.kernel.context import Crm
from storage.db import make_engine, make_session_factory, single_read_session
from storage.models import Tercero


def _tercero(nit: str, name: str = "Ferretería Nuñez") -> Tercero:
    return Tercero(nit=nit, nit_base=nit, name=name, search_name=name.lower())


def _database_file(crm: Crm) -> str:
    database = crm.sessions.kw["bind"].url.database
    assert database
    return str(database)


async def test_inserts_get_their_ids_and_updates_their_row_counts(sqlite_crm: Crm) -> None:
    async with sqlite_crm.sessions.begin() as session:
        first, second = _tercero("900100"), _tercero("900200")
        session.add_all([first, second])
        await session.flush()
        assert first.id and second.id and first.id != second.id
        changed = await session.execute(
            update(Tercero).where(Tercero.nit.in_(["900100", "900200"])).values(city="Cali")
        )
        assert changed.rowcount == 2  # type: ignore[attr-defined]
    async with single_read_session(sqlite_crm.sessions) as session:
        names = (await session.scalars(select(Tercero.city).order_by(Tercero.id))).all()
    assert names[-2:] == ["Cali", "Cali"]


async def test_a_failed_transaction_is_rolled_back_and_leaves_no_lock(sqlite_crm: Crm) -> None:
    async with sqlite_crm.sessions.begin() as session:
        session.add(_tercero("800100"))
    with pytest.raises(IntegrityError):
        async with sqlite_crm.sessions.begin() as session:
            session.add(_tercero("800200"))
            await session.flush()
            session.add(_tercero("800100"))  # the same NIT: the whole transaction fails
            await session.flush()
    async with single_read_session(sqlite_crm.sessions) as session:
        nits = set((await session.scalars(select(Tercero.nit))).all())
    assert "800200" not in nits and "800100" in nits
    # Another process can write at once: no transaction was left open on a pooled connection.
    other = sqlite3.connect(_database_file(sqlite_crm), timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


async def test_an_abandoned_write_is_rolled_back_when_the_session_closes(sqlite_crm: Crm) -> None:
    session = sqlite_crm.sessions()
    session.add(_tercero("700100"))
    await session.flush()  # BEGIN IMMEDIATE + INSERT, never committed
    await session.close()
    async with single_read_session(sqlite_crm.sessions) as session:
        count = await session.scalar(
            select(func.count()).select_from(Tercero).where(Tercero.nit == "700100")
        )
    assert count == 0


async def test_streamed_reads_and_bad_sql_still_work(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    sessions = make_session_factory(engine)
    try:
        async with sessions.begin() as session:
            await session.execute(text("CREATE TABLE t (n INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (:n)"), [{"n": i} for i in range(50)])
        async with sessions() as session:
            result = await session.stream(
                text("SELECT n FROM t ORDER BY n").execution_options(yield_per=7)
            )
            assert [n async for n in result.scalars()] == list(range(50))
        async with sessions() as session:
            with pytest.raises(Exception, match="no such table"):
                await session.execute(text("SELECT * FROM missing"))
            assert await session.scalar(text("SELECT count(*) FROM t")) == 50
    finally:
        await engine.dispose()
