"""Migrations create the schema and seed the default catalogs, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from crm.kernel.context import Crm
from storage.migrate import is_behind, upgrade
from storage.models import Activity, FollowUpType, State


async def test_fresh_database_is_migrated_and_seeded(crm: Crm) -> None:
    async with crm.sessions() as session:
        types = {t.name: t.default_hours for t in await session.scalars(select(FollowUpType))}
        meanings = {s.meaning for s in await session.scalars(select(State))}
        effects = {a.effect for a in await session.scalars(select(Activity))}
    assert types == {"Cobro de cartera": 24, "Seguimiento a pedido": 48, "Visita T.A.T.": 72}
    assert meanings == {"open", "closed", "discarded"}
    assert effects == {"progress", "regression", "neutral"}
    engine = crm.sessions.kw["bind"]
    assert not await is_behind(engine)
    await upgrade(engine)  # idempotent: running again changes nothing
    async with crm.sessions() as session:
        assert len((await session.scalars(select(FollowUpType))).all()) == 3


async def test_instances_starting_together_migrate_once(db_url: str) -> None:
    """Two processes' engines upgrading a fresh database at the same moment both succeed."""
    import asyncio

    from sqlalchemy import text

    from storage.db import make_engine, make_session_factory

    engines = [make_engine(db_url), make_engine(db_url)]
    try:
        if db_url.startswith("postgresql"):
            async with engines[0].begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await asyncio.gather(*(upgrade(e) for e in engines))
        assert not await is_behind(engines[1])
        async with make_session_factory(engines[1])() as session:
            assert len((await session.scalars(select(FollowUpType))).all()) == 3  # seeded once
    finally:
        for engine in engines:
            await engine.dispose()
