"""Scheduled report deliveries: /suscribir, /suscripciones and the job that sends them."""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select, update

from crm.kernel import audit
from crm.kernel.actor import Actor, actor_from
from crm.kernel.context import Crm
from crm.kernel.errors import CrmError, InvalidInput, NotAuthorized, NotFound
from crm.kernel.text import normalize_text
from crm.reports import registry
from crm.reports.build import ReportFile, build_report
from crm.reports.grammar import check_filters_apply, parse_filters, period_range, split_args
from crm.reports.request import ReportRequest, describe_filters
from crm.reports.scope import resolve
from storage.models import Subscription, User

log = logging.getLogger("crm_bot.reports")

FREQUENCIES = {"diario": "daily", "daily": "daily", "semanal": "weekly", "weekly": "weekly"}
MAX_SUBSCRIPTIONS = 20
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    report: str
    frequency: str  # daily | weekly
    at_time: str
    filters: str
    next_run_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One scheduled report to send: the file, or the reason it could not be made."""

    subscription_id: int
    telegram_id: int
    lang: str
    kind: str
    report: ReportFile | None
    error: CrmError | None = None


def next_occurrence(frequency: str, at: time, after: datetime, crm: Crm) -> datetime:
    """The first local ``at`` strictly after ``after`` (weekly: on a Monday), in UTC."""
    local_day = after.astimezone(crm.tz).date()
    if frequency == "weekly":
        local_day -= timedelta(days=local_day.weekday())
    step = timedelta(days=7 if frequency == "weekly" else 1)
    candidate = datetime.combine(local_day, at, crm.tz)
    while candidate <= after:
        local_day += step
        candidate = datetime.combine(local_day, at, crm.tz)
    return candidate.astimezone(after.tzinfo)


def _parse_time(token: str) -> time:
    match = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", token.strip().lower())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput("error.subscribe_bad_time", value=html.escape(token))
    return time(int(match[1]), int(match[2]))


def subscription_request(
    report: str, frequency: str, at_time: str, filters: Sequence[tuple[str, str]], today: date
) -> ReportRequest:
    """The period a delivery covers: the agenda as it stands; a daily delivery before noon
    covers yesterday, at noon or later today; a weekly one (Mondays) the previous week."""
    if report in ("agenda", "cartera"):
        word = "hoy"
        start, end = period_range(word, today)
    elif frequency == "weekly":
        end = today - timedelta(days=today.weekday() + 1)
        start, word = end - timedelta(days=6), ""
    else:
        word = "ayer" if time.fromisoformat(at_time) < time(12) else "hoy"
        start, end = period_range(word, today)
    return ReportRequest(report, start, end, word, tuple(filters))


def _view(sub: Subscription) -> SubscriptionView:
    filters = tuple(tuple(f) for f in json.loads(sub.filters or "[]"))
    text = describe_filters(filters)
    return SubscriptionView(sub.id, sub.report, sub.frequency, sub.at_time, text, sub.next_run_at)


async def subscribe(crm: Crm, actor: Actor, args: str | Sequence[str]) -> SubscriptionView:
    """``TIPO diario|semanal HH:MM [filtros]``: deliver a report on a schedule (weekly on
    Mondays) in the local time zone; the filters are checked against the actor's scope now."""
    if actor.id is None:
        raise InvalidInput("error.subscribe_needs_user")
    tokens = split_args(args)
    if len(tokens) < 3:
        raise InvalidInput("error.subscribe_usage")
    report = normalize_text(tokens[0])
    if report not in registry.names():
        raise InvalidInput("error.report_bad_kind", value=html.escape(tokens[0]))
    frequency = FREQUENCIES.get(normalize_text(tokens[1]))
    if frequency is None:
        raise InvalidInput("error.subscribe_bad_frequency", value=html.escape(tokens[1]))
    at = _parse_time(tokens[2])
    filters = parse_filters(tokens[3:])
    check_filters_apply(report, filters)
    now = crm.now()
    async with crm.write() as session:
        # Resolving now refuses unknown names and agents outside the actor's scope.
        await resolve(session, actor, ReportRequest(report, crm.today(), crm.today(), "", filters))
        existing = await session.scalar(
            select(func.count(Subscription.id)).where(
                Subscription.user_id == actor.id, Subscription.active.is_(True)
            )
        )
        if (existing or 0) >= MAX_SUBSCRIPTIONS:
            raise InvalidInput("error.subscribe_limit", limit=MAX_SUBSCRIPTIONS)
        sub = Subscription(
            user_id=actor.id,
            report=report,
            frequency=frequency,
            at_time=at.strftime("%H:%M"),
            filters=json.dumps([list(f) for f in filters], ensure_ascii=False),
            next_run_at=next_occurrence(frequency, at, now, crm),
            active=True,
        )
        session.add(sub)
        await session.flush()
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="subscription",
            entity_id=sub.id,
            action="create",
            after={
                "report": report,
                "frequency": frequency,
                "at": sub.at_time,
                "filters": filters,
            },
        )
        return _view(sub)


