"""The database persistence: one process keeps its in-memory user data (flushed every
second); several instances (webhook mode) write through after each update and reload before
the next, so the newest copy is always the database's."""

from __future__ import annotations

from bot.persistence import DatabasePersistence
from crm.context import Crm


async def test_single_process_keeps_unsaved_user_data_on_refresh(sqlite_crm: Crm) -> None:
    persistence = DatabasePersistence(sqlite_crm.sessions)
    await persistence.get_user_data()
    user_data = {"fu": {"step": "FU_HOURS"}}  # changed by a handler, not yet written
    await persistence.refresh_user_data(3, user_data)
    assert user_data == {"fu": {"step": "FU_HOURS"}}


async def test_shared_instances_read_what_the_other_wrote(sqlite_crm: Crm) -> None:
    mine = DatabasePersistence(sqlite_crm.sessions)
    other = DatabasePersistence(sqlite_crm.sessions)
    mine.shared = other.shared = True
    await mine.update_user_data(3, {"a": 1})
    await other.update_user_data(3, {"b": 2})
    user_data = {"a": 1}
    await mine.refresh_user_data(3, user_data)
    assert user_data == {"b": 2}
    await other.update_user_data(3, {})
    await mine.refresh_user_data(3, user_data)
    assert user_data == {}
