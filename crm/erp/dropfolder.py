"""The ERP drop folder: files the ERP leaves in CRM_IMPORT_DIR are imported without typing.

A pass (the running bot's job, or ``crm-bot sync``) takes the folder's lease in the database,
so one instance at a time works on it. It picks up ``usuarios*``, ``terceros*``,
``documentos*`` and ``seguimientos*`` (``.csv``/``.xlsx``) in that dependency order, imports
each all or nothing, and moves it to ``procesados/`` or to ``rechazados/`` with
``NOMBRE.errores.txt`` beside it.

Nothing found in the folder is trusted (issue 20): only regular files directly in it are read,
opened without following symbolic links and measured (``fstat``) before a byte is read. A file
is taken once it has a ``.listo`` marker, or once its size and mtime have not changed for the
settle time and no process holds it open for writing (on Linux, where /proc tells). A name
that is too long, has control characters or spaces at its ends is set aside in
``rechazados/`` under a safe name, with the reason in its ``.errores.txt``. Each file is
handled on its own: one that fails never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import stat
import sys
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from crm.erp.importer import import_file
from crm.kernel.context import Crm
from crm.kernel.errors import CrmError
from storage import botstate
from storage.models import Role, User

ORDER = ("usuarios", "terceros", "documentos", "seguimientos")
SUFFIXES = (".csv", ".xlsx")
MARKER = ".listo"
DONE = "procesados"
REJECTED = "rechazados"
LEASE = ("ops", "import-dir")
LEASE_FOR = timedelta(minutes=15)
SHOWN_ERRORS = 5
MAX_MB = 200  # CRM_IMPORT_MAX_MB's default
MB = 1024 * 1024
# Longer names are refused: a stamp, ".listo" or ".errores.txt" must still fit in the
# file system's 255 bytes.
MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200
SAFE_STEM_CHARS = 80
# Line breaks, tabs, escapes, bidi overrides, zero-width marks, undecodable bytes.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

# Renders a problem (text key and params) in the operator's language.
Explain = Callable[[str, dict[str, Any]], str]


@dataclass(frozen=True)
class Outcome:
    """What happened to one file."""

    name: str
    kind: str
    ok: bool
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    errors: tuple[str, ...] = ()  # the first few lines of the error file
    moved_to: Path | None = None
    error_file: Path | None = None
    reason: str = ""  # set when the file was set aside unread (its name, type or size)


@dataclass
class SyncReport:
    folder: Path
    outcomes: list[Outcome] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # still changing, left for later

    @property
    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def kind_of(path: Path) -> str | None:
    """The import kind a file's name asks for, or None when it is not ours."""
    name = path.name.lower()
    if path.suffix.lower() not in SUFFIXES:
        return None
    return next((kind for kind in ORDER if name.startswith(kind)), None)


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in _CONTROL_CATEGORIES


def name_problem(name: str) -> tuple[str, dict[str, Any]] | None:
    """Why a file name cannot be imported as is (text key, params), or None when it can."""
    size = len(name.encode("utf-8", "surrogateescape"))
    if len(name) > MAX_NAME_CHARS or size > MAX_NAME_BYTES:
        return "sync.reason.too_long", {"length": len(name), "limit": MAX_NAME_CHARS}
    if any(_is_control(c) for c in name):
        return "sync.reason.control", {}
    if name != name.strip():
        return "sync.reason.spaces", {}
    return None


def _cleaned(name: str) -> str:
    return "".join("_" if _is_control(c) else c for c in name).strip()


def claimed_kind(name: str) -> str | None:
    """The kind a name asks for once stripped of what makes it a bad name: a badly named
    export is still ours to set aside (and tell about), not to ignore."""
    cleaned = _cleaned(name)
    return kind_of(Path(cleaned)) if cleaned and "/" not in cleaned else None


