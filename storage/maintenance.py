"""A bulk import in progress on a SQLite database, visible to every process on the host.

SQLite has one writer at a time, and an import is one long write transaction (all or
nothing). While it runs, an interactive write would only wait for the lock and then fail, so
the bot refuses it at once ("Se está actualizando la cartera…") instead of holding a pooled
connection for seconds. The import announces itself with a marker file next to the database
(``crm.db-importing``, holding its pid); a marker whose process is gone is stale and ignored,
so a killed import never blocks the bot.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import make_url

SUFFIX = "-importing"
CACHE_SECONDS = 0.5  # a press checks the marker at most twice a second per database

_seen: dict[str, tuple[float, bool]] = {}


def marker_path(url: str) -> Path | None:
    """The marker of the SQLite file database at ``url`` (None for other databases)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database + SUFFIX)  # type: ignore[operator]


@contextlib.contextmanager
def importing(url: str) -> Iterator[None]:
    """Announce an import on ``url`` for as long as the block runs."""
    path = marker_path(url)
    if path is None:
        yield
        return
    path.write_text(str(os.getpid()), encoding="ascii")
    _seen.pop(str(path), None)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        _seen.pop(str(path), None)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def import_running(url: str) -> bool:
    """Whether another process (or this one) is importing into ``url`` right now."""
    path = marker_path(url)
    if path is None:
        return False
    key = str(path)
    now = time.monotonic()
    cached = _seen.get(key)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    try:
        pid = int(path.read_text(encoding="ascii").strip() or 0)
    except (FileNotFoundError, ValueError, OSError):
        running = False
    else:
        running = pid > 0 and _alive(pid)
    _seen[key] = (now, running)
    return running
