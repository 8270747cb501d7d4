"""Cartera (accounts receivable) by age, and starting collection follow-ups on uncovered debts.

Aging is computed in SQL. The bucket boundaries are dates computed here from "today" in
``crm.tz`` and compared with each document's due date in a CASE, which is portable across
SQLite and PostgreSQL and lets the open-documents index drive the scan. A document without a
due date is due on its own date (a cash sale). Sums are taken in whole cents (integers), so no
float rounding can creep in on SQLite, whose NUMERIC values are stored as REAL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    case,
    cast,
    exists,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.cobranza import balances
from crm.followups import lifecycle as followups
from crm.kernel import paging
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import NotFound
from crm.kernel.permissions import ensure_can_act_for
from crm.kernel.scope import book_of_user, ensure_can_see_tercero, tercero_visible
from crm.kernel.views import DocumentBrief
from storage.models import Document, FollowUp, FollowUpStatus, Tercero, User

BUCKETS = ("current", "d1_30", "d31_60", "d61_90", "d90_plus")
TOP_TERCEROS = 10
AGENT_SPLIT_LIMIT = 20
DOCS_PER_PAGE = 8
CENT = Decimal("0.01")


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgingTotals:
    """Open balance by age: not yet due, 1–30, 31–60, 61–90 and more than 90 days past due."""

    current: Decimal = Decimal("0.00")
    d1_30: Decimal = Decimal("0.00")
    d31_60: Decimal = Decimal("0.00")
    d61_90: Decimal = Decimal("0.00")
    d90_plus: Decimal = Decimal("0.00")

    @property
    def overdue(self) -> Decimal:
        return self.d1_30 + self.d31_60 + self.d61_90 + self.d90_plus

    @property
    def total(self) -> Decimal:
        return self.current + self.overdue

    def by_bucket(self) -> list[tuple[str, Decimal]]:
        return [(b, getattr(self, b)) for b in BUCKETS]


@dataclass(frozen=True)
class AgentSplit:
    """One encargado's share of a team or company book."""

    user_id: int | None
    name: str | None
    code: str | None
    totals: AgingTotals


@dataclass(frozen=True)
class TerceroDebt:
    id: int
    nit: str
    name: str
    overdue: Decimal
    total: Decimal


@dataclass(frozen=True)
class BookSummary:
    """What /cartera shows: the book's aging, who owes most, and the per-agent split."""

    scope: str  # "own", "team", "all" or "agent" (one agent asked for by a supervisor/admin)
    agent_name: str | None
    today: date
    totals: AgingTotals
    documents: int
    uncovered: int
    top: tuple[TerceroDebt, ...]
    agents: tuple[AgentSplit, ...]
    # Money collected on the book's documents since the 1st of this month (balance history).
    collected_month: Decimal = Decimal("0.00")
    agent_id: int | None = None  # the agent's users.id when scope is "agent"


@dataclass(frozen=True)
class OpenDocument:
    """An open document of a tercero with its age and the follow-up that covers it, if any."""

    document: DocumentBrief
    days_past_due: int
    bucket: str
    followup_id: int | None

    @property
    def uncovered(self) -> bool:
        """ "Sin seguimiento": no active follow-up is linked to this document."""
        return self.followup_id is None


@dataclass(frozen=True)
class TerceroCartera:
    tercero_id: int
    nit: str
    name: str
    today: date
    totals: AgingTotals
    documents: int
    uncovered: int
    items: tuple[OpenDocument, ...]
    page: int
    pages: int


# --- SQL building blocks ---------------------------------------------------------------------


def bucket_bounds(today: date) -> tuple[date, date, date, date]:
    """Earliest due date of each bucket: current, 1–30, 31–60, 61–90 (older is > 90)."""
    return (
        today,
        today - timedelta(days=30),
        today - timedelta(days=60),
        today - timedelta(days=90),
    )


def due_column() -> ColumnElement[date]:
    """The date a document is due: its due date, or its own date when it has none."""
    return func.coalesce(Document.due_date, Document.date)


def days_past_due(due: date | None, on: date, today: date) -> int:
    return (today - (due or on)).days


def bucket_of(days: int) -> str:
    """The bucket of a number of days past due (0 or less is current)."""
    if days <= 0:
        return "current"
    if days <= 30:
        return "d1_30"
    if days <= 60:
        return "d31_60"
    if days <= 90:
        return "d61_90"
    return "d90_plus"


