"""Reading the audit trail (/auditoria): latest changes, one follow-up's or one user's, and an
Excel export. Admins only."""

from __future__ import annotations

import asyncio
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import aliased

from crm.context import Crm
from crm.errors import NotAuthorized, NotFound
from crm.reports.workbook import text_cell
from crm.users import Actor
from storage.db import read_session
from storage.models import AuditEntry, User

PAGE_SIZE = 10
EXPORT_LIMIT = 100_000
HEADERS = ("Fecha", "Usuario", "Nombre", "Entidad", "Id", "Acción", "Antes", "Después")


@dataclass(frozen=True)
class AuditFilter:
    """All changes, or those of one follow-up, or those made by / on one user."""

    followup_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_code: str | None
    actor_name: str | None
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    page: int
    pages: int
    total: int
    filter: AuditFilter
    subject: str | None  # the user code when filtering by user


def _load_json(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return {"value": text}
    return value if isinstance(value, dict) else {"value": value}


def _where(flt: AuditFilter) -> ColumnElement[bool] | None:
    if flt.followup_id is not None:
        return and_(AuditEntry.entity == "followup", AuditEntry.entity_id == str(flt.followup_id))
    if flt.user_id is not None:
        return or_(
            AuditEntry.actor_id == flt.user_id,
            and_(AuditEntry.entity == "user", AuditEntry.entity_id == str(flt.user_id)),
        )
    return None


async def resolve_user_filter(crm: Crm, actor: Actor, code: str) -> AuditFilter:
    """The filter for ``/auditoria usuario CODE``."""
    if not actor.is_admin:
        raise NotAuthorized()
    async with crm.read() as session:
        user_id = await session.scalar(
            select(User.id).where(func.upper(User.code) == code.strip().upper()[:40])
        )
    if user_id is None:
        raise NotFound("error.unknown_user", code=code.strip()[:40])
    return AuditFilter(user_id=user_id)


def _rows_query(flt: AuditFilter) -> Any:
    who = aliased(User)
    query = (
        select(AuditEntry, who.code, who.name)
        .outerjoin(who, who.id == AuditEntry.actor_id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    )
    where = _where(flt)
    return query.where(where) if where is not None else query


def _row(entry: AuditEntry, code: str | None, name: str | None) -> AuditRow:
    return AuditRow(
        entry.id,
        entry.at,
        code,
        name,
        entry.entity,
        entry.entity_id,
        entry.action,
        _load_json(entry.before),
        _load_json(entry.after),
    )


async def audit_page(
    crm: Crm, actor: Actor, flt: AuditFilter = AuditFilter(), page: int = 0
) -> AuditPage:
    """Newest changes first, one page."""
    if not actor.is_admin:
        raise NotAuthorized()
    async with crm.read() as session:
        count = select(func.count(AuditEntry.id))
        where = _where(flt)
        if where is not None:
            count = count.where(where)
        total = int(await session.scalar(count) or 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        result = await session.execute(_rows_query(flt).offset(page * PAGE_SIZE).limit(PAGE_SIZE))
        rows = tuple(_row(e, c, n) for e, c, n in result.all())
        subject = None
        if flt.user_id is not None:
            subject = await session.scalar(select(User.code).where(User.id == flt.user_id))
    return AuditPage(rows, page, pages, total, flt, subject)


def _changes(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


async def export_audit(crm: Crm, actor: Actor, flt: AuditFilter = AuditFilter()) -> bytes:
    """The filtered trail as .xlsx: bold frozen header, autofilter, local times. The rows are
    read here; the workbook is written in a worker thread so other users keep being served."""
    if not actor.is_admin:
        raise NotAuthorized()
    rows: list[tuple[Any, ...]] = []
    async with read_session(crm.sessions) as session:
        result = await session.stream(_rows_query(flt).limit(EXPORT_LIMIT))
        async for entry, code, name in result:
            row = _row(entry, code, name)
            rows.append(
                (
                    row.at.astimezone(crm.tz).replace(tzinfo=None),
                    row.actor_code,
                    row.actor_name,
                    row.entity,
                    row.entity_id,
                    row.action,
                    _changes(row.before),
                    _changes(row.after),
                )
            )
    return await asyncio.to_thread(_workbook, rows)


def _workbook(rows: list[tuple[Any, ...]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Auditoría")
    for column, width in zip("ABCDEFGH", (17, 12, 24, 12, 10, 14, 50, 50), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:H{len(rows) + 1}"
    header = []
    for title in HEADERS:
        cell = WriteOnlyCell(sheet, title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for at, *texts in rows:
        when = WriteOnlyCell(sheet, at)
        when.number_format = "DD/MM/YYYY HH:MM"
        sheet.append([when, *(text_cell(sheet, t) if t else t for t in texts)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
