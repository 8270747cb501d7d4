"""Migration 0007 on a database with a team and their history (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from tests.conftest import BOGOTA, START, seed_team


async def test_0007_keeps_every_user_and_reference_and_allows_pending_users(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    try:
        if db_url.startswith("postgresql"):
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine, "0005")
        crm = Crm(
            sessions=make_session_factory(engine), tz=BOGOTA, clock=FakeClock(START),
            admin_ids=frozenset(),
        )  # fmt: skip
        ids = await seed_team(crm)
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO terceros (nit, nit_base, name, search_name, encargado_id) "
                    "VALUES ('900', '900', 'El Sol', 'el sol', :luis)"
                ),
                {"luis": ids["LUIS"]},
            )
            before = (await conn.execute(text("SELECT * FROM users ORDER BY id"))).all()
        await upgrade(engine)
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT * FROM users ORDER BY id"))).all() == before
            await conn.execute(
                text(
                    "INSERT INTO users (telegram_id, name, code, role, active, unreachable, "
                    "unreachable_reported, created_at) VALUES "
                    "(NULL, 'Pendiente', 'PEND', 'agent', true, true, true, :at), "
                    "(NULL, 'Otra', 'PEND2', 'agent', true, true, true, :at)"
                ),
                {"at": START},
            )
            await conn.execute(text("UPDATE terceros SET encargado_id = :id"), {"id": ids["ANA"]})
            if db_url.startswith("sqlite"):
                assert (await conn.execute(text("PRAGMA foreign_key_check"))).all() == []
                assert (await conn.execute(text("PRAGMA integrity_check"))).all() == [("ok",)]
            with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
                async with conn.begin_nested():
                    await conn.execute(
                        text("UPDATE users SET telegram_id = 2 WHERE code = 'PEND'")
                    )
    finally:
        await engine.dispose()
