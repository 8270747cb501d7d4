"""Flood protection, kept in this process only: a sliding window of update *arrival* times per
user, and at most one refusal per stranger every ten minutes.

Updates are counted when they arrive (bot/updates.py calls :meth:`FloodGuard.arrive` before an
update waits for the user's earlier ones), because one user's updates are processed one after
another, about one a second when each gets a reply: counted then, 25 messages sent in one
second would never look like a flood.
"""

from __future__ import annotations

import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

LIMIT = 20
WINDOW_SECONDS = 10.0
# Verdicts given at arrival and not yet taken by the gate (bounded: a crashed update's entry
# must not stay forever).
MAX_PENDING_VERDICTS = 10_000
REFUSAL_EVERY = timedelta(minutes=10)
MAX_REMEMBERED_STRANGERS = 100_000
# Refusals to strangers, all together, each second: a small share of Telegram's ~30 msg/s.
REFUSALS_PER_SECOND = 2


@dataclass
class FloodGuard:
    """Lets ``limit`` updates per ``window`` seconds through per user; beyond that the first
    extra update gets one polite warning and the rest are ignored until the window passes.

    State lives in memory: with several bot processes each counts only its own updates."""

    limit: int = LIMIT
    window: float = WINDOW_SECONDS
    clock: Callable[[], float] = time.monotonic
    _seen: dict[int, deque[float]] = field(default_factory=dict)
    _warned: set[int] = field(default_factory=set)
    _verdicts: dict[int, str] = field(default_factory=dict)

    def arrive(self, user_id: int, update_id: int) -> str:
        """Count an update as it arrives; its verdict waits for :meth:`verdict`."""
        verdict = self.check(user_id)
        if len(self._verdicts) >= MAX_PENDING_VERDICTS:
            self._verdicts.pop(next(iter(self._verdicts)))
        self._verdicts[update_id] = verdict
        return verdict

    def verdict(self, user_id: int, update_id: int) -> str:
        """The verdict given when the update arrived; counted now if it came another way
        (``Application.process_update`` called directly)."""
        verdict = self._verdicts.pop(update_id, None)
        return verdict if verdict is not None else self.check(user_id)

    def check(self, user_id: int) -> str:
        """``"ok"``, ``"warn"`` (first update over the limit) or ``"drop"``."""
        now = self.clock()
        if len(self._seen) > 5000:
            self.forget_idle()
        seen = self._seen.setdefault(user_id, deque())
        while seen and seen[0] <= now - self.window:
            seen.popleft()
        if len(seen) < self.limit:
            self._warned.discard(user_id)
            seen.append(now)
            return "ok"
        # Ignored updates still count, so a user who keeps hammering stays slowed down.
        seen.append(now)
        if len(seen) > self.limit * 5:
            seen.popleft()
        if user_id in self._warned:
            return "drop"
        self._warned.add(user_id)
        return "warn"

    def forget_idle(self) -> None:
        """Drop users whose window is empty, so memory stays bounded."""
        now = self.clock()
        for user_id in [u for u, s in self._seen.items() if not s or s[-1] <= now - self.window]:
            self._seen.pop(user_id, None)
            self._warned.discard(user_id)


@dataclass
class RefusalLimiter:
    """At most one refusal per stranger every ``every``, and at most ``per_second`` refusals a
    second in all: strangers writing (however many) never use up the bot's sending budget
    (Telegram's ~30 messages a second) that registered users need. A stranger not answered
    because of the overall cap is answered when they write again."""

    every: timedelta = REFUSAL_EVERY
    limit: int = MAX_REMEMBERED_STRANGERS
    per_second: int = REFUSALS_PER_SECOND
    clock: Callable[[], float] = time.monotonic
    _last: OrderedDict[int, datetime] = field(default_factory=OrderedDict)
    _recent: deque[float] = field(default_factory=deque)

    def allow(self, telegram_id: int, now: datetime) -> bool:
        """True when this stranger may be told (again) that the bot is not for them."""
        last = self._last.get(telegram_id)
        if last is not None and now - last < self.every:
            return False
        tick = self.clock()
        while self._recent and self._recent[0] <= tick - 1.0:
            self._recent.popleft()
        if len(self._recent) >= self.per_second:
            return False
        self._recent.append(tick)
        self._last[telegram_id] = now
        self._last.move_to_end(telegram_id)
        while self._last and (
            len(self._last) > self.limit or now - next(iter(self._last.values())) >= self.every
        ):
            self._last.popitem(last=False)
        return True
