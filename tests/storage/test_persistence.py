"""The database persistence keeps unsaved in-memory user data unless another instance
wrote a newer copy."""

from __future__ import annotations

from bot.persistence import DatabasePersistence
from crm.context import Crm


async def test_unsaved_user_data_survives_a_refresh(sqlite_crm: Crm) -> None:
    persistence = DatabasePersistence(sqlite_crm.sessions)
    await persistence.get_user_data()
    user_data = {"fu": {"step": "FU_HOURS"}}  # changed by a handler, not yet written
    await persistence.refresh_user_data(3, user_data)
    assert user_data == {"fu": {"step": "FU_HOURS"}}


async def test_another_instance_write_wins(sqlite_crm: Crm) -> None:
    mine = DatabasePersistence(sqlite_crm.sessions)
    other = DatabasePersistence(sqlite_crm.sessions)
    await mine.get_user_data()
    await other.get_user_data()
    await mine.update_user_data(3, {"a": 1})
    await other.update_user_data(3, {"b": 2})
    user_data = {"a": 1}
    await mine.refresh_user_data(3, user_data)
    assert user_data == {"b": 2}
    user_data["c"] = 3  # a later local change is kept again
    await mine.refresh_user_data(3, user_data)
    assert user_data == {"b": 2, "c": 3}
