"""Concurrent across users, in order within one user's chat."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """One user's updates run one after another (conversations stay consistent), while a
    slow report for one user never holds up everybody else.

    ``on_arrival`` (the flood guard, wired by bot/app.py) sees every user's update as it
    arrives, before it waits for that user's earlier ones; when it says no, the update is
    dropped without being processed."""

    def __init__(
        self,
        max_concurrent_updates: int = 64,
        on_arrival: Callable[[object], bool] | None = None,
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.on_arrival = on_arrival
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _key(update)
        if key is None:
            await coroutine
            return
        if self.on_arrival is not None and not self.on_arrival(update):
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never started: nothing ran, nothing to undo
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                self._locks.pop(key, None)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None


def _key(update: object) -> int | None:
    if isinstance(update, Update) and update.effective_user is not None:
        return update.effective_user.id
    return None
