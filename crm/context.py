"""What every use case needs: the session factory, the clock and the local time zone."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from crm.clock import Clock, SystemClock
from crm.workhours import WorkingHours
from storage.db import SessionFactory


@dataclass(frozen=True)
class Crm:
    """The use-case environment handed to handlers, jobs and the CLI."""

    sessions: SessionFactory
    tz: ZoneInfo
    clock: Clock = field(default_factory=SystemClock)
    admin_ids: frozenset[int] = frozenset()
    # CRM_WORKING_HOURS / CRM_WORKING_DAYS: pings wait for the window; "mañana" lands on it.
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    # CRM_LEY_2300 (naturales | todos | no) and CRM_PAYMENT_CONFIRM_DAYS (crm/ley2300.py,
    # crm/payments.py).
    ley_2300: str = "naturales"
    payment_confirm_days: int = 3

    def now(self) -> datetime:
        return self.clock.now()

    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.tz)

    def today(self) -> date:
        return self.local_now().date()

    def local_midnight(self, day: date) -> datetime:
        """The UTC instant at which local ``day`` starts."""
        return datetime.combine(day, time.min, self.tz)
