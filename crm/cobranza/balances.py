"""The balance history: every saldo a documentos import changes, and what follows from it.

A documentos import overwrites ``documents.balance``; the import keeps each change in
``balance_changes`` inside its own transaction (on SQLite :func:`before_upsert` and
:func:`record_changes` around each batch's upsert; on PostgreSQL :func:`record_staged_changes`
and :func:`record_new_documents`, set-based statements over the batch COPY'd into
``bulk.STAGE``): document, import time, old → new saldo, and the tercero's encargado at
that moment. A document the import brings in is new cartera (old saldo None). A decrease is
money collected (recaudo), credited to that encargado; an increase is new cartera too.

The balance of a document at an instant T is the old saldo of its first change after T (0 if
that change brought it in), or its current balance when nothing changed since T. With every
change recorded this gives ``cartera at start + new cartera − cartera at end = recaudo``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.bulk import STAGE
from storage.models import BalanceChange, Document, Tercero, UTCDateTime

ZERO = Decimal("0.00")
KEY_CHUNK = 2000  # (type, number) pairs per lookup: well under every driver's parameter limit


@dataclass(frozen=True)
class Snapshot:
    """The saldos of a batch's documents just before the import writes them."""

    keys: frozenset[tuple[str, str]]
    balances: dict[tuple[str, str], Decimal]


async def before_upsert(
    session: AsyncSession, records: Sequence[Sequence[Any]], columns: Sequence[str]
) -> Snapshot:
    """Read the current saldo of every document a batch of import records names."""
    i_type, i_number = columns.index("doc_type"), columns.index("number")
    keys = frozenset((str(r[i_type]), str(r[i_number])) for r in records)
    balances: dict[tuple[str, str], Decimal] = {}
    for doc_type, numbers in _by_type(keys):
        rows = await session.execute(
            select(Document.number, Document.balance).where(
                Document.doc_type == doc_type, Document.number.in_(numbers)
            )
        )
        balances.update(((doc_type, n), b) for n, b in rows)
    return Snapshot(keys, balances)


async def record_changes(
    session: AsyncSession,
    snapshot: Snapshot,
    at: datetime,
    *,
    inserted: int = 1,
    updated: int = 1,
) -> None:
    """After the batch's upsert: one history row per document whose saldo moved, or that
    came in with a saldo. ``inserted``/``updated`` are the upsert's counts: with none
    inserted the new-documents step is skipped, with none updated the changed-saldos one."""
    new = frozenset(k for k in snapshot.keys if k not in snapshot.balances)
    if inserted and new:
        # New cartera straight from the documents just written: one INSERT ... SELECT per
        # lookup, no row through Python (a first import brings every document in).
        for doc_type, numbers in _by_type(new):
            await session.execute(
                insert(BalanceChange).from_select(
                    ["document_id", "at", "old_balance", "new_balance", "encargado_id"],
                    select(
                        Document.id,
                        literal(at, UTCDateTime()),
                        null(),
                        Document.balance,
                        Tercero.encargado_id,
                    )
                    .join(Tercero, Tercero.id == Document.tercero_id)
                    .where(
                        Document.doc_type == doc_type,
                        Document.number.in_(numbers),
                        Document.balance > 0,
                    ),
                )
            )
    existing = frozenset(snapshot.balances)
    if not updated or not existing:
        return
    rows: list[dict[str, Any]] = []
    for doc_type, numbers in _by_type(existing):
        found = await session.execute(
            select(Document.id, Document.number, Document.balance, Tercero.encargado_id)
            .join(Tercero, Tercero.id == Document.tercero_id)
            .where(Document.doc_type == doc_type, Document.number.in_(numbers))
        )
        for doc_id, number, balance, encargado_id in found:
            old = snapshot.balances[(doc_type, number)]
            if old != balance:
                rows.append(
                    {
                        "document_id": doc_id,
                        "at": at,
                        "old_balance": old,
                        "new_balance": balance,
                        "encargado_id": encargado_id,
                    }
                )
    if rows:
        await session.execute(insert(BalanceChange), rows)


# PostgreSQL: the batch is staged in ``bulk.STAGE`` (COPY) and the history is written by two
# set-based statements whose text never depends on the batch size. Every document is reached
# by a probe of an index, forced by ``OFFSET 0`` (a plain join lets the planner hash the whole
# documents table for every batch, on estimates that lag behind the rows the import itself
# is adding: an import's time would grow with the square of its rows).

