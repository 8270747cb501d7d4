"""Contact attempts on a follow-up (📞 Contacto), checked by the Ley 2300 guard.

Every attempt is a row of ``contact_attempts``: ``registered`` when it complied, ``blocked``
when the guard refused it (an agent cannot register it; nothing else happens, but the
compliance report counts it), ``override`` when a supervisor or admin registered it anyway with
a typed reason. Registered and overridden contacts are also a ``contact`` event of the
follow-up (history, audit, reports) and count for the daily and weekly rules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import audit, ley2300
from crm.context import Crm
from crm.errors import CrmError, InvalidInput
from crm.followups import _load_for_update, clean_note, get_active_followup, view
from crm.ley2300 import CHANNEL_LABELS, Channel, ContactResult, PriorContact, Verdict
from crm.users import Actor
from crm.views import FollowUpView
from storage import notifications as sql
from storage.models import ContactAttempt, FollowUp, FollowUpEvent, Tercero, User
from storage.notifications import FollowUpDetail

COUNTED = ("registered", "override")
MAX_REASON = 500


class ContactBlocked(CrmError):
    """The guard refused the contact (the attempt was recorded as blocked)."""

    key = "ley.blocked"

    def __init__(self, verdict: Verdict) -> None:
        super().__init__(None)
        self.verdict = verdict


class OverrideNeedsReason(CrmError):
    key = "ley.override_needs_reason"


@dataclass(frozen=True)
class GuardView:
    """What the card shows before a contact."""

    followup_id: int
    version: int
    tercero_name: str
    verdict: Verdict
    may_override: bool


@dataclass(frozen=True)
class ContactOutcome:
    attempt_id: int
    outcome: str  # registered | override
    card: FollowUpView


def may_override(actor: Actor) -> bool:
    return actor.is_supervisor or actor.is_admin


def check_channel(channel: str) -> str:
    try:
        return Channel(channel).value
    except ValueError:
        raise InvalidInput("ley.bad_channel") from None


def check_result(result: str) -> str:
    try:
        return ContactResult(result).value
    except ValueError:
        raise InvalidInput("ley.bad_result") from None


async def prior_contacts(
    session: AsyncSession, crm: Crm, tercero_id: int, now: datetime
) -> list[PriorContact]:
    """The tercero's counted contacts since Monday of this calendar week (local)."""
    monday = ley2300.week_start(now.astimezone(crm.tz).date())
    since = crm.local_midnight(monday)
    rows = await session.execute(
        select(ContactAttempt.at, User.name, ContactAttempt.channel)
        .outerjoin(User, User.id == ContactAttempt.actor_id)
        .where(
            ContactAttempt.tercero_id == tercero_id,
            ContactAttempt.outcome.in_(COUNTED),
            ContactAttempt.at >= since,
            ContactAttempt.at < since + timedelta(days=8),
        )
        .order_by(ContactAttempt.at)
    )
    return [PriorContact(at, name or "crm-bot", channel) for at, name, channel in rows.all()]


async def verdict_for(
    session: AsyncSession, crm: Crm, tercero: Tercero, now: datetime, channel: str | None
) -> Verdict:
    """The guard's verdict for a contact with ``tercero`` now."""
    protected = ley2300.is_protected(crm.ley_2300, tercero.tipo_persona)
    prior = await prior_contacts(session, crm, tercero.id, now) if protected else []
    return ley2300.check(
        now,
        crm.tz,
        protected=protected,
        canales=tercero.canales_autorizados,
        prior=prior,
        channel=channel,
    )


async def guard(crm: Crm, actor: Actor, followup_id: int, channel: str | None = None) -> GuardView:
    """The guard line of the card: may the tercero be contacted now (through ``channel``)?"""
    if channel is not None:
        channel = check_channel(channel)
    card = await get_active_followup(crm, actor, followup_id)
    async with crm.sessions() as session:
        tercero = await session.get(Tercero, card.tercero.id)
        assert tercero is not None
        verdict = await verdict_for(session, crm, tercero, crm.now(), channel)
    return GuardView(card.id, card.version, card.tercero.name, verdict, may_override(actor))


def _attempt(
    followup: FollowUp,
    actor: Actor,
    now: datetime,
    channel: str,
    verdict: Verdict,
    outcome: str,
    result: str | None = None,
    note: str | None = None,
    reason: str | None = None,
) -> ContactAttempt:
    detail = None
    if verdict.rule is not None:
        detail = ley2300_detail(verdict)
    return ContactAttempt(
        followup_id=followup.id,
        tercero_id=followup.tercero_id,
        actor_id=actor.id,
        at=now,
        channel=channel,
        result=result,
        note=note,
        outcome=outcome,
        rule=verdict.rule.value if verdict.rule else None,
        rule_detail=detail,
        override_reason=reason,
        protected=verdict.protected,
    )


def ley2300_detail(verdict: Verdict) -> str | None:
    """The broken rule's parameters as JSON, so the report can say it in either language."""
    if not verdict.params:
        return None
    return json.dumps(ley2300.stored_params(verdict.params), ensure_ascii=False)[:200]