def safe_name(name: str) -> str:
    """A name to keep a badly named file under: no control characters, no spaces at the
    ends, short enough for a stamp and ``.errores.txt`` beside it."""
    path = Path(_cleaned(name) or "archivo")
    suffix = path.suffix if len(path.suffix) <= 8 else ""
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    while len((stem[:SAFE_STEM_CHARS] + suffix).encode("utf-8", "surrogateescape")) > 150:
        stem = stem[: len(stem) // 2]
    return stem[:SAFE_STEM_CHARS].strip() + suffix


def shown(name: str) -> str:
    """A file name as it may appear in a message: quoted with escapes (``'a\\nb.csv'``) when
    it has control characters or spaces at its ends, so it stays on one line and the spaces
    show; shortened when very long."""
    if len(name) > 60:
        name = name[:40] + "…" + name[-12:]
    if name != name.strip() or any(_is_control(c) for c in name) or not name.isprintable():
        return repr(name)
    return name


# --- which files are ready -------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """A regular file with one of our names, as the scan saw it."""

    kind: str
    path: Path
    size: int
    mtime_ns: int

    @property
    def signature(self) -> tuple[int, int]:
        return self.size, self.mtime_ns


@dataclass
class Scan:
    ready: list[Candidate] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)
    refused: list[tuple[str, Path, str, dict[str, Any]]] = field(default_factory=list)


_UNMOVABLE = (-1, -1)  # Watch.failed: set aside unread, but could not be moved