_STAGED_CHANGES = text(
    "INSERT INTO balance_changes (document_id, at, old_balance, new_balance, encargado_id) "
    "SELECT d.id, :at, d.balance, s.balance, "
    "(SELECT t.encargado_id FROM terceros t WHERE t.id = s.tercero_id) "
    f"FROM {STAGE} s CROSS JOIN LATERAL (SELECT id, balance FROM documents "
    "WHERE doc_type = s.doc_type AND number = s.number OFFSET 0) d "
    "WHERE d.balance IS DISTINCT FROM s.balance "
    "ORDER BY s.doc_type, s.number"  # ids in the documents' order, as on SQLite
).bindparams(bindparam("at", type_=UTCDateTime()))

_NEW_DOCUMENTS = text(
    "INSERT INTO balance_changes (document_id, at, old_balance, new_balance, encargado_id) "
    "SELECT d.id, :at, NULL, d.balance, "
    "(SELECT t.encargado_id FROM terceros t WHERE t.id = d.tercero_id) "
    "FROM unnest(:ids) AS n(id) CROSS JOIN LATERAL (SELECT id, balance, tercero_id "
    "FROM documents WHERE id = n.id OFFSET 0) d "
    "WHERE d.balance > 0 ORDER BY d.id"
).bindparams(
    bindparam("at", type_=UTCDateTime()), bindparam("ids", type_=postgresql.ARRAY(Integer))
)


async def record_staged_changes(
    session: AsyncSession, columns: Sequence[str], at: datetime
) -> None:
    """PostgreSQL, BEFORE the staged batch is upserted: one history row per document whose
    saldo the batch changes, old saldo read from ``documents``, encargado that of the
    tercero the batch gives the document (as the upsert will leave it). Nothing when the
    file has no saldo (the upsert keeps every balance)."""
    if "balance" in columns:
        await session.execute(_STAGED_CHANGES, {"at": at})


async def record_new_documents(session: AsyncSession, ids: Sequence[int], at: datetime) -> None:
    """PostgreSQL, after the upsert: new cartera for the documents it inserted (``ids``)
    that came in with a saldo, in one statement."""
    if ids:
        await session.execute(_NEW_DOCUMENTS, {"at": at, "ids": list(ids)})


def record_change(
    session: AsyncSession,
    document_id: int,
    old: Decimal | None,
    new: Decimal,
    at: datetime,
    encargado_id: int | None,
) -> None:
    """Add one history row (for saldos changed outside an import, e.g. by tests or tools)."""
    session.add(
        BalanceChange(
            document_id=document_id,
            at=at,
            old_balance=old,
            new_balance=new,
            encargado_id=encargado_id,
        )
    )


