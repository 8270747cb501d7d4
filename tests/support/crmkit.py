"""The shared test world without pytest: the clock's start, a migrated CRM, the standard team.

tests/conftest.py builds its fixtures on these; bench/ imports them too (it must run without
pytest installed).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import text

from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade

BOGOTA = ZoneInfo("America/Bogota")
# A Friday afternoon in Bogotá: inside working hours, with a weekend ahead.
START = datetime(2026, 11, 27, 14, 0, tzinfo=BOGOTA)


_SQLITE_PREFIX = "sqlite+aiosqlite:///"
_template: Path | None = None


async def _migrated_sqlite_template() -> Path:
    """One SQLite file migrated to head per process; new test databases are copies of it
    (the same bytes the migrations write, without running them again for every test)."""
    global _template
    if _template is None:
        folder = tempfile.mkdtemp(prefix="crm-template-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = Path(folder) / "template.db"
        engine = make_engine(_SQLITE_PREFIX + str(path))
        await upgrade(engine)
        await engine.dispose()
        _template = path
    return _template


async def make_test_crm(url: str, clock: FakeClock) -> Crm:
    """A Crm on a fresh database migrated to head: a new SQLite file, or PostgreSQL's
    ``public`` schema dropped and migrated again."""
    fresh_file = url.startswith(_SQLITE_PREFIX) and not Path(url[len(_SQLITE_PREFIX) :]).exists()
    if fresh_file:
        shutil.copyfile(await _migrated_sqlite_template(), url[len(_SQLITE_PREFIX) :])
    engine = make_engine(url)
    if url.startswith("postgresql"):
        async with engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    if not fresh_file:
        await upgrade(engine)
    return Crm(
        sessions=make_session_factory(engine), tz=BOGOTA, clock=clock, admin_ids=frozenset({1})
    )


async def seed_team(crm: Crm) -> dict[str, int]:
    """Register the standard team; returns code -> users.id."""
    from crm.people.users import add_user, deactivate_user

    ids = {}
    ids["ADMIN"] = (await add_user(crm, 1, "Admin General", "ADMIN", "admin")).id
    ids["ANA"] = (await add_user(crm, 2, "Ana Supervisora", "ANA", "supervisor")).id
    ids["LUIS"] = (await add_user(crm, 3, "Luis Gómez", "LUIS", "agent", "ANA")).id
    ids["MARIA"] = (await add_user(crm, 4, "María Ruiz", "MARIA", "agent", "ANA")).id
    ids["PEDRO"] = (await add_user(crm, 5, "Pedro Soto", "PEDRO", "agent")).id
    ids["GHOST"] = (await add_user(crm, 6, "Ex Empleado", "GHOST", "agent")).id
    await deactivate_user(crm, "GHOST")
    return ids
