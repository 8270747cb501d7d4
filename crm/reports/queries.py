"""The queries behind the built-in report kinds (streamed by :mod:`crm.reports.build`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.permissions import owner_filter
from crm.reports.rows import Context
from crm.reports.scope import Scope, followup_conditions
from crm.scope import book_of_user, tercero_visible
from storage.models import (
    Activity,
    Document,
    FollowUp,
    FollowUpEvent,
    FollowUpType,
    State,
    Tercero,
    User,
)


def followups_query(ctx: Context, scope: Scope) -> Any:
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
    if ctx.request.kind == "agenda":
        conditions += [FollowUp.status == "active", FollowUp.due_at < end]
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
            FollowUp.created_at,
            FollowUp.due_at,
            FollowUp.closed_at,
            FollowUp.postpone_count,
            last_event.label("last_event"),
            FollowUp.note,
            FollowUp.root_id,
        )
        .join(Tercero, Tercero.id == FollowUp.tercero_id)
        .join(FollowUpType, FollowUpType.id == FollowUp.type_id)
        .join(owner, owner.id == FollowUp.owner_id)
        .outerjoin(State, State.id == FollowUp.state_id)
        .where(*conditions)
        .order_by(*order)
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
        .where(FollowUp.document_id == Document.id, FollowUp.status == "active")
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
                    count(FollowUp.status == "active"),
                    count(and_(FollowUp.status == "active", FollowUp.due_at < now)),
                    count(and_(FollowUp.status == "closed", closed_in)),
                    count(and_(FollowUp.status == "discarded", closed_in)),
                    count(
                        and_(
                            FollowUp.status == "closed",
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
    rows = []
    for user in users:
        opened, overdue, closed, discarded, on_time = (
            int(v or 0) for v in followup_counts.get(user.id, (0, 0, 0, 0, 0))
        )
        postponed, activities, visits = (
            int(v or 0) for v in event_counts.get(user.id, (0, 0, 0))
        )
        numbers = (opened, overdue, closed, discarded, postponed, activities)
        is_agent = user.role == "agent" and user.active
        if not is_agent and not any(numbers) and not visits:
            continue
        rate = on_time / closed if closed else None
        rows.append((user.name, *numbers, rate, visits))
    return rows