def _by_type(keys: frozenset[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """The keys as (type, numbers) lookups: ``doc_type = ? AND number IN (...)`` walks the
    (doc_type, number) unique index (a row-value IN would scan the table on SQLite)."""
    numbers: dict[str, list[str]] = {}
    for doc_type, number in sorted(keys):
        numbers.setdefault(doc_type, []).append(number)
    return [
        (doc_type, found[i : i + KEY_CHUNK])
        for doc_type, found in numbers.items()
        for i in range(0, len(found), KEY_CHUNK)
    ]


# --- what the history says -------------------------------------------------------------------


def collected() -> ColumnElement[Decimal]:
    """SQL: the money one history row collected (its decrease, else 0)."""
    old = func.coalesce(BalanceChange.old_balance, 0)
    return case((old > BalanceChange.new_balance, old - BalanceChange.new_balance), else_=0)


def added() -> ColumnElement[Decimal]:
    """SQL: the new cartera one history row brought (a new document's saldo or an increase)."""
    old = func.coalesce(BalanceChange.old_balance, 0)
    return case((BalanceChange.new_balance > old, BalanceChange.new_balance - old), else_=0)


def in_period(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(BalanceChange.at >= start, BalanceChange.at < end)


async def collected_on_document(
    session: AsyncSession, document_id: int, since: datetime, until: datetime | None = None
) -> Decimal:
    """Money collected on one document from ``since`` on (and before ``until``)."""
    conditions = [BalanceChange.document_id == document_id, BalanceChange.at >= since]
    if until is not None:
        conditions.append(BalanceChange.at < until)
    total = await session.scalar(select(func.sum(in_cents(collected()))).where(*conditions))
    return from_cents(total)


def in_cents(value: ColumnElement[Any]) -> ColumnElement[int]:
    # Exact on both databases: each value rounds to whole cents, the sum is integer arithmetic
    # (SQLite keeps NUMERIC as REAL).
    return cast(func.round(value * 100), BigInteger)


def from_cents(value: object) -> Decimal:
    """Integer cents (int on SQLite, Decimal on PostgreSQL) to pesos, exactly."""
    if value is None:
        return ZERO
    return Decimal(int(Decimal(str(value)))).scaleb(-2).quantize(Decimal("0.01"))


async def collected_in(
    session: AsyncSession, documents: ColumnElement[bool], start: datetime, end: datetime
) -> Decimal:
    """Money collected between ``start`` and ``end`` on the documents ``documents`` selects
    (a condition on ``Document``, e.g. a book's scope)."""
    total = await session.scalar(
        select(func.sum(in_cents(collected())))
        .join(Document, Document.id == BalanceChange.document_id)
        .where(in_period(start, end), documents)
    )
    return from_cents(total)


@dataclass(frozen=True)
class Movement:
    """One agent's (or the team's) cartera over a period, from the balance history."""

    start: Decimal = ZERO  # cartera at the start
    new: Decimal = ZERO  # new documents' saldos and increases within the period
    end: Decimal = ZERO  # cartera at the end
    current_end: Decimal = ZERO  # the part of it not yet overdue at the end
    collected: Decimal = ZERO  # decreases within the period (recaudo)

    def __add__(self, other: Movement) -> Movement:
        return Movement(
            self.start + other.start,
            self.new + other.new,
            self.end + other.end,
            self.current_end + other.current_end,
            self.collected + other.collected,
        )

    @property
    def cei(self) -> Decimal | None:
        """Collection Effectiveness Index: (start + new − end) ÷ (start + new − current end)
        × 100; None when the denominator is zero (nothing collectable)."""
        denominator = self.start + self.new - self.current_end
        if denominator <= 0:
            return None
        return (self.start + self.new - self.end) / denominator * 100

    @property
    def collected_share(self) -> Decimal | None:
        """Recaudo as a share of the opening cartera (None without an opening cartera)."""
        return self.collected / self.start if self.start > 0 else None


async def book_at(
    session: AsyncSession,
    at: datetime,
    documents: ColumnElement[bool],
    *,
    current_on: date | None = None,
) -> dict[int | None, Decimal]:
    """Cartera per encargado at the instant ``at`` (``current_on``: only documents not yet
    overdue on that day). A document's saldo then is the old saldo of its first change at or
    after ``at``, or its balance now; it counts for the encargado that change recorded, or
    the tercero's encargado now when nothing changed since."""
    first = (
        select(
            BalanceChange.document_id.label("document_id"),
            func.min(BalanceChange.id).label("first_id"),
        )
        .where(BalanceChange.at >= at)
        .group_by(BalanceChange.document_id)
        .subquery()
    )
    change = aliased(BalanceChange)
    value = case(
        (first.c.first_id.is_(None), Document.balance),
        else_=func.coalesce(change.old_balance, 0),
    )
    agent = case(
        (first.c.first_id.is_(None), Tercero.encargado_id), else_=change.encargado_id
    ).label("agent")
    conditions = [documents, or_(Document.balance > 0, first.c.first_id.is_not(None))]
    if current_on is not None:
        conditions.append(func.coalesce(Document.due_date, Document.date) >= current_on)
    rows = await session.execute(
        select(agent, func.sum(in_cents(value)))
        .select_from(Document)
        .join(Tercero, Tercero.id == Document.tercero_id)
        .outerjoin(first, first.c.document_id == Document.id)
        .outerjoin(change, change.id == first.c.first_id)
        .where(*conditions)
        .group_by(agent)
    )
    return {owner: from_cents(total) for owner, total in rows}


async def movements(
    session: AsyncSession,
    documents: ColumnElement[bool],
    start: datetime,
    end: datetime,
    end_day: date,
) -> dict[int | None, Movement]:
    """Per encargado: cartera at ``start`` and at ``end`` (and its part not overdue on
    ``end_day``), new cartera and recaudo between them, on the documents selected."""
    opening = await book_at(session, start, documents)
    closing = await book_at(session, end, documents)
    current = await book_at(session, end, documents, current_on=end_day)
    flows = {
        owner: (from_cents(new), from_cents(got))
        for owner, new, got in await session.execute(
            select(
                BalanceChange.encargado_id,
                func.sum(in_cents(added())),
                func.sum(in_cents(collected())),
            )
            .join(Document, Document.id == BalanceChange.document_id)
            .where(in_period(start, end), documents)
            .group_by(BalanceChange.encargado_id)
        )
    }
    owners = set(opening) | set(closing) | set(flows)
    return {
        owner: Movement(
            opening.get(owner, ZERO),
            flows.get(owner, (ZERO, ZERO))[0],
            closing.get(owner, ZERO),
            current.get(owner, ZERO),
            flows.get(owner, (ZERO, ZERO))[1],
        )
        for owner in owners
    }
