"""The one Ley 2300 gate every contact with a tercero goes through.

📞 Contacto (crm/contacts.py), an activity whose kind is a contact (the activity catalog's
``canal``, crm/followups.py) and a visit (crm/visits.py) all call :func:`admit` inside their
own transaction, with the tercero row locked: the guard's verdict and the contact attempt it
leaves (``registered``, ``override`` or ``blocked``) are decided and written together, so two
people recording the same tercero's contact at once get one contact and one blocked attempt,
and every attempt is in the contactos report.

Recording the same contact twice — the activity after 📞 Contacto, or "Visita realizada" while
the visit is open — is not a second contact: the same person, through the same channel, on the
same tercero, within :data:`SAME_CONTACT_WINDOW` of a counted contact (or while their visit of
the tercero is open, for ``visita``) is admitted as that contact and leaves no new attempt.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import CrmError
from crm.ley2300 import rules as ley2300
from crm.ley2300.rules import Channel, PriorContact, Verdict
from storage import notifications as sql
from storage.models import ContactAttempt, FollowUp, FollowUpEvent, Tercero, User
from storage.notifications import FollowUpDetail

COUNTED = ("registered", "override")
SAME_CONTACT_WINDOW = timedelta(minutes=30)
# An open visit older than this is one never closed (crm/visits.py OPEN_VISIT_WINDOW).
OPEN_VISIT_WINDOW = timedelta(hours=12)


class ContactBlocked(CrmError):
    """The guard refused the contact (the attempt was recorded as blocked). ``may_override``:
    the actor may register it as an exception with a reason (📞 Contacto)."""

    key = "ley.blocked"

    def __init__(self, verdict: Verdict, may_override: bool = False) -> None:
        super().__init__(None)
        self.verdict = verdict
        self.may_override = may_override


@dataclass
class Admission:
    """What :func:`admit` decided. ``attempt`` is the row written (None for the same contact
    recorded again); ``outcome`` registered, override, blocked or same."""

    verdict: Verdict
    outcome: str
    attempt: ContactAttempt | None = None

    @property
    def blocked(self) -> bool:
        return self.outcome == "blocked"

    def link(self, event: FollowUpEvent) -> None:
        """The follow-up event that records the contact (its note goes there too)."""
        if self.attempt is not None:
            self.attempt.event_id = event.id


def may_override(actor: Actor) -> bool:
    return actor.is_supervisor or actor.is_admin


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


def ley2300_detail(verdict: Verdict) -> str | None:
    """The broken rule's parameters as JSON, so the report can say it in either language."""
    if not verdict.params:
        return None
    return json.dumps(ley2300.stored_params(verdict.params), ensure_ascii=False)[:200]


async def _same_contact(
    session: AsyncSession, actor: Actor, tercero_id: int, channel: str, now: datetime
) -> bool:
    """Whether this record is a contact the actor already recorded (see the module)."""
    recent = await session.scalar(
        select(ContactAttempt.id)
        .where(
            ContactAttempt.tercero_id == tercero_id,
            ContactAttempt.actor_id == actor.id,
            ContactAttempt.channel == channel,
            ContactAttempt.outcome.in_(COUNTED),
            ContactAttempt.at >= now - SAME_CONTACT_WINDOW,
            ContactAttempt.at <= now,
        )
        .limit(1)
    )
    if recent is not None:
        return True
    if channel != Channel.VISITA:
        return False
    open_visit = await session.scalar(
        select(FollowUpEvent.id)
        .join(FollowUp, FollowUp.id == FollowUpEvent.followup_id)
        .where(
            FollowUp.tercero_id == tercero_id,
            FollowUpEvent.kind == "visit",
            FollowUpEvent.actor_id == actor.id,
            FollowUpEvent.ended_at.is_(None),
            FollowUpEvent.at >= now - OPEN_VISIT_WINDOW,
            FollowUpEvent.at <= now,
        )
        .limit(1)
    )
    return open_visit is not None


async def admit(
    session: AsyncSession,
    crm: Crm,
    actor: Actor,
    followup: FollowUp,
    now: datetime,
    channel: str,
    *,
    result: str | None = None,
    note: str | None = None,
    reason: str | None = None,
    same_counts: bool = True,
) -> Admission:
    """The guard for a contact through ``channel`` on ``followup``'s tercero, with the
    tercero row locked; writes the attempt (blocked ones too) and its audit row. A blocked
    admission must be committed by the caller, which then raises :class:`ContactBlocked`.
    ``reason``: a supervisor's or admin's exception. ``same_counts``: the same contact
    recorded again is admitted without a new attempt (📞 Contacto passes False: each press of
    a result is a contact of its own)."""
    tercero = await session.get(Tercero, followup.tercero_id, with_for_update=True)
    assert tercero is not None
    if same_counts and await _same_contact(session, actor, tercero.id, channel, now):
        return Admission(Verdict(ley2300.is_protected(crm.ley_2300, tercero.tipo_persona)), "same")
    verdict = await verdict_for(session, crm, tercero, now, channel)
    if verdict.allowed:
        outcome, reason = "registered", None
    elif reason and may_override(actor):
        outcome = "override"
    else:
        outcome, result, note, reason = "blocked", None, None, None
    attempt = ContactAttempt(
        followup_id=followup.id,
        tercero_id=followup.tercero_id,
        actor_id=actor.id,
        at=now,
        channel=channel,
        result=result[:80] if result else None,
        note=note,
        outcome=outcome,
        rule=verdict.rule.value if verdict.rule else None,
        rule_detail=ley2300_detail(verdict) if verdict.rule is not None else None,
        override_reason=reason,
        protected=verdict.protected,
    )
    session.add(attempt)
    if outcome == "blocked":
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="followup",
            entity_id=followup.id,
            action="contact_blocked",
            after={"channel": channel, "rule": verdict.rule, "params": verdict.params},
        )
    return Admission(verdict, outcome, attempt)


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
