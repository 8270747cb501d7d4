"""Telegram's flood limits: ~30 messages/s overall (PTB's AIORateLimiter) and 1 message/s
per chat, which AIORateLimiter does not enforce for private chats; this subclass adds it."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.ext import AIORateLimiter

# Endpoints that post a new message into a chat; edits and button answers are not throttled
# per chat (they answer the user's own taps).
SENDING = ("send", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages")
MAX_CHAT_LIMITERS = 1024


class PerChatRateLimiter(AIORateLimiter):
    """AIORateLimiter plus one ``AsyncLimiter`` per chat for message-sending endpoints."""

    __slots__ = ("_chat_limiters", "_chat_max_rate", "_chat_time_period")

    def __init__(
        self, *, chat_max_rate: float = 1, chat_time_period: float = 1, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self._chat_max_rate = chat_max_rate
        self._chat_time_period = chat_time_period
        self._chat_limiters: dict[int, AsyncLimiter] = {}

    def chat_limiter(self, chat_id: int) -> AsyncLimiter:
        """The limiter of one chat; idle ones are dropped when many chats were seen."""
        if len(self._chat_limiters) > MAX_CHAT_LIMITERS:
            for key, limiter in list(self._chat_limiters.items()):
                if key != chat_id and limiter.has_capacity(limiter.max_rate):
                    del self._chat_limiters[key]
        if chat_id not in self._chat_limiters:
            self._chat_limiters[chat_id] = AsyncLimiter(
                self._chat_max_rate, self._chat_time_period
            )
        return self._chat_limiters[chat_id]

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        if isinstance(chat_id, int) and endpoint.startswith(SENDING):
            async with self.chat_limiter(chat_id):
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
        return await super().process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args
        )
