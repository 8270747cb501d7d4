"""What every use case needs: the session factory, the clock and the local time zone.

Use cases open their sessions through two named entry points:

* ``async with crm.read() as session`` for read-only work: on SQLite a deferred ``BEGIN`` (one
  consistent snapshot, no write lock), so a read never waits for a writer, not even a
  million-row import; nothing is committed.
* ``async with crm.write() as session`` for a user's write: one transaction (``BEGIN
  IMMEDIATE`` on SQLite), committed on success, rolled back on any exception. It waits at
  most 2.5 s for SQLite's write lock, and not at all while an import holds it: then it raises
  :class:`~crm.errors.Busy` ("Se está actualizando la cartera; intenta en un minuto").

* ``async with crm.write(wait=True) as session`` for background work (imports, scheduled jobs,
  the notifier, the CLI): the same one transaction, but it waits its turn for the write lock
  (up to 30 s on SQLite) instead of answering Busy — nobody is holding a phone for it.
* ``async with crm.read(single=True) as session`` for one quick lookup that needs no snapshot
  across statements (on SQLite no transaction at all: the gate's user lookup, the agenda page).

Nothing else in crm/ opens a session.
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
from storage.db import (
    SessionFactory,
    interactive_write,
    is_lock_timeout,
    read_session,
    single_read_session,
)


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

    def read(self, *, single: bool = False) -> AbstractAsyncContextManager[AsyncSession]:
        """A read-only session that takes no write lock; ``single``: one quick lookup without
        a snapshot (see the module docstring)."""
        if single:
            return single_read_session(self.sessions)
        return read_session(self.sessions)

    @asynccontextmanager
    async def write(self, *, wait: bool = False) -> AsyncIterator[AsyncSession]:
        """One write transaction: a user's (:class:`Busy` instead of a long wait) or, with
        ``wait``, background work that waits its turn (see the module docstring)."""
        if wait:
            async with self.sessions.begin() as session:
                yield session
            return
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
