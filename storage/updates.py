"""Claiming Telegram update ids, so an update re-delivered to another instance runs once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from storage.db import SessionFactory
from storage.models import ProcessedUpdate


async def claim_update(sessions: SessionFactory, update_id: int, now: datetime) -> bool:
    """True for the first caller with this update id, False for every later one."""
    async with sessions.begin() as session:
        dialect = (await session.connection()).dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ProcessedUpdate)
            .values(update_id=update_id, at=now)
            .on_conflict_do_nothing(index_elements=["update_id"])
        )
        result = await session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def prune(sessions: SessionFactory, before: datetime) -> int:
    """Forget update ids older than ``before`` (Telegram stops retrying long before)."""
    async with sessions.begin() as session:
        result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
