"""The ERP drop folder: files the ERP leaves in CRM_IMPORT_DIR are imported without typing.

A pass (the running bot's job, or ``crm-bot sync``) takes the folder's lease in the database,
so one instance at a time works on it. It picks up ``usuarios*``, ``terceros*``,
``documentos*`` and ``seguimientos*`` (``.csv``/``.xlsx``) in that dependency order, once a
file has not changed for the settle window (or has a ``.listo`` marker beside it), imports it
all or nothing, and moves it to ``procesados/`` or to ``rechazados/`` with
``NOMBRE.errores.txt`` beside it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from crm.context import Crm
from storage import botstate

ORDER = ("usuarios", "terceros", "documentos", "seguimientos")
SUFFIXES = (".csv", ".xlsx")
MARKER = ".listo"
DONE = "procesados"
REJECTED = "rechazados"
LEASE = ("ops", "import-dir")
LEASE_FOR = timedelta(minutes=15)
SHOWN_ERRORS = 5

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


def _markers(path: Path) -> list[Path]:
    return [path.with_name(path.name + MARKER), path.with_suffix(MARKER)]


def ready_files(
    folder: Path, settle_seconds: float, now: float | None = None
) -> tuple[list[tuple[str, Path]], list[str]]:
    """(kind, file) ready to import, in dependency order, and the names still changing."""
    now = time.time() if now is None else now
    ready: list[tuple[int, str, str, Path]] = []
    waiting: list[str] = []
    for path in sorted(folder.iterdir()):
        kind = kind_of(path)
        if kind is None or not path.is_file():
            continue
        marked = any(m.exists() for m in _markers(path))
        if marked or now - path.stat().st_mtime >= settle_seconds:
            ready.append((ORDER.index(kind), path.name.lower(), kind, path))
        else:
            waiting.append(path.name)
    ready.sort()
    return [(kind, path) for _, _, kind, path in ready], waiting


def _move(path: Path, folder: Path, stamp: str) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{stamp}-{path.name}"
    path.replace(target)
    for marker in _markers(path):
        marker.unlink(missing_ok=True)
    return target


async def import_one(crm: Crm, kind: str, path: Path, explain: Explain, stamp: str) -> Outcome:
    """Import one file all or nothing and file it away."""
    from crm.errors import CrmError
    from crm.imports import import_file

    try:
        result = await import_file(crm, kind, path)
    except CrmError as exc:  # the file as a whole: its text names the file
        return _reject(kind, path, [explain(exc.key, dict(exc.params))], 1, stamp)
    except Exception as exc:  # a damaged workbook, a file that vanished half-way...
        if path.suffix.lower() == ".xlsx":
            line = explain("cli.fault.bad_xlsx", {"file": path.name})
        else:
            line = explain("cli.fault.unexpected", {"kind": type(exc).__name__, "message": exc})
        return _reject(kind, path, [line], 1, stamp)
    if not result.written:
        lines = [
            f"{path.name}:{e.row}: {e.column}: {explain(e.key, e.params)}" for e in result.errors
        ]
        return _reject(kind, path, lines, result.bad_rows, stamp, rows=result.rows)
    moved = _move(path, path.parent / DONE, stamp)
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


def _reject(
    kind: str, path: Path, lines: list[str], bad_rows: int, stamp: str, rows: int = 0
) -> Outcome:
    moved = _move(path, path.parent / REJECTED, stamp)
    error_file = moved.with_name(f"{moved.stem}.errores.txt")
    error_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
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


async def admin_chats(crm: Crm) -> list[tuple[int, str | None]]:
    """(Telegram id, language) of every admin who can be messaged, CRM_ADMIN_IDS included."""
    from sqlalchemy import select

    from storage.models import User

    async with crm.sessions() as session:
        rows = (
            await session.execute(
                select(User.telegram_id, User.language).where(
                    User.role == "admin",
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
    crm: Crm, folder: Path, settle_seconds: float, holder: str, explain: Explain
) -> SyncReport | None:
    """One pass over the drop folder; None when another instance holds it right now."""
    now = crm.now()
    namespace, key = LEASE
    if not await botstate.take_lease(crm.sessions, namespace, key, holder, now, now + LEASE_FOR):
        return None
    try:
        files, waiting = ready_files(folder, settle_seconds)
        report = SyncReport(folder, waiting=waiting)
        stamp = crm.now().astimezone(crm.tz).strftime("%Y%m%d-%H%M%S")
        for kind, path in files:
            report.outcomes.append(await import_one(crm, kind, path, explain, stamp))
        return report
    finally:
        await botstate.drop_lease(crm.sessions, namespace, key, holder)