class Watch:
    """What earlier passes of the running bot saw: a file whose size or mtime changed since
    the last look settles from the moment the change was seen (a copier may set an old mtime
    once it is done), and a file that could not be filed away is not retried until it
    changes. ``crm-bot sync`` starts with an empty one."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[tuple[int, int], float]] = {}
        self.failed: dict[str, tuple[int, int]] = {}

    def stable_since(
        self, name: str, signature: tuple[int, int], mtime: float, now: float
    ) -> float:
        previous = self.seen.get(name)
        if previous is None:
            since = mtime
        elif previous[0] == signature:
            since = previous[1]
        else:
            since = max(mtime, now)
        self.seen[name] = (signature, since)
        return since

    def keep_only(self, names: set[str]) -> None:
        self.seen = {k: v for k, v in self.seen.items() if k in names}
        self.failed = {k: v for k, v in self.failed.items() if k in names}


def _markers(path: Path) -> list[Path]:
    return [path.with_name(path.name + MARKER), path.with_suffix(MARKER)]


def _marked(path: Path) -> bool:
    for marker in _markers(path):
        try:
            os.lstat(marker)
        except OSError:
            continue
        return True
    return False


def _accmode(pid: str, fd: str) -> int | None:
    try:
        with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii") as info:
            for line in info:
                if line.startswith("flags:"):
                    return int(line.split()[1], 8) & os.O_ACCMODE
    except (OSError, ValueError, IndexError):
        return None
    return None


def open_for_writing(paths: Iterable[Path]) -> set[Path]:
    """Which of ``paths`` (absolute, without symbolic links) some process holds open for
    writing. Linux tells through /proc (for the processes this user may look at); elsewhere
    nobody is seen writing and the settle time alone decides."""
    wanted = {str(p): p for p in paths}
    if not wanted or not sys.platform.startswith("linux") or not os.path.isdir("/proc/self/fd"):
        return set()
    found: set[Path] = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        fds = f"/proc/{pid}/fd"
        try:
            names = os.listdir(fds)
        except OSError:  # gone, or another user's
            continue
        for fd in names:
            try:
                target = os.readlink(f"{fds}/{fd}")
            except OSError:
                continue
            if target in wanted and _accmode(pid, fd) in (os.O_WRONLY, os.O_RDWR):
                found.add(wanted[target])
    return found


def scan(
    folder: Path, settle_seconds: float, now: float | None = None, watch: Watch | None = None
) -> Scan:
    """Our files in ``folder``: ready to import (in dependency order), still being written,
    and refused unread for their name or type."""
    now = time.time() if now is None else now
    watch = Watch() if watch is None else watch
    folder = Path(os.path.realpath(folder))
    result = Scan()
    present: set[str] = set()
    settled: list[Candidate] = []
    with os.scandir(folder) as entries:
        names = sorted(entry.name for entry in entries)
    for name in names:
        kind = claimed_kind(name)
        if kind is None:
            continue
        path = folder / name
        present.add(name)
        if watch.failed.get(name) == _UNMOVABLE:
            continue  # reported already
        problem = name_problem(name)
        if problem is not None:
            result.refused.append((kind, path, *problem))
            continue
        try:
            info = os.lstat(path)
        except OSError:  # gone meanwhile
            continue
        if not stat.S_ISREG(info.st_mode):
            result.refused.append((kind, path, "sync.reason.not_regular", {}))
            continue
        candidate = Candidate(kind, path, info.st_size, info.st_mtime_ns)
        if watch.failed.get(name) == candidate.signature:
            continue  # reported already; tried again once it changes
        since = watch.stable_since(name, candidate.signature, info.st_mtime, now)
        if _marked(path):
            result.ready.append(candidate)
        elif now - since >= settle_seconds:
            settled.append(candidate)
        else:
            result.waiting.append(name)
    busy = open_for_writing(c.path for c in settled)
    for candidate in settled:
        if candidate.path in busy:
            result.waiting.append(candidate.path.name)
        else:
            result.ready.append(candidate)
    watch.keep_only(present)
    result.ready.sort(key=lambda c: (ORDER.index(c.kind), c.path.name.lower()))
    return result


# --- opening and filing away -----------------------------------------------------------------


class _Refused(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)


def open_checked(candidate: Candidate, max_bytes: int) -> BinaryIO | None:
    """The file opened for reading without following a symbolic link, once ``fstat`` says it
    is a regular file within ``max_bytes``; None when it changed since the scan."""
    path = candidate.path
    if not _NOFOLLOW and path.is_symlink():  # Windows: no O_NOFOLLOW
        raise _Refused("sync.reason.not_regular")
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK):  # a symbolic link (Linux; BSD)
            raise _Refused("sync.reason.not_regular") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("sync.reason.not_regular")
        if info.st_size > max_bytes:
            mb = -(-info.st_size // MB)
            raise _Refused("sync.reason.too_big", mb=mb, limit=max_bytes // MB)
        if (info.st_size, info.st_mtime_ns) != candidate.signature:
            os.close(fd)
            return None
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _subfolder(parent: Path, name: str) -> Path:
    """``procesados/`` or ``rechazados/``, refusing one that is not a real folder (a link
    would send the files, and the error files written there, elsewhere)."""
    folder = parent / name
    with contextlib.suppress(FileExistsError):
        folder.mkdir()
    if not stat.S_ISDIR(os.lstat(folder).st_mode):
        raise NotADirectoryError(errno.ENOTDIR, "not a real folder", str(folder))
    return folder


def _move(path: Path, into: str, stamp: str, name: str | None = None) -> Path:
    folder = _subfolder(path.parent, into)
    name = name or path.name
    target = folder / name
    number = 1
    while os.path.lexists(target):
        number += 1
        target = folder / (f"{stamp}-{name}" if number == 2 else f"{stamp}-{number}-{name}")
    path.replace(target)
    for marker in _markers(path):
        with contextlib.suppress(OSError):
            marker.unlink(missing_ok=True)
    return target


def _write_errors(moved: Path, lines: list[str]) -> Path:
    error_file = moved.with_name(f"{Path(moved.name).stem}.errores.txt")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _NOFOLLOW | getattr(os, "O_BINARY", 0)
    fd = os.open(error_file, flags, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(("\n".join(lines) + "\n").encode("utf-8"))
    return error_file


def _reject(
    kind: str, path: Path, lines: list[str], bad_rows: int, stamp: str, rows: int = 0
) -> Outcome:
    moved = _move(path, REJECTED, stamp)
    error_file = _write_errors(moved, lines)
    return Outcome(
        path.name,
        kind,
        False,
        rows=rows,
        bad_rows=bad_rows,
        errors=tuple(lines[:SHOWN_ERRORS]),
        moved_to=moved,
        error_file=error_file,
    )


def _set_aside(kind: str, path: Path, reason: str, stamp: str) -> Outcome:
    """File a file away unread under a safe name, the reason in its ``.errores.txt``."""
    moved = _move(path, REJECTED, stamp, safe_name(path.name))
    error_file = _write_errors(moved, [f"{shown(path.name)}: {reason}"])
    return Outcome(
        path.name,
        kind,
        False,
        errors=(reason,),
        moved_to=moved,
        error_file=error_file,
        reason=reason,
    )


async def import_one(
    crm: Crm,
    candidate: Candidate,
    explain: Explain,
    stamp: str,
    max_bytes: int = MAX_MB * MB,
) -> Outcome | None:
    """Import one file all or nothing and file it away; None when it changed meanwhile."""

    kind, path = candidate.kind, candidate.path
    try:
        source = await asyncio.to_thread(open_checked, candidate, max_bytes)
    except _Refused as exc:
        reason = explain(exc.key, exc.params)
        return await asyncio.to_thread(_set_aside, kind, path, reason, stamp)
    if source is None:
        return None
    try:
        result = await import_file(crm, kind, path, source=source)
    except CrmError as exc:  # the file as a whole: its text names the file
        lines = [explain(exc.key, dict(exc.params))]
        return await asyncio.to_thread(_reject, kind, path, lines, 1, stamp)
    except Exception as exc:  # a damaged workbook, a file that vanished half-way...
        if path.suffix.lower() == ".xlsx":
            line = explain("cli.fault.bad_xlsx", {"file": path.name})
        else:
            line = explain("cli.fault.unexpected", {"kind": type(exc).__name__, "message": exc})
        return await asyncio.to_thread(_reject, kind, path, [line], 1, stamp)
    finally:
        source.close()
    if not result.written:
        lines = [
            f"{path.name}:{e.row}: {e.column}: {explain(e.key, e.params)}" for e in result.errors
        ]
        return await asyncio.to_thread(
            _reject, kind, path, lines, result.bad_rows, stamp, rows=result.rows
        )
    moved = await asyncio.to_thread(_move, path, DONE, stamp)
    return Outcome(
        path.name,
        kind,
        True,
        rows=result.rows,
        inserted=result.inserted,
        updated=result.updated,
        unchanged=result.unchanged,
        moved_to=moved,
    )


async def admin_chats(crm: Crm) -> list[tuple[int, str | None]]:
    """(Telegram id, language) of every admin who can be messaged, CRM_ADMIN_IDS included."""
    from sqlalchemy import select

    async with crm.read() as session:
        rows = (
            await session.execute(
                select(User.telegram_id, User.language).where(
                    User.role == Role.ADMIN,
                    User.active.is_(True),
                    User.unreachable.is_(False),
                    User.telegram_id.is_not(None),
                )
            )
        ).all()
    chats: dict[int, str | None] = {int(tg): lang for tg, lang in rows if tg is not None}
    for extra in crm.admin_ids:
        chats.setdefault(extra, None)
    return sorted(chats.items())


async def sync_folder(
    crm: Crm,
    folder: Path,
    settle_seconds: float,
    holder: str,
    explain: Explain,
    *,
    max_mb: int = MAX_MB,
    watch: Watch | None = None,
) -> SyncReport | None:
    """One pass over the drop folder; None when another instance holds it right now."""
    now = crm.now()
    namespace, key = LEASE
    if not await botstate.take_lease(crm.sessions, namespace, key, holder, now, now + LEASE_FOR):
        return None
    watch = Watch() if watch is None else watch
    try:
        found = await asyncio.to_thread(scan, folder, settle_seconds, None, watch)
        report = SyncReport(folder, waiting=found.waiting)
        stamp = crm.now().astimezone(crm.tz).strftime("%Y%m%d-%H%M%S")
        for candidate in found.ready:
            try:
                outcome = await import_one(crm, candidate, explain, stamp, max_mb * MB)
            except Exception as exc:  # could not be filed away: the others still go ahead
                watch.failed[candidate.path.name] = candidate.signature
                line = explain(
                    "cli.fault.unexpected", {"kind": type(exc).__name__, "message": exc}
                )
                outcome = Outcome(candidate.path.name, candidate.kind, False, errors=(line,))
            if outcome is None:
                report.waiting.append(candidate.path.name)
            else:
                report.outcomes.append(outcome)
        for kind, path, reason_key, params in found.refused:
            reason = explain(reason_key, params)
            try:
                outcome = await asyncio.to_thread(_set_aside, kind, path, reason, stamp)
            except Exception as exc:
                watch.failed[path.name] = _UNMOVABLE
                line = explain(
                    "cli.fault.unexpected", {"kind": type(exc).__name__, "message": exc}
                )
                outcome = Outcome(path.name, kind, False, errors=(reason, line), reason=reason)
            report.outcomes.append(outcome)
        return report
    finally:
        await botstate.drop_lease(crm.sessions, namespace, key, holder)
