"""Notification bookkeeping in SQL: claim leases on due follow-ups, mark them sent, the daily
digest claim and the escalation claim.

Every claim is one atomic statement: PostgreSQL locks the candidate rows with
``FOR UPDATE SKIP LOCKED`` (a concurrent claimer skips them, and rows committed meanwhile are
re-checked against the WHERE clause); SQLite has no row locks, but storage/db.py opens every
write transaction with ``BEGIN IMMEDIATE``, so the conditional ``UPDATE … RETURNING`` of two
processes runs one after the other and the second no longer matches the claimed rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Document, FollowUp, FollowUpStatus, FollowUpType, Role, Tercero, User

NO_SYNC: dict[str, Any] = {"synchronize_session": False}


def _claim_free(now: datetime) -> ColumnElement[bool]:
    return or_(FollowUp.claimed_until.is_(None), FollowUp.claimed_until < now)


def ping_pending(now: datetime) -> ColumnElement[bool]:
    """Active, due, and not yet pinged for this due time (a new due re-arms the ping)."""
    return and_(
        FollowUp.status == FollowUpStatus.ACTIVE,
        FollowUp.due_at <= now,
        or_(FollowUp.notified_due_at.is_(None), FollowUp.notified_due_at != FollowUp.due_at),
    )


async def _lease(
    session: AsyncSession, candidates: Select[int], instance_id: str, until: datetime
) -> list[int]:
    """Claim the follow-ups ``candidates`` selects, in one atomic UPDATE … RETURNING."""
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.id.in_(candidates.scalar_subquery()))
        .values(claimed_by=instance_id, claimed_until=until)
        .returning(FollowUp.id),
        execution_options=NO_SYNC,
    )
    return sorted(result.scalars().all())


async def claim_due_followups(
    session: AsyncSession, *, instance_id: str, now: datetime, until: datetime, limit: int
) -> list[int]:
    """Lease up to ``limit`` pending follow-ups of active, reachable owners; their ids."""
    candidates = (
        select(FollowUp.id)
        .join(User, User.id == FollowUp.owner_id)
        .where(
            ping_pending(now),
            _claim_free(now),
            User.active.is_(True),
            User.unreachable.is_(False),
        )
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
        .with_for_update(of=FollowUp, skip_locked=True)
    )
    return await _lease(session, candidates, instance_id, until)


async def claim_owner_followups(
    session: AsyncSession,
    *,
    instance_id: str,
    now: datetime,
    until: datetime,
    claimed: Sequence[int],
    limit: int,
) -> list[int]:
    """Also lease the other pending follow-ups of the owners of ``claimed`` (up to ``limit``),
    so one round sees all of a user's due follow-ups together and can group them."""
    if not claimed:
        return []
    owners = select(FollowUp.owner_id).where(FollowUp.id.in_(claimed))
    # No ORDER BY: the cap is a safety net far above one round's batch, and sorting the
    # owners' rows would put a temporary sort into every due scan.
    candidates = (
        select(FollowUp.id)
        .where(
            FollowUp.owner_id.in_(owners.scalar_subquery()), ping_pending(now), _claim_free(now)
        )
        .limit(limit)
        .with_for_update(of=FollowUp, skip_locked=True)
    )
    return await _lease(session, candidates, instance_id, until)