async def record_blocked(crm: Crm, actor: Actor, followup_id: int, channel: str) -> Verdict:
    """An attempt the guard refuses: recorded as blocked (for the compliance report). Returns
    the verdict; an allowed verdict records nothing."""
    channel = check_channel(channel)
    now = crm.now()
    async with crm.sessions.begin() as session:
        followup = await _load_for_update(session, actor, followup_id, None)
        tercero = await session.get(Tercero, followup.tercero_id, with_for_update=True)
        assert tercero is not None
        verdict = await verdict_for(session, crm, tercero, now, channel)
        if not verdict.allowed:
            _add_blocked(session, followup, actor, now, channel, verdict)
    return verdict


def _add_blocked(
    session: AsyncSession,
    followup: FollowUp,
    actor: Actor,
    now: datetime,
    channel: str,
    verdict: Verdict,
) -> None:
    session.add(_attempt(followup, actor, now, channel, verdict, "blocked"))
    audit.record(
        session,
        at=now,
        actor_id=actor.id,
        entity="followup",
        entity_id=followup.id,
        action="contact_blocked",
        after={"channel": channel, "rule": verdict.rule, "params": verdict.params},
    )


async def register_contact(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    *,
    channel: str,
    result: str,
    note: str | None = None,
    override_reason: str | None = None,
    expected_version: int | None = None,
) -> ContactOutcome:
    """Register a contact attempt after the guard, in one transaction that locks the tercero
    (two agents cannot both take today's contact). A refused agent gets ContactBlocked (the
    blocked attempt is committed); a supervisor or admin may pass ``override_reason``."""
    channel = check_channel(channel)
    result = check_result(result)
    note = clean_note(note)
    reason = clean_note(override_reason, MAX_REASON)
    now = crm.now()
    blocked: Verdict | None = None
    async with crm.sessions.begin() as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        tercero = await session.get(Tercero, followup.tercero_id, with_for_update=True)
        assert tercero is not None
        verdict = await verdict_for(session, crm, tercero, now, channel)
        if verdict.allowed:
            outcome = "registered"
            reason = None
        elif may_override(actor):
            if not reason:
                raise OverrideNeedsReason()
            outcome = "override"
        else:
            _add_blocked(session, followup, actor, now, channel, verdict)
            blocked = verdict
        if blocked is None:
            attempt = _attempt(
                followup, actor, now, channel, verdict, outcome, result, note, reason
            )
            session.add(attempt)
            label = CHANNEL_LABELS[Channel(channel)]
            text = f"{label} · {result}" + (f" — {note}" if note else "")
            if reason:
                text += f" · ⚠️ Ley 2300: {reason}"
            followup.version += 1
            session.add(
                FollowUpEvent(
                    followup_id=followup.id, kind="contact", at=now, actor_id=actor.id, text=text
                )
            )
            audit.record(
                session,
                at=now,
                actor_id=actor.id,
                entity="followup",
                entity_id=followup.id,
                action="contact" if outcome == "registered" else "contact_override",
                after={
                    "channel": channel,
                    "result": result,
                    "note": note,
                    "rule": verdict.rule,
                    "reason": reason,
                },
            )
            await session.flush()
            card = await view(session, followup.id)
            return ContactOutcome(attempt.id, outcome, card)
    assert blocked is not None
    raise ContactBlocked(blocked)


async def contacted_today(
    session: AsyncSession, crm: Crm, tercero_ids: list[int], now: datetime
) -> set[int]:
    """Which of these terceros already had a counted contact on ``now``'s local day."""
    if not tercero_ids:
        return set()
    start = crm.local_midnight(now.astimezone(crm.tz).date())
    rows = await session.scalars(
        select(ContactAttempt.tercero_id)
        .where(
            ContactAttempt.tercero_id.in_(tercero_ids),
            ContactAttempt.outcome.in_(COUNTED),
            ContactAttempt.at >= start,
        )
        .distinct()
    )
    return set(rows.all())


# --- pings and digests -----------------------------------------------------------------------


async def defer_forbidden_pings(
    session: AsyncSession,
    crm: Crm,
    instance_id: str,
    rows: Sequence[FollowUpDetail],
    now: datetime,
) -> list[FollowUpDetail]:
    """Of the claimed follow-ups, keep those a ping may ask to contact now; a protected
    tercero's follow-up due at a forbidden time (Sunday, holiday, outside the law's hours,
    already contacted today) is held until the next allowed moment, then pinged."""
    if crm.ley_2300 == ley2300.Protection.NO:
        return list(rows)
    protected = [r for r in rows if ley2300.is_protected(crm.ley_2300, r[1].tipo_persona)]
    if not protected:
        return list(rows)
    done_today = await contacted_today(session, crm, [r[1].id for r in protected], now)
    until: dict[int, datetime] = {}
    for followup, tercero, *_ in protected:
        moment = ley2300.next_allowed(now, crm.tz, tercero.id in done_today)
        if moment > now:
            until[followup.id] = moment
    if until:
        await sql.defer_claims(session, instance_id=instance_id, until=until)
    return [r for r in rows if r[0].id not in until]


def digest_allowed(crm: Crm, now: datetime) -> bool:
    """The morning digest asks for the day's contacts: while the law applies to anyone, it
    waits for the law's hours (Saturday 08:00) and is not sent on Sundays and holidays."""
    if crm.ley_2300 == ley2300.Protection.NO:
        return True
    return ley2300.time_rule(now.astimezone(crm.tz)) is None
