"""Due pings, the morning digest, escalation of long-overdue follow-ups and unreachable users.

Exactly-once delivery lives in the database, not in memory: a round *claims* due follow-ups
(a lease: ``claimed_by`` / ``claimed_until``), the sender pings, then :func:`mark_sent` records
``notified_due_at = due_at`` and drops the lease. A crash in between leaves the lease to expire,
after which any instance claims the follow-up again. Postponing changes ``due_at`` and clears
the lease, which re-arms the ping for the new due time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput
from crm.kernel.views import DocumentBrief, FollowUpView, TerceroBrief
from crm.ley2300 import guard
from storage import notifications as sql
from storage.models import User

# Claims are short and small: a round renews its leases every third of DEFAULT_LEASE while it
# runs, so a process killed mid-round holds at most a slice or two, for one lease.
DEFAULT_LEASE = timedelta(seconds=60)
DEFAULT_BATCH = 30
OWNER_CLAIM_FACTOR = 10  # at most this many batches' worth of the same owners' follow-ups
DIGEST_FIRST = 5
DIGEST_GRACE = timedelta(hours=2)


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Someone a scheduled message goes to; ``user_id`` is None for a bootstrap admin."""

    user_id: int | None
    telegram_id: int
    name: str
    language: str | None


@dataclass(frozen=True)
class DuePing:
    """Everything the ping message needs, read when the follow-up was claimed."""

    followup_id: int
    version: int
    due_at: datetime
    tercero: TerceroBrief
    type_name: str
    note: str | None
    document: DocumentBrief | None
    owner: Recipient


@dataclass(frozen=True)
class PendingItem:
    """One line of a digest or an escalation."""

    followup_id: int
    due_at: datetime
    tercero_name: str
    type_name: str


@dataclass(frozen=True)
class Digest:
    user: Recipient
    day: date
    overdue: int
    today: int
    first: tuple[PendingItem, ...]


@dataclass(frozen=True)
class EscalationMessage:
    """Long-overdue follow-ups of one agent, for one supervisor (or admin)."""

    recipient: Recipient
    agent_name: str
    agent_code: str
    hours: int
    items: tuple[PendingItem, ...]


@dataclass(frozen=True)
class Escalation:
    """The claimed follow-ups of one agent and the messages that report them."""

    agent_id: int
    followup_ids: tuple[int, ...]
    messages: tuple[EscalationMessage, ...]


@dataclass(frozen=True)
class UnreachableReport:
    """Tell the supervisor (or admins) once that an agent blocked the bot."""

    user_name: str
    user_code: str
    active_followups: int
    recipients: tuple[Recipient, ...]


# --- working hours ---------------------------------------------------------------------------


def is_working_time(crm: Crm, now: datetime | None = None) -> bool:
    """Whether pings may be sent now (CRM_WORKING_HOURS on CRM_WORKING_DAYS, local time)."""
    return crm.working_hours.is_open(now or crm.now(), crm.tz)


def next_working_start(crm: Crm, now: datetime | None = None) -> datetime:
    """The **Mañana** target: the next working day at the start of working hours."""
    return crm.working_hours.next_day_start(now or crm.now(), crm.tz)


def next_window_open(crm: Crm, now: datetime | None = None) -> datetime:
    """When the next ping can go out: now inside the window, else its next opening."""
    return crm.working_hours.next_open(now or crm.now(), crm.tz)


# --- snooze from the ping --------------------------------------------------------------------

SNOOZE_HOURS = {"h1": 1, "h4": 4}
SNOOZE_TOMORROW = "tm"
SNOOZE_CHOICES = (*SNOOZE_HOURS, SNOOZE_TOMORROW)


async def snooze(
    crm: Crm, actor: Actor, followup_id: int, choice: str, expected_version: int | None = None
) -> FollowUpView:
    """Postpone from a ping: +1 h, +4 h, or to the next working day's start ("mañana")."""
    if choice in SNOOZE_HOURS:
        return await followups.postpone(
            crm, actor, followup_id, SNOOZE_HOURS[choice], expected_version
        )
    if choice == SNOOZE_TOMORROW:
        return await followups.postpone_until(
            crm, actor, followup_id, next_working_start(crm), expected_version
        )
    raise InvalidInput()


# --- pings -----------------------------------------------------------------------------------


def _recipient(user: User) -> Recipient:
    # Pending users (no Telegram yet) are flagged unreachable, so they are never recipients.
    return Recipient(user.id, user.telegram_id or 0, user.name, user.language)


