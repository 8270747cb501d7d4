"""Alembic migrations, run programmatically over the async engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def is_behind(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        current = await conn.run_sync(_current)
    return current != _head()


# Any constant: instances starting together on PostgreSQL take turns migrating.
MIGRATION_LOCK = 7_411_002


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (creating every table on an empty one). Several
    instances starting at once migrate one after the other; the later ones find nothing to do
    (SQLite's write lock does the same for a file)."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), revision))


async def upgrade_if_behind(engine: AsyncEngine) -> bool:
    """Migrate when needed; returns whether anything ran."""
    if await is_behind(engine):
        await upgrade(engine)
        return True
    return False
