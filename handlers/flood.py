"""Flood protection: a sliding window of update times per user, kept in this process only."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

LIMIT = 20
WINDOW_SECONDS = 10.0


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