async def claim_due(
    crm: Crm,
    instance_id: str,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = DEFAULT_BATCH,
) -> list[DuePing]:
    """Claim due, un-notified follow-ups of active reachable owners, in working hours only
    (outside them nothing is claimed; the next window's first round sends them)."""
    now = now or crm.now()
    if not is_working_time(crm, now):
        return []
    async with crm.write(wait=True) as session:
        ids = await sql.claim_due_followups(
            session, instance_id=instance_id, now=now, until=now + lease, limit=limit
        )
        # A user's due follow-ups are spread over the due order (a night's worth falls due at
        # the window's opening): take all of theirs now, so more than GROUP_OVER become one
        # grouped message rather than a ping per batch.
        ids += await sql.claim_owner_followups(
            session,
            instance_id=instance_id,
            now=now,
            until=now + lease,
            claimed=ids,
            limit=OWNER_CLAIM_FACTOR * limit,
        )
        rows = await sql.followup_details(session, ids)
        rows = await guard.defer_forbidden_pings(session, crm, instance_id, rows, now)
    return [
        DuePing(
            followup_id=f.id,
            version=f.version,
            due_at=f.due_at,
            tercero=followups.tercero_brief(t),
            type_name=ty.name,
            note=f.note,
            document=followups.document_brief(d) if d is not None else None,
            owner=_recipient(owner),
        )
        for f, t, ty, owner, d in rows
    ]


async def mark_sent(crm: Crm, instance_id: str, followup_id: int, due_at: datetime) -> bool:
    """Record that the ping for ``due_at`` went out; False when the claim was lost (the
    follow-up was postponed, closed, or another instance took over after the lease)."""
    async with crm.write(wait=True) as session:
        return await sql.mark_pinged(
            session, instance_id=instance_id, followup_id=followup_id, due_at=due_at
        )


async def renew_claims(crm: Crm, instance_id: str, lease: timedelta = DEFAULT_LEASE) -> int:
    """Push every lease ``instance_id`` still holds to ``lease`` from now (the heartbeat of
    a round in progress); how many."""
    async with crm.write(wait=True) as session:
        return await sql.renew_claims(session, instance_id=instance_id, until=crm.now() + lease)


async def release_instance(crm: Crm, instance_id: str) -> int:
    """Give back every claim of a stopping instance, so another sends at once, not after
    the lease."""
    async with crm.write(wait=True) as session:
        return await sql.release_all_claims(session, instance_id=instance_id)


async def release(crm: Crm, instance_id: str, followup_ids: Sequence[int]) -> int:
    """Give back claims that could not be delivered, so the next round sends them."""
    async with crm.write(wait=True) as session:
        return await sql.release_claims(
            session, instance_id=instance_id, followup_ids=list(followup_ids)
        )


# --- digest ----------------------------------------------------------------------------------


def digest_due(crm: Crm, digest_at: time, now: datetime | None = None) -> bool:
    """On a working day, from CRM_DIGEST_TIME for DIGEST_GRACE: a bot restarted (or down) at
    that moment still sends it, but a morning digest never arrives in the afternoon. The
    claim keeps it to once a day."""
    now = now or crm.now()
    local = now.astimezone(crm.tz)
    if local.weekday() not in crm.working_hours.weekdays:
        return False
    start = datetime.combine(local.date(), digest_at, crm.tz)
    return start <= local < start + DIGEST_GRACE and guard.digest_allowed(crm, now)


async def claim_digests(
    crm: Crm, digest_at: time, now: datetime | None = None, first: int = DIGEST_FIRST
) -> list[Digest]:
    """Take today's digest for every active reachable user not yet served today (exactly once
    across instances) and return the content for those with something pending."""
    now = now or crm.now()
    if not digest_due(crm, digest_at, now):
        return []
    today = now.astimezone(crm.tz).date()
    day_end = crm.local_midnight(today + timedelta(days=1))
    async with crm.write(wait=True) as session:
        user_ids = await sql.claim_digest_users(session, today=today)
        counts = await sql.pending_counts(session, user_ids, now=now, day_end=day_end)
        with_pending = [uid for uid in user_ids if uid in counts]
        firsts = await sql.first_pending(session, with_pending, day_end=day_end, per_owner=first)
        users = await sql.users_by_id(session, with_pending)
    items: dict[int, list[PendingItem]] = defaultdict(list)
    for owner_id, fid, due, tercero, type_name in firsts:
        items[owner_id].append(PendingItem(fid, due, tercero, type_name))
    return [
        Digest(
            user=_recipient(users[uid]),
            day=today,
            overdue=counts[uid][0],
            today=counts[uid][1],
            first=tuple(items[uid]),
        )
        for uid in with_pending
    ]