def bucket_case(today: date) -> ColumnElement[str]:
    """The bucket name as a SQL CASE on the due date."""
    b0, b30, b60, b90 = bucket_bounds(today)
    due = due_column()
    return case(
        (due >= b0, literal("current")),
        (due >= b30, literal("d1_30")),
        (due >= b60, literal("d31_60")),
        (due >= b90, literal("d61_90")),
        else_=literal("d90_plus"),
    )


def _cents() -> ColumnElement[int]:
    # Exact on both databases: one value rounds to whole cents, the sum is integer arithmetic.
    return cast(func.round(Document.balance * 100), BigInteger)


def aging_columns(today: date) -> list[ColumnElement[Any]]:
    """Five SUM(CASE ...) columns in cents, one per bucket, in BUCKETS order."""
    b0, b30, b60, b90 = bucket_bounds(today)
    due = due_column()
    cents = _cents()
    zero = literal(0, BigInteger)
    return [
        func.coalesce(func.sum(case((due >= b0, cents), else_=zero)), 0),
        func.coalesce(func.sum(case((due >= b0, zero), (due >= b30, cents), else_=zero)), 0),
        func.coalesce(func.sum(case((due >= b30, zero), (due >= b60, cents), else_=zero)), 0),
        func.coalesce(func.sum(case((due >= b60, zero), (due >= b90, cents), else_=zero)), 0),
        func.coalesce(func.sum(case((due >= b90, zero), else_=cents)), 0),
    ]


def from_cents(value: object) -> Decimal:
    """Integer cents (int on SQLite, Decimal on PostgreSQL) to pesos, exactly."""
    if value is None:
        return Decimal("0.00")
    return Decimal(int(Decimal(str(value)))).scaleb(-2).quantize(CENT)


def totals_from(row: Sequence[Any]) -> AgingTotals:
    return AgingTotals(*(from_cents(v) for v in row))


def is_open() -> ColumnElement[bool]:
    """Matches the partial index ``ix_documents_open_by_tercero`` (balance > 0)."""
    return Document.balance > 0


def active_followup_exists() -> Any:
    """EXISTS an active follow-up linked to the outer document (index on active document_id)."""
    return exists().where(
        FollowUp.document_id == Document.id, FollowUp.status == FollowUpStatus.ACTIVE
    )


def covering_followup_id() -> Any:
    return (
        select(func.min(FollowUp.id))
        .where(FollowUp.document_id == Document.id, FollowUp.status == FollowUpStatus.ACTIVE)
        .correlate(Document)
        .scalar_subquery()
    )


async def tercero_totals(session: AsyncSession, tercero_id: int, today: date) -> AgingTotals:
    """One tercero's open balance by age."""
    row = (
        await session.execute(
            select(*aging_columns(today)).where(Document.tercero_id == tercero_id, is_open())
        )
    ).one()
    return totals_from(row)


# --- the book --------------------------------------------------------------------------------


async def _agent(
    session: AsyncSession, actor: Actor, code: str | None, agent_id: int | None = None
) -> User:
    """The user whose book a supervisor or admin asked for (``agente:CODIGO``, or the
    agent's id, which the book's buttons carry)."""
    if agent_id is not None:
        agent = await session.get(User, agent_id)
    else:
        agent = await session.scalar(select(User).where(User.code == (code or "").strip().upper()))
    if agent is None:
        raise NotFound("error.unknown_user", code=code or str(agent_id))
    await ensure_can_act_for(session, actor, agent.id)
    return agent


async def book_summary(
    crm: Crm, actor: Actor, agent_code: str | None = None, agent_id: int | None = None
) -> BookSummary:
    """/cartera: aging totals of the actor's book (or one agent's, for supervisors and admins),
    the terceros with the largest overdue balance and, for teams, the split per encargado."""
    today = crm.today()
    async with crm.read() as session:
        agent_name = agent_in_scope = None
        scope_clause: ColumnElement[bool]
        if agent_code or agent_id is not None:
            agent = await _agent(session, actor, agent_code, agent_id)
            scope_clause = Document.tercero_id.in_(book_of_user(agent.id))
            scope, agent_name, agent_in_scope = "agent", agent.name, agent.id
        else:
            scope_clause = tercero_visible(actor, Document.tercero_id)
            scope = "all" if actor.is_admin else "team" if actor.is_supervisor else "own"
        where = (scope_clause, is_open())
        row = (
            await session.execute(
                select(
                    *aging_columns(today),
                    func.count(Document.id),
                    func.coalesce(func.sum(case((active_followup_exists(), 0), else_=1)), 0),
                ).where(*where)
            )
        ).one()
        totals = totals_from(row[:5])
        documents, uncovered = int(row[5]), int(row[6])
        top = await _top_overdue(session, where, today)
        agents: tuple[AgentSplit, ...] = ()
        if scope in ("team", "all"):
            agents = await _split_by_encargado(session, where, today)
        month_start = crm.local_midnight(today.replace(day=1))
        collected = await balances.collected_in(session, scope_clause, month_start, crm.now())
    return BookSummary(
        scope,
        agent_name,
        today,
        totals,
        documents,
        uncovered,
        top,
        agents,
        collected,
        agent_in_scope,
    )


