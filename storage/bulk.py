"""Bulk reads and writes for the ERP import: batched lookups and multi-row upserts.

Upserts are ``INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE <something changed>`` on both
SQLite and PostgreSQL, executed as one executemany (SQLAlchemy batches it into multi-row
VALUES). Only rows that were inserted or really changed come back from RETURNING, so a
re-import of the same file writes nothing.

The documentos import (the big one: ERP books run to millions of rows) takes a faster road
on SQLite: its batches go to the driver's own ``executemany`` inside the same transaction,
and its lookups pass one JSON array instead of thousands of bind parameters. On PostgreSQL
each batch is COPY'd into a temporary table (``stage_document_rows``) that the upsert and
the balance history's statements read: no statement carries a list of parameters.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import String, Table, and_, any_, bindparam, insert, or_, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import TRUSTED_REFERENCES
from storage.models import (
    Document,
    FollowUp,
    FollowUpEvent,
    FollowUpStatus,
    FollowUpType,
    Tercero,
    User,
)

TERCEROS: Table = Tercero.__table__  # type: ignore[assignment]
DOCUMENTS: Table = Document.__table__  # type: ignore[assignment]
FOLLOWUPS: Table = FollowUp.__table__  # type: ignore[assignment]
EVENTS: Table = FollowUpEvent.__table__  # type: ignore[assignment]


async def _upsert(
    session: AsyncSession,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    key: Sequence[str],
    update: Sequence[str],
    *,
    also_set: Mapping[str, Any] | None = None,
    only_if: Any = None,
    returning: Sequence[str] = ("id",),
) -> list[Any]:
    """Insert ``rows`` or update the ``update`` columns of the row with the same ``key``
    when any of them differs (and ``only_if`` holds); returns the rows written."""
    if not rows:
        return []
    dialect = (await session.connection()).dialect.name
    stmt: Any
    if dialect == "postgresql":
        stmt = postgresql.insert(table)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table)
    else:  # pragma: no cover - we ship for these two
        raise NotImplementedError(f"bulk upsert on {dialect}")
    excluded = stmt.excluded
    set_: dict[str, Any] = {c: excluded[c] for c in update}
    set_.update(also_set or {})
    changed = or_(*(table.c[c].is_distinct_from(excluded[c]) for c in update))
    where = changed if only_if is None else and_(only_if, changed)
    if not update:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(key))
    else:
        stmt = stmt.on_conflict_do_update(index_elements=list(key), set_=set_, where=where)
    stmt = stmt.returning(*(table.c[c] for c in returning))
    result = await session.execute(stmt, list(rows))
    return list(result.all())


BULK_CACHE_MB = 64


@contextlib.asynccontextmanager
async def bulk_write_cache(
    session: AsyncSession, *, trusted_references: bool = False
) -> AsyncIterator[None]:
    """On SQLite, a bigger page cache while one import runs: the indexes of a table with a
    million rows do not fit SQLite's default 2 MB, and every page it evicts in the middle
    of the transaction is written and read again. A fixed amount, whatever the file size.

    With ``trusted_references`` (only for writers that read every id they write from its
    table in this same transaction, which holds SQLite's write lock from its first
    statement) the transaction runs without SQLite's per-row foreign-key checks; they are
    back on for the next transaction on the connection. The switch only takes when this is
    the session's first statement (SQLite ignores it inside a transaction; the checks then
    simply stay on)."""
    conn = await session.connection(
        execution_options={TRUSTED_REFERENCES: True} if trusted_references else None
    )
    if conn.dialect.name != "sqlite":
        yield
        return
    before = (await conn.exec_driver_sql("PRAGMA cache_size")).scalar_one()
    await conn.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_MB * 1024}")
    try:
        yield
    finally:
        # Best effort: a pooled connection that kept the big cache only costs memory.
        with contextlib.suppress(Exception):
            await conn.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


# --- users and catalogs ----------------------------------------------------------------------


@dataclass(frozen=True)
class UserRef:
    id: int
    code: str
    active: bool


async def users_by_code(session: AsyncSession) -> dict[str, UserRef]:
    """Every user by code (the team is small; one query for the whole import)."""
    rows = await session.execute(select(User.id, User.code, User.active))
    return {code: UserRef(id_, code, active) for id_, code, active in rows.all()}


async def followup_types(session: AsyncSession) -> list[tuple[int, str]]:
    rows = await session.execute(select(FollowUpType.id, FollowUpType.name))
    return [(id_, name) for id_, name in rows.all()]


async def add_followup_type(session: AsyncSession, name: str, default_hours: int) -> int:
    result = await session.execute(
        insert(FollowUpType)
        .values(name=name, default_hours=default_hours, active=True)
        .returning(FollowUpType.id)
    )
    return int(result.scalar_one())


# --- terceros --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TerceroRef:
    id: int
    nit: str
    nit_base: str
    encargado_id: int | None


async def terceros_by_nit(session: AsyncSession, nits: Iterable[str]) -> dict[str, TerceroRef]:
    """Terceros whose NIT (or NIT without check digit) is one of ``nits``, by both keys."""
    wanted = list(set(nits))
    if not wanted:
        return {}
    rows = await session.execute(
        select(Tercero.id, Tercero.nit, Tercero.nit_base, Tercero.encargado_id).where(
            or_(Tercero.nit.in_(wanted), Tercero.nit_base.in_(wanted))
        )
    )
    found: dict[str, TerceroRef] = {}
    for id_, nit, base, encargado in rows.all():
        found[nit] = TerceroRef(id_, nit, base, encargado)
    return found


def _text_array(values: Iterable[str]) -> Any:
    """``values`` as one PostgreSQL ``text[]`` parameter."""
    return bindparam(None, list(values), type_=postgresql.ARRAY(String))


async def _terceros_where(
    session: AsyncSession, column: str, values: Sequence[str]
) -> list[TerceroRef]:
    if not values:
        return []
    conn = await session.connection()
    found: Any
    if conn.dialect.name == "sqlite":
        # One JSON parameter: no statement with thousands of placeholders to compile.
        found = await conn.exec_driver_sql(
            "SELECT id, nit, nit_base, encargado_id FROM terceros "
            f"WHERE {column} IN (SELECT value FROM json_each(?))",
            (json.dumps(list(values)),),
        )
    else:
        # One array parameter (``= ANY($1)``): the same prepared statement for every batch,
        # whose plan walks the index, instead of thousands of IN placeholders.
        found = await session.execute(
            select(Tercero.id, Tercero.nit, Tercero.nit_base, Tercero.encargado_id).where(
                TERCEROS.c[column] == any_(_text_array(values))
            )
        )
    return [TerceroRef(id_, nit, base, encargado) for id_, nit, base, encargado in found.all()]


async def terceros_by_exact_nit(
    session: AsyncSession, nits: Iterable[str]
) -> dict[str, TerceroRef]:
    """Terceros whose NIT is exactly one of ``nits``, by NIT."""
    return {ref.nit: ref for ref in await _terceros_where(session, "nit", sorted(set(nits)))}


async def terceros_by_nit_base(session: AsyncSession, bases: Iterable[str]) -> list[TerceroRef]:
    """Every tercero whose NIT without check digit is one of ``bases``."""
    return await _terceros_where(session, "nit_base", sorted(set(bases)))


async def existing_nits(session: AsyncSession, nits: Iterable[str]) -> set[str]:
    wanted = list(set(nits))
    if not wanted:
        return set()
    return set((await session.scalars(select(Tercero.nit).where(Tercero.nit.in_(wanted)))).all())


async def upsert_terceros(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> int:
    """Insert or update terceros by ``nit``; ``columns`` are the ones the file carries.
    Returns how many rows were inserted or changed."""
    update = [c for c in columns if c != "nit"]
    return len(await _upsert(session, TERCEROS, rows, ["nit"], update))


# --- documents -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRef:
    id: int
    tercero_id: int
    doc_type: str
    number: str


async def documents_by_key(
    session: AsyncSession, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], DocumentRef]:
    """Documents by (type, number)."""
    by_type: dict[str, list[str]] = {}
    for doc_type, number in set(keys):
        by_type.setdefault(doc_type, []).append(number)
    found: dict[tuple[str, str], DocumentRef] = {}
    # One query per type: "type = ? AND number IN (...)" walks the unique index, where a
    # row-value IN over both columns makes SQLite scan. On PostgreSQL the numbers go as one
    # array (``= ANY($2)``): with thousands of IN placeholders each batch size was a new
    # statement whose generic plan scanned the whole type (400k rows took 351 s).
    postgres = (await session.connection()).dialect.name == "postgresql"
    for doc_type, numbers in by_type.items():
        wanted = (
            Document.number == any_(_text_array(numbers))
            if postgres
            else Document.number.in_(numbers)
        )
        rows = await session.execute(
            select(Document.id, Document.tercero_id, Document.number).where(
                Document.doc_type == doc_type, wanted
            )
        )
        for id_, tercero_id, number in rows.all():
            found[(doc_type, number)] = DocumentRef(id_, tercero_id, doc_type, number)
    return found


async def upsert_documents(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]], columns: Sequence[str]
) -> int:
    """Insert or update documents by (type, number); returns rows inserted or changed."""
    update = [c for c in columns if c not in ("doc_type", "number")]
    return len(await _upsert(session, DOCUMENTS, rows, ["doc_type", "number"], update))


DATE_COLUMNS = frozenset({"date", "due_date"})
MONEY_COLUMNS = frozenset({"value", "balance"})


def sqlite_document_binds(
    rows: Iterable[Sequence[Any]], columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Document tuples as SQLAlchemy's Date and Numeric types bind them on SQLite: dates as
    ISO text, amounts as floats (what ``upsert_document_rows(..., bound=True)`` takes)."""
    days = [i for i, c in enumerate(columns) if c in DATE_COLUMNS]
    amounts = [i for i, c in enumerate(columns) if c in MONEY_COLUMNS]
    params = []
    for row in rows:
        values = list(row)
        for i in days:
            if (day := values[i]) is not None:
                values[i] = day.isoformat()
        for i in amounts:
            if (amount := values[i]) is not None:
                values[i] = float(amount)
        params.append(tuple(values))
    return params


