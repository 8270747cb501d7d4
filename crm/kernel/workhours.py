"""Working hours: when pings may be sent and where "mañana" lands."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

MONDAY_TO_SATURDAY = frozenset(range(6))


@dataclass(frozen=True)
class WorkingHours:
    """A daily window (local time) on some weekdays (Monday = 0)."""

    start: time = time(7, 0)
    end: time = time(19, 0)
    weekdays: frozenset[int] = field(default_factory=lambda: MONDAY_TO_SATURDAY)

    def __post_init__(self) -> None:
        if self.start >= self.end:
            raise ValueError("working hours must start before they end")
        if not self.weekdays:
            raise ValueError("at least one working day is needed")

    def is_open(self, now: datetime, tz: ZoneInfo) -> bool:
        """Whether ``now`` falls inside the window on a working day."""
        local = now.astimezone(tz)
        return local.weekday() in self.weekdays and self.start <= local.time() < self.end

    def window_end(self, now: datetime, tz: ZoneInfo) -> datetime:
        """The end of today's window (local day of ``now``), as an aware datetime."""
        local = now.astimezone(tz)
        return datetime.combine(local.date(), self.end, tz)

    def next_day_start(self, now: datetime, tz: ZoneInfo) -> datetime:
        """The start of the window on the first working day after the local day of ``now``."""
        day = now.astimezone(tz).date()
        for _ in range(8):
            day += timedelta(days=1)
            if day.weekday() in self.weekdays:
                return datetime.combine(day, self.start, tz)
        raise AssertionError("unreachable: weekdays is never empty")

    def next_open(self, now: datetime, tz: ZoneInfo) -> datetime:
        """``now`` if the window is open, else the next time it opens."""
        if self.is_open(now, tz):
            return now
        local = now.astimezone(tz)
        if local.weekday() in self.weekdays and local.time() < self.start:
            return datetime.combine(local.date(), self.start, tz)
        return self.next_day_start(now, tz)
