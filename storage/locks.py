"""Who may use the database at once, across processes.

Two locks, both released by the operating system (or the server) when their process ends,
even when it crashes:

* **Writers** (``<database>.running`` beside a SQLite file): every ``crm-bot`` command that
  opens the database (``run``, ``import``, ``sync``, ``demo-data``, ``users``…) holds it
  *shared*, so they coexist (SQLite's own locks order their writes); ``restore`` needs it
  *exclusive* and refuses while anyone holds it, since it replaces the file under them.
* **The poller** (one ``crm-bot run`` fetching updates by long polling per database):
  ``<database>.polling`` beside a SQLite file, a session-level advisory lock on PostgreSQL.
  Telegram serves ``getUpdates`` to one client only; a second poller would fight the first
  (409 Conflict) and run every job twice. Webhook instances take no poller lock: several of
  them share a PostgreSQL database by design (docs/SCALING.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# pg_try_advisory_lock key of the poller ("crmpol"); advisory locks are per database.
POLLER_KEY = 0x6372_6D70_6F6C


class Busy(Exception):
    """The lock is held by another process."""


def sqlite_file(url: str) -> Path | None:
    """The absolute path of a SQLite file database (None for PostgreSQL or in memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().resolve()


def writers_path(database: Path) -> Path:
    return database.with_name(database.name + ".running")


def poller_path(database: Path) -> Path:
    return database.with_name(database.name + ".polling")


def _flock(path: Path, exclusive: bool, wait: bool) -> IO[bytes] | None:
    """An open handle holding ``flock`` on ``path`` (None where flock does not exist, or
    when the lock file can be neither created nor opened: a read-only folder).

    Raises :class:`Busy` when ``wait`` is False and another process holds a conflicting lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no cross-process check
        return None
    handle: IO[bytes]
    try:
        handle = path.open("ab")
    except PermissionError:
        try:
            handle = path.open("rb")  # flock works on a read-only handle too
        except OSError:
            return None
    mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        fcntl.flock(handle, mode if wait else mode | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise Busy(str(path)) from None
    return handle


def hold_writer_lock(url: str) -> IO[bytes] | None:
    """The shared writers' lock, held until the handle is closed or the process ends (waits
    while a ``restore`` holds it exclusively)."""
    database = sqlite_file(url)
    if database is None:
        return None
    return _flock(writers_path(database), exclusive=False, wait=True)


@contextlib.contextmanager
def writing(url: str) -> Iterator[None]:
    """Hold the shared writers' lock for the block."""
    handle = hold_writer_lock(url)
    try:
        yield
    finally:
        if handle is not None:
            handle.close()


def take_restore_lock(database: Path) -> IO[bytes] | None:
    """The writers' lock exclusively, at once, or :class:`Busy`."""
    return _flock(writers_path(database), exclusive=True, wait=False)


def hold_poller_lock(url: str) -> IO[bytes] | None:
    """The SQLite poller's lock, held until the process ends, or :class:`Busy`."""
    database = sqlite_file(url)
    if database is None:
        return None
    return _flock(poller_path(database), exclusive=True, wait=False)


async def take_poller_advisory_lock(engine: AsyncEngine) -> AsyncConnection | None:
    """PostgreSQL: a connection holding the poller's session-level advisory lock (keep it open
    for as long as the process polls), or None when another process holds it. Not for
    SQLite (see :func:`hold_poller_lock`)."""
    connection = await engine.connect()
    try:
        taken = await connection.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": POLLER_KEY}
        )
        await connection.commit()
    except BaseException:
        await connection.close()
        raise
    if not taken:
        await connection.close()
        return None
    return connection


async def release_poller_advisory_lock(connection: AsyncConnection) -> None:
    try:
        await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": POLLER_KEY})
        await connection.commit()
    finally:
        await connection.close()