async def upsert_document_rows(
    session: AsyncSession,
    rows: Sequence[Sequence[Any]],
    columns: Sequence[str],
    *,
    bound: bool = False,
) -> tuple[int, int]:
    """Insert or update documents by (type, number) from tuples in ``columns`` order (a
    document missing from the file starts with a zero balance; columns not given keep their
    values on update). Returns (inserted, updated); unchanged rows are not written.
    ``bound``: on SQLite only, the tuples already hold ``sqlite_document_binds`` values
    (the import's fast path builds them so, saving a conversion per cell)."""
    if not rows:
        return 0, 0
    conn = await session.connection()
    if bound and conn.dialect.name != "sqlite":
        raise ValueError("bound document rows are for SQLite only")
    if conn.dialect.name == "postgresql":
        await stage_document_rows(session, rows, columns)
        written = await upsert_staged_documents(session, columns)
        return written.inserted, written.updated
    if conn.dialect.name != "sqlite":  # pragma: no cover - we ship for these two
        dicts = [dict(zip(columns, row, strict=True)) for row in rows]
        keys = {(d["doc_type"], d["number"]) for d in dicts}
        existing = await documents_by_key(session, keys)
        changed = await upsert_documents(session, dicts, columns)
        inserted = len(keys - existing.keys())
        return inserted, changed - inserted
    names = list(columns)
    params: Sequence[Sequence[Any]] = rows if bound else sqlite_document_binds(rows, columns)
    if "balance" not in names:
        names.append("balance")
        params = [(*row, 0.0) for row in params]
    update = [c for c in columns if c not in ("doc_type", "number")]
    into = f"INTO documents ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    upsert = (
        f"INSERT {into} ON CONFLICT (doc_type, number) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in update)
        + " WHERE "
        + " OR ".join(f"documents.{c} IS NOT excluded.{c}" for c in update)
    )

    # A plain insert costs SQLite about half an upsert (whose program opens every index and
    # foreign key per row), and a first import is all inserts: insert what is new, then
    # upsert the batch only when some keys already existed. The rows just inserted are
    # identical to themselves, so the upsert's WHERE leaves them alone and its row count is
    # the real updates. (NOT NULL cannot be ignored silently: the upsert would raise it.)
    inserted = (await conn.exec_driver_sql(f"INSERT OR IGNORE {into}", params)).rowcount
    if inserted == len(params):
        return inserted, 0
    updated = (await conn.exec_driver_sql(upsert, params)).rowcount
    return int(inserted), int(updated)


