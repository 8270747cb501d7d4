"""Engine and session factory; SQLite gets WAL, foreign keys and a busy timeout."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionFactory = async_sessionmaker[AsyncSession]
READ_ONLY = "crm_read_only"
# A read of one statement (or a few whose mutual consistency does not matter): no transaction.
SINGLE_READ = "crm_single_read"
# A write transaction whose code has itself checked every reference it writes, in the same
# transaction (the bulk import): SQLite's per-row foreign-key checks are switched off for it.
TRUSTED_REFERENCES = "crm_trusted_references"
_FOREIGN_KEYS_OFF = "crm_foreign_keys_off"
# An interactive write (a user's press): on SQLite it waits at most INTERACTIVE_BUSY_MS for
# the write lock, not the BUSY_MS that jobs, imports and the CLI wait.
INTERACTIVE_WRITE = "crm_interactive_write"
BUSY_MS = 30_000
INTERACTIVE_BUSY_MS = 2_500
_BUSY = "crm_busy_timeout_ms"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine for ``url`` with the per-dialect settings we rely on."""
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": 30})
        if make_url(url).database not in (None, "", ":memory:") and "poolclass" not in kwargs:
            # The default 5 pooled + 10 overflow connections: the same 15 at most, but all kept
            # open. An overflow connection is closed when handed back, and on aiosqlite every
            # new one is a new thread plus the PRAGMAs below; under a burst of updates from
            # many users that churn cost more CPU than the queries themselves.
            kwargs.setdefault("pool_size", 15)
            kwargs.setdefault("max_overflow", 0)
    else:
        kwargs.setdefault("pool_pre_ping", True)
    engine = create_async_engine(url, **kwargs)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        _skip_idle_rollbacks(engine)
        event.listen(engine.sync_engine, "checkout", _sqlite_on_checkout)
    return engine


def _skip_idle_rollbacks(engine: AsyncEngine) -> None:
    """Do not send ROLLBACK to a SQLite connection that has no transaction open.

    SQLAlchemy rolls back when a session closes and when the pool takes the connection back;
    on aiosqlite each is a hop to its worker thread and back although sqlite3 does nothing
    then, and it is most of the CPU of a read without a transaction (the gate's user lookup
    and the agenda page run on every update). aiosqlite's ``in_transaction`` is a flag read;
    with a transaction open (or if it cannot be read) the rollback goes through as before.
    """
    dialect = engine.sync_engine.dialect
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection: Any) -> None:
        if _in_transaction(dbapi_connection):
            rollback(dbapi_connection)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def _in_transaction(dbapi_connection: Any) -> bool:
    # The pool hands us its proxy or the adapted connection; both reach aiosqlite's connection.
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is None:
        driver = getattr(dbapi_connection, "_connection", None)
    try:
        return bool(driver.in_transaction)  # type: ignore[union-attr]
    except Exception:  # closed connection, unexpected driver: let the rollback decide
        return True


def _sqlite_on_connect(dbapi_connection: Any, record: Any) -> None:
    # Let SQLAlchemy own transactions (pysqlite's implicit BEGIN would defeat BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    record.info[_BUSY] = BUSY_MS


def _sqlite_on_begin(conn: Any) -> None:
    # Writers take the lock up front, so two transactions never deadlock upgrading a read
    # lock; long read-only work (reports) asks for a deferred BEGIN via ``read_session``.
    options = conn.get_execution_options()
    if options.get(SINGLE_READ):
        # Autocommit: the SELECT is its own snapshot. Skipping BEGIN saves a round trip to
        # aiosqlite's thread on the hottest reads (the gate's user lookup, the agenda page).
        return
    if options.get(READ_ONLY):
        conn.exec_driver_sql("BEGIN")
        return
    # How long this write waits for the lock; the PRAGMA is sent only when it changes.
    wait = INTERACTIVE_BUSY_MS if options.get(INTERACTIVE_WRITE) else BUSY_MS
    if conn.info.get(_BUSY) != wait:
        conn.exec_driver_sql(f"PRAGMA busy_timeout={wait}")
        conn.info[_BUSY] = wait
    if options.get(TRUSTED_REFERENCES):
        # PRAGMA foreign_keys is a no-op inside a transaction: it must come before BEGIN.
        # The pooled connection is marked so the next checkout switches the checks back on,
        # whether this transaction commits, rolls back or dies half-way.
        conn.info[_FOREIGN_KEYS_OFF] = True
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    # Every other transaction runs with SQLite's foreign-key checks on.
    if record.info.pop(_FOREIGN_KEYS_OFF, False):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def make_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_lock_timeout(error: BaseException) -> bool:
    """SQLite's "database is locked" (the busy timeout ran out waiting for the writer)."""
    text = str(getattr(error, "orig", None) or error).lower()
    return "database is locked" in text or "database table is locked" in text


@asynccontextmanager
async def interactive_write(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """One write transaction that waits only briefly for SQLite's write lock."""
    async with sessions.begin() as session:
        await session.connection(execution_options={INTERACTIVE_WRITE: True})
        yield session


@asynccontextmanager
async def read_session(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session for long reads that must not hold SQLite's write lock (reports, exports)."""
    async with sessions() as session:
        await session.connection(execution_options={READ_ONLY: True})
        yield session


@asynccontextmanager
async def single_read_session(sessions: SessionFactory) -> AsyncIterator[AsyncSession]:
    """A session for a quick read that needs no snapshot across statements (one SELECT, or a
    lookup then a SELECT): on SQLite it runs without a transaction, and never writes."""
    async with sessions() as session:
        await session.connection(execution_options={SINGLE_READ: True})
        yield session
