"""Reading the audit trail (/auditoria): latest changes, one follow-up's or one user's, and an
Excel export. Admins only."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.audit import text as audit_text
from crm.kernel import paging
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import NotAuthorized, NotFound
from crm.reports.workbook import RISKY_START, clean_text
from storage.models import AuditEntry, State, Tercero, User

PAGE_SIZE = 10
EXPORT_LIMIT = 100_000
HEADERS = (
    "Fecha",
    "Usuario",
    "Nombre",
    "Qué pasó",
    "Entidad",
    "Id",
    "Acción",
    "Cambios",
    "Datos (JSON)",
)
HEADERS_EN = (
    "Date",
    "User",
    "Name",
    "What happened",
    "Entity",
    "Id",
    "Action",
    "Changes",
    "Data (JSON)",
)


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
    # Names for the ids the rows mention ("user:5" -> "Ana Gómez (ANA)", "tercero:3", ...).
    names: dict[str, str] = field(default_factory=dict)


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
        page, pages = paging.window(total, PAGE_SIZE, page)
        result = await session.execute(_rows_query(flt).offset(page * PAGE_SIZE).limit(PAGE_SIZE))
        rows = tuple(_row(e, c, n) for e, c, n in result.all())
        subject = None
        if flt.user_id is not None:
            subject = await session.scalar(select(User.code).where(User.id == flt.user_id))
        names = await names_for(session, rows)
    return AuditPage(rows, page, pages, total, flt, subject, names)


# Complex by design: one lookup per kind of id an audit row may name.
async def names_for(session: AsyncSession, rows: Sequence[AuditRow]) -> dict[str, str]:  # noqa: C901
    """Names of the users, terceros and states the rows refer to by id or NIT."""
    user_ids: set[int] = set()
    tercero_ids: set[int] = set()
    state_ids: set[int] = set()
    nits: set[str] = set()
    for row in rows:
        if row.entity == "user" and row.entity_id.isdigit():
            user_ids.add(int(row.entity_id))
        if row.entity == "tercero" and row.entity_id.isdigit():
            tercero_ids.add(int(row.entity_id))
        for data in (row.before or {}, row.after or {}):
            for key, value in data.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    if key.endswith("supervisor_id"):
                        user_ids.add(value)
                    elif key == "state_id":
                        state_ids.add(value)
            if row.entity == "followup" and isinstance(data.get("tercero"), str):
                nits.add(data["tercero"])
    names: dict[str, str] = {}
    for chunk in _chunks(user_ids):
        for uid, name, code in await session.execute(
            select(User.id, User.name, User.code).where(User.id.in_(chunk))
        ):
            names[f"user:{uid}"] = f"{name} ({code})" if code else name
    for chunk in _chunks(tercero_ids):
        for tid, name in await session.execute(
            select(Tercero.id, Tercero.name).where(Tercero.id.in_(chunk))
        ):
            names[f"tercero:{tid}"] = name
    for chunk in _chunks(state_ids):
        for sid, name in await session.execute(
            select(State.id, State.name).where(State.id.in_(chunk))
        ):
            names[f"state:{sid}"] = name
    for chunk in _chunks(nits):
        for nit, name in await session.execute(
            select(Tercero.nit, Tercero.name).where(Tercero.nit.in_(chunk))
        ):
            names[f"nit:{nit}"] = name
    return names


def _chunks(values: set[Any], size: int = 1000) -> list[list[Any]]:
    items = sorted(values)
    return [items[i : i + size] for i in range(0, len(items), size)]


def sentence(row: AuditRow, lang: str, tz: ZoneInfo, names: Mapping[str, str]) -> str:
    """The row in words: "Ana Gómez pospuso #12: vence 27/11 11:00 → 18:00"."""
    return audit_text.describe(
        lang=lang,
        tz=tz,
        names=names,
        who=row.actor_name,
        entity=row.entity,
        entity_id=row.entity_id,
        action=row.action,
        before=row.before,
        after=row.after,
    )


async def export_audit(
    crm: Crm, actor: Actor, flt: AuditFilter = AuditFilter(), lang: str = "es"
) -> bytes:
    """The filtered trail as .xlsx: what happened in words, who, when (local), the changes
    readable, and the raw JSON last for technicians. The rows are read here; the workbook is
    written in a worker thread so other users keep being served."""
    if not actor.is_admin:
        raise NotAuthorized()
    found: list[AuditRow] = []
    async with crm.read() as session:
        result = await session.stream(_rows_query(flt).limit(EXPORT_LIMIT))
        async for entry, code, name in result:
            found.append(_row(entry, code, name))
        names = await names_for(session, found)
    rows: list[tuple[Any, ...]] = []
    for row in found:
        words = audit_text.Words(lang, crm.tz, names)
        raw = {"before": row.before, "after": row.after}
        rows.append(
            (
                row.at.astimezone(crm.tz).replace(tzinfo=None),
                row.actor_code,
                row.actor_name,
                sentence(row, lang, crm.tz, names),
                row.entity,
                row.entity_id,
                row.action,
                audit_text.changes(words, row.before or {}, row.after or {}) or None,
                json.dumps(raw, ensure_ascii=False, sort_keys=True),
            )
        )
    return await asyncio.to_thread(_workbook, rows, lang)


def _workbook(rows: list[tuple[Any, ...]], lang: str) -> bytes:
    """The audit sheet with xlsxwriter: one font, wrapped text, print setup, local times."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet("Auditoría" if lang != "en" else "Audit")
    bold = book.add_format({"bold": True, "valign": "top"})
    when = book.add_format({"num_format": "DD/MM/YYYY HH:MM", "valign": "top"})
    plain = book.add_format({"valign": "top", "text_wrap": True})
    quoted = book.add_format({"valign": "top", "text_wrap": True, "quote_prefix": True})
    headers = HEADERS if lang != "en" else HEADERS_EN
    for column, width in enumerate((17, 12, 24, 60, 12, 10, 14, 50, 40)):
        sheet.set_column(column, column, width)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(headers) - 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_footer("&CPágina &P de &N" if lang != "en" else "&CPage &P of &N")
    for column, title in enumerate(headers):
        sheet.write_string(0, column, title, bold)
    for r, (at, *texts) in enumerate(rows, 1):
        sheet.write_datetime(r, 0, at, when)
        for column, value in enumerate(texts, 1):
            if not value:
                continue
            risky = str(value).startswith(RISKY_START)
            cleaned = clean_text(str(value))
            sheet.write_string(r, column, cleaned, quoted if risky else plain)
    book.close()
    return buffer.getvalue()
