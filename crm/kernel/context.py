"""What every use case needs: the session factory, the clock and the local time zone.

Use cases open their sessions through two named entry points:

* ``async with crm.read() as session`` for read-only work: on SQLite a deferred ``BEGIN`` (one
  consistent snapshot, no write lock), so a read never waits for a writer, not even a
  million-row import; nothing is committed.
* ``async with crm.write() as session`` for a user's write: one transaction (``BEGIN
  IMMEDIATE`` on SQLite), committed on success, rolled back on any exception. It waits at
  most 2.5 s for SQLite's write lock, and not at all while an import holds it: then it raises
  :class:`~crm.errors.Busy` ("Se está actualizando la cartera; intenta en un minuto").

Scheduled jobs, imports and the CLI keep ``crm.sessions.begin()``, which waits up to 30 s.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel.clock import Clock, SystemClock
from crm.kernel.errors import Busy
from crm.kernel.workhours import WorkingHours
from storage import maintenance
from storage.db import SessionFactory, interactive_write, is_lock_timeout, read_session


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

    @property
    def url(self) -> str:
        """The database URL (rendered without its password)."""
        bind = self.sessions.kw.get("bind")
        return str(bind.url) if bind is not None else ""

    def read(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A read-only session that takes no write lock (see the module docstring)."""
        return read_session(self.sessions)

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """One interactive write transaction; :class:`Busy` instead of a long wait."""
        if maintenance.import_running(self.url):
            raise Busy()
        try:
            async with interactive_write(self.sessions) as session:
                yield session
        except OperationalError as exc:
            if is_lock_timeout(exc):
                raise Busy() from None
            raise

    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.tz)

    def today(self) -> date:
        return self.local_now().date()

    def local_midnight(self, day: date) -> datetime:
        """The UTC instant at which local ``day`` starts."""
        return datetime.combine(day, time.min, self.tz)