async def _top_overdue(
    session: AsyncSession, where: tuple[ColumnElement[bool], ...], today: date
) -> tuple[TerceroDebt, ...]:
    overdue_cents = func.sum(case((due_column() < today, _cents()), else_=0))
    total_cents = func.sum(_cents())
    per_tercero = (
        select(
            Document.tercero_id.label("tid"),
            overdue_cents.label("overdue"),
            total_cents.label("total"),
        )
        .where(*where)
        .group_by(Document.tercero_id)
        .having(overdue_cents > 0)
        .order_by(overdue_cents.desc(), Document.tercero_id)
        .limit(TOP_TERCEROS)
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                Tercero.id, Tercero.nit, Tercero.name, per_tercero.c.overdue, per_tercero.c.total
            )
            .join(per_tercero, per_tercero.c.tid == Tercero.id)
            .order_by(per_tercero.c.overdue.desc(), Tercero.id)
        )
    ).all()
    return tuple(
        TerceroDebt(tid, nit, name, from_cents(overdue), from_cents(total))
        for tid, nit, name, overdue, total in rows
    )


async def _split_by_encargado(
    session: AsyncSession, where: tuple[ColumnElement[bool], ...], today: date
) -> tuple[AgentSplit, ...]:
    encargado = aliased(User)
    columns = aging_columns(today)
    rows = (
        await session.execute(
            select(encargado.id, encargado.name, encargado.code, *columns)
            .select_from(Document)
            .join(Tercero, Tercero.id == Document.tercero_id)
            .outerjoin(encargado, encargado.id == Tercero.encargado_id)
            .where(*where)
            .group_by(encargado.id, encargado.name, encargado.code)
        )
    ).all()
    splits = [AgentSplit(r[0], r[1], r[2], totals_from(r[3:])) for r in rows]
    splits.sort(key=lambda s: (-s.totals.overdue, -s.totals.total, s.name or "~"))
    return tuple(splits[:AGENT_SPLIT_LIMIT])


# --- one tercero -----------------------------------------------------------------------------


async def tercero_cartera(
    crm: Crm, actor: Actor, tercero_id: int, page: int = 0
) -> TerceroCartera:
    """A tercero's open documents, most overdue first, with days past due, bucket and whether
    an active follow-up covers each ("sin seguimiento" when none does)."""
    today = crm.today()
    async with crm.read() as session:
        tercero = await ensure_can_see_tercero(session, actor, tercero_id)
        where = (Document.tercero_id == tercero_id, is_open())
        row = (
            await session.execute(
                select(
                    *aging_columns(today),
                    func.count(Document.id),
                    func.coalesce(func.sum(case((active_followup_exists(), 0), else_=1)), 0),
                ).where(*where)
            )
        ).one()
        documents = int(row[5])
        page, pages = paging.window(documents, DOCS_PER_PAGE, page)
        rows = (
            await session.execute(
                select(Document, bucket_case(today), covering_followup_id())
                .where(*where)
                .order_by(due_column(), Document.id)
                .offset(page * DOCS_PER_PAGE)
                .limit(DOCS_PER_PAGE)
            )
        ).all()
    items = tuple(
        OpenDocument(
            followups.document_brief(d),
            days_past_due(d.due_date, d.date, today),
            bucket,
            fid,
        )
        for d, bucket, fid in rows
    )
    return TerceroCartera(
        tercero.id,
        tercero.nit,
        tercero.name,
        today,
        totals_from(row[:5]),
        documents,
        int(row[6]),
        items,
        page,
        pages,
    )
