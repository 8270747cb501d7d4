"""Backups: SQLite through its online backup API (safe while the bot writes), PostgreSQL
through ``pg_dump``; restoring a SQLite file only while no bot process uses it.

Every ``crm-bot`` process using a SQLite file (the bot, an import, a sync…) holds the writers'
lock ``<database>.running`` shared; ``restore`` needs it exclusively, so it refuses while any of
them runs (storage/locks.py). ``backup`` refuses to write over the live database (or its journal
files), however the target is spelled (symbolic links, hard links).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import make_url

from storage.locks import Busy, hold_writer_lock, sqlite_file, take_restore_lock

__all__ = [
    "BackupError",
    "backup",
    "backup_postgres",
    "backup_sqlite",
    "hold_running_lock",
    "nightly_name",
    "restore_sqlite",
    "rotate",
    "sqlite_file",
]


class BackupError(Exception):
    """A backup or restore that cannot be done; ``key`` names the explanation."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def hold_running_lock(url: str) -> IO[bytes] | None:
    """Called by ``crm-bot run``: the shared writers' lock, held until the process ends."""
    return hold_writer_lock(url)


# Files that are the database too: writing a copy over any of them corrupts it.
LIVE_SUFFIXES = ("", "-wal", "-shm", "-journal", ".running", ".polling")


def _is_live(database: Path, target: Path) -> bool:
    resolved = target.resolve()  # through every symbolic link
    for suffix in LIVE_SUFFIXES:
        live = database.with_name(database.name + suffix)
        if resolved == live:
            return True
        try:
            if live.exists() and resolved.exists() and os.path.samefile(live, resolved):
                return True  # a hard link to it
        except OSError:
            continue
    return False


def backup_sqlite(database: Path, target: Path) -> None:
    """Copy a live SQLite database page by page (readers and writers may go on)."""
    if not database.exists():
        raise BackupError("backup.no_database", database=str(database))
    if _is_live(database, target):
        raise BackupError("backup.live_target", file=str(target), database=str(database))
    target = target.resolve()  # through a link: the copy replaces the file it points to
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    partial.replace(target)


def backup_postgres(url: str, target: Path) -> None:
    """``pg_dump`` in its custom format (restore with ``pg_restore``)."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("backup.no_pg_dump")
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    command = [pg_dump, "--format=custom", "--no-owner", f"--file={target}"]
    if parsed.host:
        command.append(f"--host={parsed.host}")
    if parsed.port:
        command.append(f"--port={parsed.port}")
    if parsed.username:
        command.append(f"--username={parsed.username}")
    command.append(str(parsed.database))
    target.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        target.unlink(missing_ok=True)
        reason = " ".join(done.stderr.split())[:300]
        raise BackupError("backup.pg_dump_failed", reason=reason)


def backup(url: str, target: Path) -> Path:
    """Back the database of ``url`` up into ``target``."""
    database = sqlite_file(url)
    if database is not None:
        backup_sqlite(database, target)
    elif make_url(url).get_backend_name() == "postgresql":
        backup_postgres(url, target)
    else:
        raise BackupError("backup.unsupported")
    return target


def restore_sqlite(url: str, source: Path, stamp: str) -> Path | None:
    """Replace the SQLite database with ``source`` (kept: a copy of the current one, whose
    path is returned). Refused while a bot process uses the database."""
    database = sqlite_file(url)
    if database is None:
        raise BackupError("backup.restore_sqlite_only")
    if not source.is_file():
        raise BackupError("backup.no_backup", file=str(source))
    try:
        check = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            ok = check.execute("PRAGMA quick_check").fetchone()
            tables = {r[0] for r in check.execute("SELECT name FROM sqlite_master")}
        finally:
            check.close()
    except sqlite3.DatabaseError:
        raise BackupError("backup.not_a_backup", file=str(source)) from None
    if ok != ("ok",) or "alembic_version" not in tables:
        raise BackupError("backup.not_a_backup", file=str(source))
    try:
        lock = take_restore_lock(database)
    except Busy:
        raise BackupError("backup.restore_busy", database=str(database)) from None
    try:
        kept = None
        if database.exists():
            kept = database.with_name(f"{database.name}.antes-de-restaurar-{stamp}")
            backup_sqlite(database, kept)
        origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            target = sqlite3.connect(database)
            try:
                origin.backup(target)
            finally:
                target.close()
        finally:
            origin.close()
        return kept
    finally:
        if lock is not None:
            lock.close()


def rotate(folder: Path, prefix: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` backups named ``prefix*``; returns the deleted."""
    backups = sorted(p for p in folder.glob(f"{prefix}*") if not p.name.endswith(".partial"))
    old = backups[:-keep] if keep > 0 else backups
    for path in old:
        path.unlink(missing_ok=True)
    return old


def nightly_name(url: str, now: datetime) -> str:
    suffix = ".db" if sqlite_file(url) is not None else ".dump"
    return f"crm-{now.strftime('%Y%m%d-%H%M%S')}{suffix}"