STAGE = "crm_import_documents"
STAGE_TYPES = {
    "tercero_id": "integer",
    "doc_type": "text",
    "number": "text",
    "date": "date",
    "due_date": "date",
    "value": "numeric(18, 2)",
    "balance": "numeric(18, 2)",
    "detail": "text",
}


async def stage_document_rows(
    session: AsyncSession, rows: Sequence[Sequence[Any]], columns: Sequence[str]
) -> None:
    """PostgreSQL: COPY a batch of document tuples (in ``columns`` order) into the temporary
    table ``STAGE``, emptied first; a file without saldo stages balance 0 (which
    ``upsert_staged_documents`` leaves out of updates). The rows travel in COPY's binary
    format, and every statement that reads them has the same text whatever the batch size
    (no parameter lists, so no generic plan that scans). The table lives until the
    transaction ends."""
    names = list(columns)
    if "balance" not in names:
        names.append("balance")
        rows = [(*row, Decimal(0)) for row in rows]
    conn = await session.connection()
    # Through SQLAlchemy first, so the transaction is open on the connection before asyncpg
    # is used directly.
    await conn.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} ("
        + ", ".join(f"{c} {STAGE_TYPES[c]}" for c in STAGE_TYPES)
        + ") ON COMMIT DROP"
    )
    await conn.exec_driver_sql(f"TRUNCATE {STAGE}")
    raw = await conn.get_raw_connection()
    driver: Any = raw.driver_connection  # asyncpg, inside the import's transaction
    await driver.copy_records_to_table(STAGE, records=list(rows), columns=names)