async def list_subscriptions(crm: Crm, actor: Actor) -> list[SubscriptionView]:
    """The actor's active subscriptions, soonest first."""
    if actor.id is None:
        return []
    async with crm.read() as session:
        subs = (
            await session.scalars(
                select(Subscription)
                .where(Subscription.user_id == actor.id, Subscription.active.is_(True))
                .order_by(Subscription.next_run_at, Subscription.id)
            )
        ).all()
    return [_view(s) for s in subs]


async def cancel_subscription(crm: Crm, actor: Actor, subscription_id: int) -> SubscriptionView:
    """Stop a subscription (its owner or an admin)."""
    now = crm.now()
    async with crm.write() as session:
        sub = await session.get(Subscription, subscription_id, with_for_update=True)
        if sub is None or not sub.active:
            raise NotFound()
        if sub.user_id != actor.id and not actor.is_admin:
            raise NotAuthorized()
        sub.active = False
        sub.claimed_by = None
        sub.claimed_until = None
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="subscription",
            entity_id=sub.id,
            action="cancel",
            before={"active": True},
            after={"active": False},
        )
        return _view(sub)


async def _claim(crm: Crm, subscription_id: int, instance: str, lease: timedelta) -> bool:
    """Take the delivery with a conditional UPDATE; exactly one instance gets rowcount 1."""
    now = crm.now()
    async with crm.write(wait=True) as session:
        result = await session.execute(
            update(Subscription)
            .where(
                Subscription.id == subscription_id,
                Subscription.active.is_(True),
                Subscription.next_run_at <= now,
                or_(Subscription.claimed_until.is_(None), Subscription.claimed_until < now),
            )
            .values(claimed_by=instance, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def _advance(crm: Crm, sub: Subscription, instance: str) -> None:
    now = crm.now()
    following = next_occurrence(sub.frequency, time.fromisoformat(sub.at_time), now, crm)
    async with crm.write(wait=True) as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.id == sub.id, Subscription.claimed_by == instance)
            .values(next_run_at=following, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )


async def due_subscriptions(
    crm: Crm,
    instance: str,
    deliver: Callable[[Delivery], Awaitable[None]],
    *,
    default_lang: str = "es",
    lease: timedelta = LEASE,
    limit: int = 20,
) -> int:
    """Deliver every subscription whose time has come, each by exactly one instance: claim,
    build, ``deliver``, then move ``next_run_at`` on. A delivery that crashes is retried when
    its lease ends; missed runs (bot down) are delivered once, not once per missed day."""
    now = crm.now()
    async with crm.read() as session:
        candidates = (
            await session.scalars(
                select(Subscription.id)
                .where(
                    Subscription.active.is_(True),
                    Subscription.next_run_at <= now,
                    or_(Subscription.claimed_until.is_(None), Subscription.claimed_until < now),
                )
                .order_by(Subscription.next_run_at, Subscription.id)
                .limit(limit)
            )
        ).all()
    delivered = 0
    for subscription_id in candidates:
        if not await _claim(crm, subscription_id, instance, lease):
            continue
        async with crm.read() as session:
            sub = await session.get(Subscription, subscription_id)
            user = await session.get(User, sub.user_id) if sub else None
        assert sub is not None
        if user is None or not user.active:
            await _retire(crm, subscription_id)
            continue
        actor = actor_from(user)
        lang = user.language if user.language in ("es", "en") else default_lang
        filters = [tuple(f) for f in json.loads(sub.filters or "[]")]
        request = subscription_request(
            sub.report, sub.frequency, sub.at_time, filters, crm.today()
        )  # type: ignore[arg-type]
        report: ReportFile | None = None
        try:
            try:
                report = await build_report(crm, actor, request, lang)
                delivery = Delivery(sub.id, user.telegram_id or 0, lang, sub.report, report)
            except CrmError as exc:
                # The user lost access to a filter or the file grew too big: say so once.
                delivery = Delivery(sub.id, user.telegram_id or 0, lang, sub.report, None, exc)
            await deliver(delivery)
        except Exception:
            log.exception("subscription %s: delivery failed; retried after the lease", sub.id)
            continue
        finally:
            if report is not None:
                report.discard()
        await _advance(crm, sub, instance)
        delivered += 1
    return delivered


async def _retire(crm: Crm, subscription_id: int) -> None:
    async with crm.write(wait=True) as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.id == subscription_id)
            .values(active=False, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
