"""PTB persistence over the database: conversations and user data survive restarts.

Only JSON-serialisable values may be kept in ``context.user_data``. ``bot_data`` holds live
objects (settings, the use-case environment) and is not persisted.
"""

from __future__ import annotations

import json
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from storage import botstate
from storage.db import SessionFactory

USER = "user_data"
CONVERSATION = "conv:"


def _fingerprint(data: Any) -> str | None:
    return json.dumps(data, sort_keys=True, default=str) if data else None


def _key(key: ConversationKey) -> str:
    return json.dumps(list(key))


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
        # The JSON of each user's data as last read from or written to the database. PTB
        # writes changes only every ``update_interval``; until then our in-memory copy is
        # newer than the stored one and must not be replaced by it.
        self._synced: dict[int, str | None] = {}

    # --- user data ------------------------------------------------------------------------
    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        loaded = {int(k): v for k, v in (await botstate.load(self.sessions, USER)).items()}
        self._synced = {k: _fingerprint(v) for k, v in loaded.items()}
        return loaded

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await botstate.save(self.sessions, USER, str(user_id), data or None)
        self._synced[user_id] = _fingerprint(data)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        stored = await botstate.load_one(self.sessions, USER, str(user_id))
        if _fingerprint(stored) == self._synced.get(user_id):
            return  # nobody else wrote since our last sync: keep our (possibly newer) copy
        # Another instance changed it: the database copy wins.
        user_data.clear()
        if stored:
            user_data.update(stored)
        self._synced[user_id] = _fingerprint(stored)

    async def drop_user_data(self, user_id: int) -> None:
        await botstate.clear(self.sessions, USER, str(user_id))

    # --- conversations --------------------------------------------------------------------
    async def get_conversations(self, name: str) -> ConversationDict:
        stored = await botstate.load(self.sessions, CONVERSATION + name)
        return {tuple(json.loads(k)): v for k, v in stored.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await botstate.save(self.sessions, CONVERSATION + name, _key(key), new_state)

    # --- not stored -----------------------------------------------------------------------
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def flush(self) -> None:
        return None
