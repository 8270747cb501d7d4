"""Telegram's flood limits: ~30 messages/s overall and 1 message/s per chat.

PTB's AIORateLimiter meters the overall cap with a leaky bucket that lets 30 requests out at
once and then 30 more within the same second: a strict sliding window (which is how Telegram
answers 429) sees up to 60 in one second. It also has no per-chat cap for private chats. This
subclass paces the overall cap evenly (one request every ``1/30 s``, no burst) and spaces the
messages to one chat by the time they actually leave, not by when they were queued: a message
that waited for the overall cap must still be a full period after the previous one.

A small ``safety`` margin (default 4 %) keeps network jitter from pushing two requests into
one window at Telegram's end. The limits are per process: N instances together may send N
times as much (see docs/SCALING.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

# Endpoints that post a new message into a chat; edits and button answers are not throttled
# per chat (they answer the user's own taps).
SENDING = ("send", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages")
MAX_CHAT_LIMITERS = 1024

Callback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


@dataclass
class ChatGate:
    """One chat's pacing: one message in flight at a time, spaced from the last departure."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_sent: float = float("-inf")


class PerChatRateLimiter(AIORateLimiter):
    """AIORateLimiter with an evenly paced overall cap and a per-chat cap on sends."""

    __slots__ = ("_chat_interval", "_chat_limiters")

    def __init__(
        self,
        *,
        overall_max_rate: float = FloodLimit.MESSAGES_PER_SECOND,
        overall_time_period: float = 1,
        chat_max_rate: float = 1,
        chat_time_period: float = 1,
        safety: float = 0.04,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_max_rate, overall_time_period=overall_time_period, **kwargs
        )
        if overall_max_rate and overall_time_period:
            # A bucket of one: requests leave one interval apart and never in a burst.
            interval = overall_time_period / overall_max_rate * (1 + safety)
            self._base_limiter = AsyncLimiter(1, interval)
        self._chat_interval = chat_time_period / chat_max_rate * (1 + safety)
        self._chat_limiters: dict[int, ChatGate] = {}

    def chat_limiter(self, chat_id: int) -> ChatGate:
        """The gate of one chat; idle ones are dropped when many chats were seen."""
        if len(self._chat_limiters) > MAX_CHAT_LIMITERS:
            idle_before = asyncio.get_running_loop().time() - self._chat_interval
            for key, gate in list(self._chat_limiters.items()):
                if key != chat_id and not gate.lock.locked() and gate.last_sent < idle_before:
                    del self._chat_limiters[key]
        if chat_id not in self._chat_limiters:
            self._chat_limiters[chat_id] = ChatGate()
        return self._chat_limiters[chat_id]

    async def process_request(
        self,
        callback: Callback,
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id: Any = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)
        if not (isinstance(chat_id, int) and endpoint.startswith(SENDING)):
            return await super().process_request(
                callback, args, kwargs, endpoint, data, rate_limit_args
            )
        gate = self.chat_limiter(chat_id)
        loop = asyncio.get_running_loop()
        async with gate.lock:
            wait = gate.last_sent + self._chat_interval - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)

            async def departing(
                *a: Any, **kw: Any
            ) -> bool | dict[str, Any] | list[dict[str, Any]]:
                # Called after the overall cap let the request go (and again on a retry).
                gate.last_sent = loop.time()
                return await callback(*a, **kw)

            return await super().process_request(
                departing, args, kwargs, endpoint, data, rate_limit_args
            )