@dataclass(frozen=True)
class StagedWrite:
    inserted: int
    updated: int
    new_ids: list[int]  # the documents the upsert inserted


async def upsert_staged_documents(session: AsyncSession, columns: Sequence[str]) -> StagedWrite:
    """PostgreSQL: write the rows ``stage_document_rows`` staged (with these ``columns``) by
    one ``INSERT … SELECT … ON CONFLICT DO UPDATE … WHERE changed``; ``xmax = 0`` tells an
    inserted row from an updated one."""
    names = list(columns)
    if "balance" not in names:
        names.append("balance")
    update = [c for c in names if c not in ("doc_type", "number")]
    if "balance" not in columns:
        update.remove("balance")  # a document missing from the file keeps its balance
    listed = ", ".join(names)
    statement = (
        f"WITH written AS (INSERT INTO documents ({listed}) SELECT {listed} FROM {STAGE} "
        "ON CONFLICT (doc_type, number) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in update)
        + " WHERE "
        + " OR ".join(f"documents.{c} IS DISTINCT FROM EXCLUDED.{c}" for c in update)
        + " RETURNING id, (xmax = 0) AS inserted) "
        "SELECT count(*) FILTER (WHERE NOT inserted), "
        "coalesce(array_agg(id) FILTER (WHERE inserted), '{}') FROM written"
    )
    updated, new_ids = (await session.execute(text(statement))).one()
    return StagedWrite(len(new_ids), int(updated), list(new_ids))


# --- follow-ups ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedFollowUp:
    id: int
    import_key: str
    status: str
    due_at: datetime
    owner_id: int
    note: str | None


async def followups_by_import_key(
    session: AsyncSession, keys: Iterable[str]
) -> dict[str, ImportedFollowUp]:
    wanted = list(set(keys))
    if not wanted:
        return {}
    rows = await session.execute(
        select(
            FollowUp.id,
            FollowUp.import_key,
            FollowUp.status,
            FollowUp.due_at,
            FollowUp.owner_id,
            FollowUp.note,
        ).where(FollowUp.import_key.in_(wanted))
    )
    return {
        str(key): ImportedFollowUp(id_, str(key), status, due, owner, note)
        for id_, key, status, due, owner, note in rows.all()
    }


# Columns a re-import may change on a follow-up that is still active.
FOLLOWUP_IMPORT_COLUMNS = ("tercero_id", "type_id", "owner_id", "due_at", "note", "document_id")


async def upsert_imported_followups(
    session: AsyncSession, rows: Sequence[Mapping[str, Any]]
) -> list[tuple[int, str]]:
    """Insert follow-ups by ``import_key``, or update an ACTIVE one whose data changed (a
    closed or discarded one stays as the team left it). Returns (id, import_key) written."""
    written = await _upsert(
        session,
        FOLLOWUPS,
        rows,
        ["import_key"],
        FOLLOWUP_IMPORT_COLUMNS,
        # A changed follow-up invalidates old buttons and re-arms its ping.
        also_set={
            "version": FOLLOWUPS.c.version + 1,
            "claimed_by": None,
            "claimed_until": None,
        },
        only_if=FOLLOWUPS.c.status == FollowUpStatus.ACTIVE,
        returning=("id", "import_key"),
    )
    return [(int(r[0]), str(r[1])) for r in written]


async def insert_events(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        await session.execute(insert(EVENTS), list(rows))
