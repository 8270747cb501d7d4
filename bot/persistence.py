"""PTB persistence over the database: user data (with each user's one pending question,
see ``handlers/asking.py``) survives restarts and moves between webhook instances.

Only JSON-serialisable values may be kept in ``context.user_data``. ``bot_data`` holds live
objects (settings, the use-case environment) and is not persisted. No ConversationHandler is
used, so conversations are not stored: the public BasePersistence hooks are all we need.
"""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

from telegram import Update
from telegram.ext import Application, BasePersistence, PersistenceInput

from storage import botstate
from storage.db import SessionFactory

USER = "user_data"


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


async def write_through(
    application: Application[Any, Any, Any, Any, Any, Any], update: Update
) -> None:
    """Write this update's user data (with the user's pending question) to the database now
    (several instances). Only the instance handling a user's update writes that user's row:
    PTB's own deferred writes would later put this process's copy back over a newer one
    written by another instance, so :class:`DatabasePersistence` ignores them when shared."""
    persistence = application.persistence
    if not isinstance(persistence, DatabasePersistence):
        return
    user = update.effective_user
    if user is not None and user.id in application.user_data:
        data = deepcopy(application.user_data[user.id])
        await botstate.save(persistence.sessions, USER, str(user.id), data or None)


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Stores conversations and user_data as JSON rows in ``bot_state``."""

    def __init__(self, sessions: SessionFactory, update_interval: float = 1.0) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.sessions = sessions
        # Set for several instances behind a webhook: reload per update, write through.
        self.shared = False
        # The JSON last read or written per user: PTB hands every user who sent an update to
        # update_user_data, changed or not; unchanged data is not written again.
        self._stored: dict[int, str] = {}

    # --- user data ------------------------------------------------------------------------
    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        loaded = {int(k): v for k, v in (await botstate.load(self.sessions, USER)).items()}
        self._stored = {k: _dump(v) for k, v in loaded.items()}
        return loaded

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        if self.shared:
            return  # written through per update (write_through), never from a stale copy
        dumped = _dump(data or None)
        if self._stored.get(user_id, _dump(None)) == dumped:
            return
        await botstate.save(self.sessions, USER, str(user_id), data or None)
        self._stored[user_id] = dumped

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        if not self.shared:
            return  # one process: its memory is the newest copy (flushed every second)
        # Several instances: another may have changed it, and every instance writes through
        # after each update (CrmApplication), so the database copy is the newest.
        stored = await botstate.load_one(self.sessions, USER, str(user_id))
        self._stored[user_id] = _dump(stored or None)
        user_data.clear()
        if stored:
            user_data.update(stored)

    async def drop_user_data(self, user_id: int) -> None:
        if self.shared:
            return  # see update_user_data
        await botstate.clear(self.sessions, USER, str(user_id))
        self._stored.pop(user_id, None)

    # --- conversations: none (one pending question per user lives in user_data) ----------
    async def get_conversations(self, name: str) -> dict[Any, Any]:
        return {}

    async def update_conversation(self, name: str, key: Any, new_state: object | None) -> None:
        return None

    # --- not stored -----------------------------------------------------------------------
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> Any:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
