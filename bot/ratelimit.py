"""Telegram's flood limits: ~30 messages/s overall and 1 message/s per chat.

PTB's AIORateLimiter meters the overall cap with a leaky bucket that lets 30 requests out at
once and then 30 more within the same second: a strict sliding window (which is how Telegram
answers 429) sees up to 60 in one second. It also has no per-chat cap for private chats. This
subclass meters the overall cap with a sliding window of its own (at most 30 requests in any
window, see SlidingWindow) and spaces the messages to one chat a full period after the answer
to the previous one, so a message that waited for the overall cap cannot follow its
predecessor too closely.

``safety`` widens both windows (default 0: counting from the answer is already safe against
any delay on the way). These windows are per process; with a shared ``budget``
(bot/budget.py: Redis or PostgreSQL) every send also takes a ticket all instances count, so N
instances together stay within Telegram's caps (see docs/SCALING.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.constants import FloodLimit
from telegram.ext import AIORateLimiter

from bot.budget import Budget, ticket

# Endpoints that post a new message into a chat; edits and button answers are not throttled
# per chat (they answer the user's own taps).
SENDING = ("send", "copyMessage", "copyMessages", "forwardMessage", "forwardMessages")
MAX_CHAT_LIMITERS = 1024

Callback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


class SlidingWindow:
    """At most ``limit`` requests in any ``period`` seconds *as Telegram counts them*, first
    come first served.

    Telegram counts a request when it arrives, some time between our sending it and our
    reading the answer; the event loop, the connection pool and the network all add delay
    we cannot see. So a request holds its place from the moment it leaves until ``period``
    after its answer came back: however late it arrived, it is out of Telegram's window by
    then. The price is the round trip: the sustained rate is ``limit / (period + rtt)``.
    """

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self._answered: deque[float] = deque()  # answer times still inside the window
        self._in_flight = 0
        self._lock = asyncio.Lock()
        self._freed = asyncio.Event()

    async def __aenter__(self) -> None:
        loop = asyncio.get_running_loop()
        async with self._lock:
            while True:
                now = loop.time()
                while self._answered and self._answered[0] <= now - self.period:
                    self._answered.popleft()
                if self._in_flight + len(self._answered) < self.limit:
                    self._in_flight += 1
                    return
                if self._answered:
                    await asyncio.sleep(self._answered[0] + self.period - now)
                else:  # all in flight: the first answer starts its countdown
                    self._freed.clear()
                    await self._freed.wait()

    async def __aexit__(self, *exc: object) -> None:
        self._in_flight -= 1
        self._answered.append(asyncio.get_running_loop().time())
        self._freed.set()


@dataclass
class ChatGate:
    """One chat's pacing: one message in flight at a time, spaced from the last departure."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_sent: float = float("-inf")


class PerChatRateLimiter(AIORateLimiter):
    """AIORateLimiter with an evenly paced overall cap and a per-chat cap on sends."""

    __slots__ = ("_chat_interval", "_chat_limiters", "budget")

    def __init__(
        self,
        *,
        overall_max_rate: float = FloodLimit.MESSAGES_PER_SECOND,
        overall_time_period: float = 1,
        chat_max_rate: float = 1,
        chat_time_period: float = 1,
        safety: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            overall_max_rate=overall_max_rate, overall_time_period=overall_time_period, **kwargs
        )
        if overall_max_rate and overall_time_period:
            window = SlidingWindow(int(overall_max_rate), overall_time_period * (1 + safety))
            self._base_limiter = window  # type: ignore[assignment]
        self._chat_interval = chat_time_period / chat_max_rate * (1 + safety)
        self._chat_limiters: dict[int, ChatGate] = {}
        # Shared with the other instances (bot/budget.py): None paces this process only.
        self.budget: Budget | None = None

    async def shutdown(self) -> None:
        await super().shutdown()
        if self.budget is not None:
            await self.budget.close()

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

            try:
                if self.budget is None:
                    return await super().process_request(
                        callback, args, kwargs, endpoint, data, rate_limit_args
                    )
                async with ticket(self.budget, chat_id):
                    return await super().process_request(
                        callback, args, kwargs, endpoint, data, rate_limit_args
                    )
            finally:
                # Counted from the answer, as the overall window is (see SlidingWindow).
                gate.last_sent = loop.time()
