"""The queries behind the built-in report kinds (streamed by :mod:`crm.reports.build`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.cobranza import balances
from crm.kernel.permissions import owner_filter
from crm.kernel.scope import book_of_user, tercero_visible
from crm.reports.rows import Context
from crm.reports.scope import Scope, followup_conditions
from storage.models import (
    Activity,
    Document,
    FollowUp,
    FollowUpEvent,
    FollowUpStatus,
    FollowUpType,
    Promise,
    Role,
    State,
    Tercero,
    User,
)


def followups_query(ctx: Context, scope: Scope, dialect: str = "sqlite") -> Any:
    """Follow-ups of the period (``agenda``: active ones due by the end of it)."""
    owner = aliased(User)
    last_event = (
        select(func.max(FollowUpEvent.at))
        .where(FollowUpEvent.followup_id == FollowUp.id)
        .correlate(FollowUp)
        .scalar_subquery()
    )
    start, end = ctx.bounds()
    conditions = followup_conditions(ctx.actor, scope)

    def when(column: Any) -> Any:
        # SQLite's times come back as their ISO text, parsed in the worker thread
        # (crm.reports.rows.utc) instead of by SQLAlchemy's regex on the event loop.
        return type_coerce(column, String) if dialect == "sqlite" else column

    if ctx.request.kind == "agenda":
        conditions += [FollowUp.status == FollowUpStatus.ACTIVE, FollowUp.due_at < end]
        order = (FollowUp.due_at, FollowUp.id)
    else:
        conditions.append(
            or_(
                and_(FollowUp.created_at >= start, FollowUp.created_at < end),
                and_(FollowUp.due_at >= start, FollowUp.due_at < end),
                and_(FollowUp.closed_at >= start, FollowUp.closed_at < end),
            )
        )
        order = (FollowUp.id,)  # type: ignore[assignment]
    return (
        select(
            FollowUp.id,
            Tercero.nit,
            Tercero.name.label("tercero"),
            FollowUpType.name.label("type_name"),
            State.name.label("state"),
            FollowUp.status,
            owner.name.label("owner"),
            when(FollowUp.created_at).label("created_at"),
            when(FollowUp.due_at).label("due_at"),
            when(FollowUp.closed_at).label("closed_at"),
            FollowUp.postpone_count,
            when(last_event).label("last_event"),
            FollowUp.note,
            FollowUp.root_id,
            Document.doc_type,
            Document.number.label("doc_number"),
            Document.balance.label("doc_balance"),
            observations_column(dialect).label("observations"),
        )
        .join(Tercero, Tercero.id == FollowUp.tercero_id)
        .join(FollowUpType, FollowUpType.id == FollowUp.type_id)
        .join(owner, owner.id == FollowUp.owner_id)
        .outerjoin(State, State.id == FollowUp.state_id)
        .outerjoin(Document, Document.id == FollowUp.document_id)
        .where(*conditions)
        .order_by(*order)
    )


def observations_column(dialect: str) -> Any:
    """A JSON array of ``[at, id, text]`` for every observation logged on the outer
    follow-up (unordered; NULL or ``[]`` when none): one correlated lookup on the events'
    (followup_id, at) index, so the rows and their observations come in one stream."""
    if dialect == "postgresql":
        aggregate = func.json_agg(
            func.json_build_array(FollowUpEvent.at, FollowUpEvent.id, FollowUpEvent.text)
        )
    else:
        aggregate = func.json_group_array(
            func.json_array(FollowUpEvent.at, FollowUpEvent.id, FollowUpEvent.text)
        )
    return (
        select(cast(aggregate, Text))
        .where(
            FollowUpEvent.followup_id == FollowUp.id,
            FollowUpEvent.kind == "observation",
            FollowUpEvent.text.is_not(None),
        )
        .correlate(FollowUp)
        .scalar_subquery()
    )


def events_query(ctx: Context, scope: Scope) -> Any:
    """Events logged on the actor's follow-ups within the period."""
    owner = aliased(User)
    event_state = aliased(State)
    start, end = ctx.bounds()
    return (
        select(
            FollowUpEvent.at,
            FollowUpEvent.followup_id,
            Tercero.nit,
            Tercero.name.label("tercero"),
            owner.name.label("owner"),
            FollowUpEvent.kind,
            Activity.name.label("activity"),
            event_state.name.label("state"),
            FollowUpEvent.text,
            FollowUpEvent.from_due,
            FollowUpEvent.to_due,
            FollowUpEvent.file_kind,
            FollowUpEvent.latitude,
            FollowUpEvent.longitude,
        )
        .join(FollowUp, FollowUp.id == FollowUpEvent.followup_id)
        .join(Tercero, Tercero.id == FollowUp.tercero_id)
        .join(owner, owner.id == FollowUp.owner_id)
        .outerjoin(Activity, Activity.id == FollowUpEvent.activity_id)
        .outerjoin(event_state, event_state.id == FollowUpEvent.state_id)
        .where(
            FollowUpEvent.at >= start,
            FollowUpEvent.at < end,
            *followup_conditions(ctx.actor, scope),
        )
        .order_by(FollowUpEvent.at, FollowUpEvent.id)
    )


