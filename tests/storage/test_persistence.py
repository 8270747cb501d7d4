"""The database persistence: one process keeps its in-memory user data (flushed every
second); several instances (webhook mode) write through after each update and reload before
the next, so the newest copy is always the database's."""

from __future__ import annotations

from bot.persistence import USER, DatabasePersistence
from crm.kernel.context import Crm
from storage import botstate


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
    # What the other instance's write-through leaves after handling the user's update.
    await botstate.save(sqlite_crm.sessions, USER, "3", {"b": 2})
    user_data = {"a": 1}
    await mine.refresh_user_data(3, user_data)
    assert user_data == {"b": 2}
    # PTB's deferred write of this process's older copy must not undo the newer row.
    await mine.update_user_data(3, {"a": 1})
    await mine.update_conversation("flow", (3, 3), "OLD_STEP")
    await mine.drop_user_data(3)
    fresh: dict[str, object] = {}
    await other.refresh_user_data(3, fresh)
    assert fresh == {"b": 2}
    assert await mine.get_conversations("flow") == {}