async def claim_overdue_followups(
    session: AsyncSession,
    *,
    instance_id: str,
    now: datetime,
    overdue_before: datetime,
    until: datetime,
    limit: int,
) -> list[int]:
    """Lease follow-ups overdue since before ``overdue_before`` and not yet escalated for
    their current due time (postponing re-arms the escalation too)."""
    candidates = (
        select(FollowUp.id)
        .where(
            FollowUp.status == FollowUpStatus.ACTIVE,
            FollowUp.due_at <= overdue_before,
            or_(FollowUp.escalated_at.is_(None), FollowUp.escalated_at < FollowUp.due_at),
            _claim_free(now),
        )
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return await _lease(session, candidates, instance_id, until)


FollowUpDetail = tuple[FollowUp, Tercero, FollowUpType, User, Document | None]
PendingRow = tuple[int, int, datetime, str, str]


async def followup_details(session: AsyncSession, ids: Sequence[int]) -> list[FollowUpDetail]:
    """Each follow-up with its tercero, type, owner and optional document, by due time."""
    if not ids:
        return []
    rows = (
        await session.execute(
            select(FollowUp, Tercero, FollowUpType, User, Document)
            .join(Tercero, Tercero.id == FollowUp.tercero_id)
            .join(FollowUpType, FollowUpType.id == FollowUp.type_id)
            .join(User, User.id == FollowUp.owner_id)
            .outerjoin(Document, Document.id == FollowUp.document_id)
            .where(FollowUp.id.in_(ids))
            .order_by(FollowUp.due_at, FollowUp.id)
        )
    ).all()
    return [(f, t, ty, u, d) for f, t, ty, u, d in rows]


async def mark_pinged(
    session: AsyncSession, *, instance_id: str, followup_id: int, due_at: datetime
) -> bool:
    """Record the ping for ``due_at`` and drop the lease, only if this instance still holds
    it and the due time did not move meanwhile."""
    result = await session.execute(
        update(FollowUp)
        .where(
            FollowUp.id == followup_id,
            FollowUp.claimed_by == instance_id,
            FollowUp.due_at == due_at,
        )
        .values(notified_due_at=due_at, claimed_by=None, claimed_until=None),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_escalated(
    session: AsyncSession, *, instance_id: str, followup_ids: Sequence[int], now: datetime
) -> int:
    """Record the escalation and drop the lease of the follow-ups this instance holds."""
    if not followup_ids:
        return 0
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.id.in_(followup_ids), FollowUp.claimed_by == instance_id)
        .values(escalated_at=now, claimed_by=None, claimed_until=None),
        execution_options=NO_SYNC,
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_claims(
    session: AsyncSession, *, instance_id: str, followup_ids: Sequence[int]
) -> int:
    """Drop this instance's leases so the next round (of any instance) tries again."""
    if not followup_ids:
        return 0
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.id.in_(followup_ids), FollowUp.claimed_by == instance_id)
        .values(claimed_by=None, claimed_until=None),
        execution_options=NO_SYNC,
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def renew_claims(session: AsyncSession, *, instance_id: str, until: datetime) -> int:
    """Extend every lease this instance holds to ``until`` (never shortening one)."""
    result = await session.execute(
        update(FollowUp)
        .where(
            FollowUp.claimed_by == instance_id,
            FollowUp.claimed_until.is_not(None),
            FollowUp.claimed_until < until,
        )
        .values(claimed_until=until),
        execution_options=NO_SYNC,
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def release_all_claims(session: AsyncSession, *, instance_id: str) -> int:
    """Drop every lease this instance holds (it is shutting down)."""
    result = await session.execute(
        update(FollowUp)
        .where(FollowUp.claimed_by == instance_id)
        .values(claimed_by=None, claimed_until=None),
        execution_options=NO_SYNC,
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


# --- digest ----------------------------------------------------------------------------------


async def claim_digest_users(session: AsyncSession, *, today: date) -> list[int]:
    """Mark today's digest as taken for every active reachable user who has not had it;
    their ids. One statement, so two instances never both get the same user."""
    result = await session.execute(
        update(User)
        .where(
            User.active.is_(True),
            User.unreachable.is_(False),
            or_(User.last_digest_on.is_(None), User.last_digest_on < today),
        )
        .values(last_digest_on=today)
        .returning(User.id),
        execution_options=NO_SYNC,
    )
    return sorted(result.scalars().all())


async def release_digest(session: AsyncSession, *, user_id: int, today: date) -> None:
    """Give back a digest that could not be delivered, so a later round sends it."""
    await session.execute(
        update(User)
        .where(User.id == user_id, User.last_digest_on == today)
        .values(last_digest_on=None),
        execution_options=NO_SYNC,
    )


async def pending_counts(
    session: AsyncSession, owner_ids: Sequence[int], *, now: datetime, day_end: datetime
) -> dict[int, tuple[int, int]]:
    """owner id → (overdue, due later today) among active follow-ups."""
    if not owner_ids:
        return {}
    overdue = func.sum(case((FollowUp.due_at <= now, 1), else_=0))
    later = func.sum(case((FollowUp.due_at > now, 1), else_=0))
    rows = (
        await session.execute(
            select(FollowUp.owner_id, overdue, later)
            .where(
                FollowUp.owner_id.in_(owner_ids),
                FollowUp.status == FollowUpStatus.ACTIVE,
                FollowUp.due_at < day_end,
            )
            .group_by(FollowUp.owner_id)
        )
    ).all()
    return {owner: (int(o or 0), int(t or 0)) for owner, o, t in rows}


async def first_pending(
    session: AsyncSession, owner_ids: Sequence[int], *, day_end: datetime, per_owner: int
) -> list[PendingRow]:
    """The first ``per_owner`` active follow-ups due before ``day_end`` of each owner:
    (owner id, follow-up id, due, tercero name, type name), in due order."""
    if not owner_ids:
        return []
    rank = (
        func.row_number()
        .over(partition_by=FollowUp.owner_id, order_by=(FollowUp.due_at, FollowUp.id))
        .label("rank")
    )
    ranked = (
        select(
            FollowUp.owner_id,
            FollowUp.id,
            FollowUp.due_at,
            Tercero.name.label("tercero"),
            FollowUpType.name.label("type_name"),
            rank,
        )
        .join(Tercero, Tercero.id == FollowUp.tercero_id)
        .join(FollowUpType, FollowUpType.id == FollowUp.type_id)
        .where(
            FollowUp.owner_id.in_(owner_ids),
            FollowUp.status == FollowUpStatus.ACTIVE,
            FollowUp.due_at < day_end,
        )
        .subquery()
    )
    rows = (
        await session.execute(
            select(
                ranked.c.owner_id,
                ranked.c.id,
                ranked.c.due_at,
                ranked.c.tercero,
                ranked.c.type_name,
            )
            .where(ranked.c.rank <= per_owner)
            .order_by(ranked.c.owner_id, ranked.c.rank)
        )
    ).all()
    return [(owner, fid, due, tercero, type_name) for owner, fid, due, tercero, type_name in rows]


# --- users -----------------------------------------------------------------------------------


async def users_by_id(session: AsyncSession, ids: Sequence[int]) -> dict[int, User]:
    if not ids:
        return {}
    rows = (await session.scalars(select(User).where(User.id.in_(ids)))).all()
    return {u.id: u for u in rows}


async def reachable_admins(session: AsyncSession) -> Sequence[User]:
    """Active admins that can still be messaged."""
    return (
        await session.scalars(
            select(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.unreachable.is_(False))
            .order_by(User.id)
        )
    ).all()


async def set_unreachable(session: AsyncSession, user_id: int) -> bool:
    """Flag the user unreachable; True only for the one caller that must tell the
    supervisor (the flag ``unreachable_reported`` flips once)."""
    await session.execute(
        update(User).where(User.id == user_id).values(unreachable=True),
        execution_options=NO_SYNC,
    )
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.unreachable_reported.is_(False))
        .values(unreachable_reported=True),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def set_reachable(session: AsyncSession, user_id: int) -> bool:
    """Clear the unreachable flags; True when they were set."""
    result = await session.execute(
        update(User)
        .where(User.id == user_id, User.unreachable.is_(True))
        .values(unreachable=False, unreachable_reported=False),
        execution_options=NO_SYNC,
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def active_count(session: AsyncSession, owner_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(FollowUp)
            .where(FollowUp.owner_id == owner_id, FollowUp.status == FollowUpStatus.ACTIVE)
        )
        or 0
    )


LEY_2300_HOLDER = "ley2300"


async def defer_claims(
    session: AsyncSession, *, instance_id: str, until: dict[int, datetime]
) -> None:
    """Hand claimed follow-ups to the Ley 2300 holder until the given moments: no round
    claims them before (postponing clears the hold, as it clears any lease)."""
    for followup_id, moment in until.items():
        await session.execute(
            update(FollowUp)
            .where(FollowUp.id == followup_id, FollowUp.claimed_by == instance_id)
            .values(claimed_by=LEY_2300_HOLDER, claimed_until=moment),
            execution_options=NO_SYNC,
        )