def cartera_query(ctx: Context, scope: Scope) -> Any:
    """Every open document of the actor's book as of now."""
    encargado = aliased(User)
    by_document = (
        select(func.min(FollowUp.id))
        .where(FollowUp.document_id == Document.id, FollowUp.status == FollowUpStatus.ACTIVE)
        .correlate(Document)
        .scalar_subquery()
    )
    # The same book as /cartera (encargado, or owner of a follow-up on the tercero) and the
    # same coverage rule as its "sin seguimiento" mark (an active follow-up on the document).
    conditions = [Document.balance > 0, tercero_visible(ctx.actor, Document.tercero_id)]
    if scope.agent is not None:
        conditions.append(Document.tercero_id.in_(book_of_user(scope.agent.id)))
    if scope.nit is not None:
        conditions.append(Tercero.nit_base == scope.nit)
    return (
        select(
            Tercero.nit,
            Tercero.name.label("tercero"),
            encargado.name.label("encargado"),
            Document.doc_type,
            Document.number,
            Document.date,
            Document.due_date,
            Document.balance,
            by_document.label("followup_id"),
        )
        .join(Tercero, Tercero.id == Document.tercero_id)
        .outerjoin(encargado, encargado.id == Tercero.encargado_id)
        .where(*conditions)
        .order_by(Tercero.name, Document.due_date, Document.id)
    )


async def performance_rows(
    session: AsyncSession, ctx: Context, scope: Scope
) -> list[tuple[Any, ...]]:
    """One row per agent: open and overdue now; closed, discarded, postponements and
    activities within the period; share of the period's closes done by the due time."""
    actor = ctx.actor
    now = ctx.crm.now()
    start, end = ctx.bounds()
    conditions = followup_conditions(actor, scope)
    closed_in = and_(FollowUp.closed_at >= start, FollowUp.closed_at < end)

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    followup_counts = {
        r[0]: r[1:]
        for r in (
            await session.execute(
                select(
                    FollowUp.owner_id,
                    count(FollowUp.status == FollowUpStatus.ACTIVE),
                    count(and_(FollowUp.status == FollowUpStatus.ACTIVE, FollowUp.due_at < now)),
                    count(and_(FollowUp.status == FollowUpStatus.CLOSED, closed_in)),
                    count(and_(FollowUp.status == FollowUpStatus.DISCARDED, closed_in)),
                    count(
                        and_(
                            FollowUp.status == FollowUpStatus.CLOSED,
                            closed_in,
                            FollowUp.closed_at <= FollowUp.due_at,
                        )
                    ),
                )
                .where(*conditions)
                .group_by(FollowUp.owner_id)
            )
        ).all()
    }
    event_counts = {
        r[0]: r[1:]
        for r in (
            await session.execute(
                select(
                    FollowUp.owner_id,
                    count(FollowUpEvent.kind == "postponed"),
                    count(FollowUpEvent.kind == "activity"),
                    count(and_(FollowUpEvent.kind == "visit", FollowUpEvent.verified.is_(True))),
                )
                .join(FollowUp, FollowUp.id == FollowUpEvent.followup_id)
                .where(FollowUpEvent.at >= start, FollowUpEvent.at < end, *conditions)
                .group_by(FollowUp.owner_id)
            )
        ).all()
    }
    user_conditions = [owner_filter(actor, User.id)]
    if scope.agent is not None:
        user_conditions.append(User.id == scope.agent.id)
    users = (
        await session.execute(select(User).where(*user_conditions).order_by(User.name))
    ).scalars()
    promise_counts = {
        r[0]: r[1:]
        for r in (
            await session.execute(
                select(
                    FollowUp.owner_id,
                    func.count(Promise.id),
                    count(Promise.status == "kept"),
                    count(Promise.status == "broken"),
                )
                .join(FollowUp, FollowUp.id == Promise.followup_id)
                .where(Promise.created_at >= start, Promise.created_at < end, *conditions)
                .group_by(FollowUp.owner_id)
            )
        ).all()
    }
    documents = [tercero_visible(actor, Document.tercero_id)]
    if scope.nit is not None:
        documents.append(
            Document.tercero_id.in_(select(Tercero.id).where(Tercero.nit_base == scope.nit))
        )
    book_end = min(end, now)
    moved = await balances.movements(session, and_(*documents), start, book_end, ctx.request.end)
    rows = []
    totals = Performance()
    for user in users:
        opened, overdue, closed, discarded, on_time = (
            int(v or 0) for v in followup_counts.get(user.id, (0, 0, 0, 0, 0))
        )
        postponed, activities, visits = (int(v or 0) for v in event_counts.get(user.id, (0, 0, 0)))
        promised, kept, broken = (int(v or 0) for v in promise_counts.get(user.id, (0, 0, 0)))
        movement = moved.get(user.id, balances.Movement())
        numbers = (opened, overdue, closed, discarded, postponed, activities)
        is_agent = user.role == Role.AGENT and user.active
        quiet = not any(numbers) and not visits and not promised
        if not is_agent and quiet and movement == balances.Movement():
            continue
        line = Performance(numbers, on_time, promised, kept, broken, movement, visits)
        rows.append(line.row(user.name))
        totals = totals + line
    ctx.extra = totals
    return rows


@dataclass(frozen=True)
class Performance:
    """One agent's (or the team's) counts behind a desempeño row, so totals add up."""

    numbers: tuple[int, ...] = (0, 0, 0, 0, 0, 0)
    on_time: int = 0
    promised: int = 0
    kept: int = 0
    broken: int = 0
    movement: balances.Movement = field(default_factory=balances.Movement)
    visits: int = 0  # verified visits in the period

    def __add__(self, other: Performance) -> Performance:
        return Performance(
            tuple(a + b for a, b in zip(self.numbers, other.numbers, strict=True)),
            self.on_time + other.on_time,
            self.promised + other.promised,
            self.kept + other.kept,
            self.broken + other.broken,
            self.movement + other.movement,
            self.visits + other.visits,
        )

    def row(self, name: str) -> tuple[Any, ...]:
        closed = self.numbers[2]
        resolved = self.kept + self.broken
        return (
            name,
            *self.numbers,
            self.on_time / closed if closed else None,
            self.visits,
            self.movement.collected,
            self.movement.collected_share,
            self.promised,
            self.kept / resolved if resolved else None,
            self.movement.cei,
        )