async def release_digest(crm: Crm, user_id: int, day: date) -> None:
    """Give back an undelivered digest so a later round sends it."""
    async with crm.write(wait=True) as session:
        await sql.release_digest(session, user_id=user_id, today=day)


# --- escalation ------------------------------------------------------------------------------


async def _overseers(session: AsyncSession, crm: Crm, owner: User) -> list[Recipient]:
    """The owner's supervisor when reachable, else the admins (never the owner)."""
    if owner.supervisor_id is not None and owner.supervisor_id != owner.id:
        supervisor = await session.get(User, owner.supervisor_id)
        # Only while she still is a supervisor (or an admin): a supervisor moved to the agent
        # role keeps no team to be told about.
        if (
            supervisor is not None
            and (
                supervisor.role in ("supervisor", "admin")
                or supervisor.telegram_id in crm.admin_ids
            )
            and supervisor.active
            and not supervisor.unreachable
        ):
            return [_recipient(supervisor)]
    admins = [_recipient(a) for a in await sql.reachable_admins(session) if a.id != owner.id]
    if admins:
        return admins
    # Bootstrap admins (CRM_ADMIN_IDS) that are not registered users yet.
    known = set(
        (
            await session.scalars(
                select(User.telegram_id).where(User.telegram_id.in_(crm.admin_ids))
            )
        ).all()
    )
    return [
        Recipient(None, tg, "Admin", None)
        for tg in sorted(crm.admin_ids - known)
        if tg != owner.telegram_id
    ]


async def claim_escalations(
    crm: Crm,
    instance_id: str,
    after_hours: int,
    now: datetime | None = None,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = DEFAULT_BATCH,
) -> list[Escalation]:
    """Claim follow-ups overdue longer than ``after_hours`` (CRM_ESCALATE_AFTER_HOURS) not yet
    reported for their due time, grouped per agent, with the messages for the overseers."""
    now = now or crm.now()
    if not is_working_time(crm, now):
        return []
    async with crm.write(wait=True) as session:
        ids = await sql.claim_overdue_followups(
            session,
            instance_id=instance_id,
            now=now,
            overdue_before=now - timedelta(hours=after_hours),
            until=now + lease,
            limit=limit,
        )
        rows = await sql.followup_details(session, ids)
        per_agent: dict[int, list[PendingItem]] = defaultdict(list)
        owners: dict[int, User] = {}
        for f, t, ty, owner, _d in rows:
            per_agent[owner.id].append(PendingItem(f.id, f.due_at, t.name, ty.name))
            owners[owner.id] = owner
        result = []
        for agent_id, items in per_agent.items():
            owner = owners[agent_id]
            recipients = await _overseers(session, crm, owner)
            result.append(
                Escalation(
                    agent_id=agent_id,
                    followup_ids=tuple(i.followup_id for i in items),
                    messages=tuple(
                        EscalationMessage(r, owner.name, owner.code, after_hours, tuple(items))
                        for r in recipients
                    ),
                )
            )
    return result


async def mark_escalated(
    crm: Crm, instance_id: str, followup_ids: Sequence[int], now: datetime | None = None
) -> int:
    """Record that these follow-ups were reported, so they are never reported again for
    their current due time."""
    async with crm.write(wait=True) as session:
        return await sql.mark_escalated(
            session, instance_id=instance_id, followup_ids=list(followup_ids), now=now or crm.now()
        )


# --- unreachable users -----------------------------------------------------------------------


async def mark_unreachable(crm: Crm, user_id: int) -> UnreachableReport | None:
    """Telegram said Forbidden: stop pinging the user; the first caller gets the report to
    send to their supervisor (admins when none), later callers get None."""
    async with crm.write(wait=True) as session:
        must_report = await sql.set_unreachable(session, user_id)
        if not must_report:
            return None
        user = await session.get(User, user_id)
        assert user is not None
        return UnreachableReport(
            user_name=user.name,
            user_code=user.code,
            active_followups=await sql.active_count(session, user_id),
            recipients=tuple(await _overseers(session, crm, user)),
        )


async def user_is_back(crm: Crm, actor: Actor) -> bool:
    """The user wrote to the bot again: pings resume (pending ones go out next round).
    Costs nothing for users who were never unreachable (no database write)."""
    if actor.id is None or not actor.unreachable:
        return False
    async with crm.write() as session:
        return await sql.set_reachable(session, actor.id)
