"""Contact attempts on a follow-up (📞 Contacto), checked by the Ley 2300 guard.

Every attempt is a row of ``contact_attempts``: ``registered`` when it complied, ``blocked``
when the guard refused it (an agent cannot register it; nothing else happens, but the
compliance report counts it), ``override`` when a supervisor or admin registered it anyway with
a typed reason. Registered and overridden contacts are also a ``contact`` event of the
follow-up (history, audit, reports) and count for the daily and weekly rules. The contact is
recorded when its result is tapped; the optional note is added to it afterwards
(:func:`add_note`). The guard itself, shared with activities and visits, is
crm/contact_guard.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm.followups.lifecycle import _load_for_update, clean_note, get_active_followup, view
from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import CrmError, InvalidInput, NotAuthorized, NotFound
from crm.kernel.permissions import ensure_can_act_for
from crm.kernel.views import FollowUpView
from crm.ley2300.guard import (
    COUNTED,
    ContactBlocked,
    admit,
    contacted_today,
    ley2300_detail,
    may_override,
    prior_contacts,
    verdict_for,
)
from crm.ley2300.rules import CHANNEL_LABELS, Channel, ContactResult, Verdict
from storage.models import ContactAttempt, FollowUp, FollowUpEvent, Tercero

__all__ = [
    "COUNTED",
    "ContactBlocked",
    "contacted_today",
    "ley2300_detail",
    "may_override",
    "prior_contacts",
    "verdict_for",
]
MAX_REASON = 500


class OverrideNeedsReason(CrmError):
    key = "ley.override_needs_reason"


class NoteAlreadyAdded(CrmError):
    key = "ct.note_already"


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


async def guard(crm: Crm, actor: Actor, followup_id: int, channel: str | None = None) -> GuardView:
    """The guard line of the card: may the tercero be contacted now (through ``channel``)?"""
    if channel is not None:
        channel = check_channel(channel)
    card = await get_active_followup(crm, actor, followup_id)
    async with crm.read() as session:
        tercero = await session.get(Tercero, card.tercero.id)
        assert tercero is not None
        verdict = await verdict_for(session, crm, tercero, crm.now(), channel)
    return GuardView(card.id, card.version, card.tercero.name, verdict, may_override(actor))


async def record_blocked(crm: Crm, actor: Actor, followup_id: int, channel: str) -> Verdict:
    """An attempt the guard refuses: recorded as blocked (for the compliance report). Returns
    the verdict; an allowed verdict records nothing."""
    channel = check_channel(channel)
    now = crm.now()
    async with crm.write(wait=True) as session:
        followup = await _load_for_update(session, actor, followup_id, None)
        tercero = await session.get(Tercero, followup.tercero_id, with_for_update=True)
        assert tercero is not None
        verdict = await verdict_for(session, crm, tercero, now, channel)
        if not verdict.allowed:
            await admit(session, crm, actor, followup, now, channel, same_counts=False)
    return verdict


def contact_text(channel: str, result: str | None, note: str | None, reason: str | None) -> str:
    """The contact event's text: ``llamada · contestó — nota · ⚠️ Ley 2300: motivo``."""
    label = CHANNEL_LABELS[Channel(channel)]
    text = f"{label} · {result}" + (f" — {note}" if note else "")
    if reason:
        text += f" · ⚠️ Ley 2300: {reason}"
    return text[:1000]


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
    (two people cannot both take today's contact). A refused contact raises ContactBlocked
    after the blocked attempt is committed — for a supervisor or admin too, unless they pass
    ``override_reason`` (then it is registered as an exception)."""
    channel = check_channel(channel)
    result = check_result(result)
    note = clean_note(note)
    reason = clean_note(override_reason, MAX_REASON)
    now = crm.now()
    blocked: Verdict | None = None
    async with crm.write(wait=True) as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        admission = await admit(
            session,
            crm,
            actor,
            followup,
            now,
            channel,
            result=result,
            note=note,
            reason=reason,
            same_counts=False,
        )
        if admission.blocked:
            blocked = admission.verdict
        else:
            attempt = admission.attempt
            assert attempt is not None
            reason = attempt.override_reason
            followup.version += 1
            event = FollowUpEvent(
                followup_id=followup.id,
                kind="contact",
                at=now,
                actor_id=actor.id,
                text=contact_text(channel, result, note, reason),
            )
            session.add(event)
            await session.flush()
            admission.link(event)
            audit.record(
                session,
                at=now,
                actor_id=actor.id,
                entity="followup",
                entity_id=followup.id,
                action="contact" if attempt.outcome == "registered" else "contact_override",
                after={
                    "channel": channel,
                    "result": result,
                    "note": note,
                    "rule": admission.verdict.rule,
                    "reason": reason,
                },
            )
            await session.flush()
            card = await view(session, followup.id)
            return ContactOutcome(attempt.id, attempt.outcome, card)
    assert blocked is not None
    raise ContactBlocked(blocked, may_override(actor))


async def recorded(crm: Crm, actor: Actor, attempt_id: int) -> ContactOutcome:
    """A contact already recorded, with its follow-up's card (its «Sin nota»)."""
    async with crm.read() as session:
        attempt = await session.get(ContactAttempt, attempt_id)
        if attempt is None or attempt.followup_id is None or attempt.outcome not in COUNTED:
            raise NotFound()
        followup = await session.get(FollowUp, attempt.followup_id)
        assert followup is not None
        await ensure_can_act_for(session, actor, followup.owner_id)
        return ContactOutcome(attempt.id, attempt.outcome, await view(session, followup.id))


async def add_note(crm: Crm, actor: Actor, attempt_id: int, note: str) -> FollowUpView:
    """The optional note of a recorded contact: kept on the attempt and added to its event
    (only by whoever recorded it, once)."""
    cleaned = clean_note(note)
    if not cleaned:
        raise InvalidInput("error.empty_text")
    now = crm.now()
    async with crm.write(wait=True) as session:
        attempt = await session.get(ContactAttempt, attempt_id, with_for_update=True)
        if attempt is None or attempt.followup_id is None or attempt.outcome not in COUNTED:
            raise NotFound()
        followup = await session.get(FollowUp, attempt.followup_id, with_for_update=True)
        assert followup is not None
        await ensure_can_act_for(session, actor, followup.owner_id)
        if attempt.actor_id != actor.id:
            raise NotAuthorized()
        if attempt.note:
            raise NoteAlreadyAdded()
        attempt.note = cleaned
        event = await session.get(FollowUpEvent, attempt.event_id) if attempt.event_id else None
        if event is not None:
            if event.kind == "contact":
                event.text = contact_text(
                    attempt.channel, attempt.result, cleaned, attempt.override_reason
                )
            else:
                event.text = cleaned
        followup.version += 1
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="followup",
            entity_id=followup.id,
            action="contact_note",
            after={"attempt": attempt.id, "note": cleaned},
        )
        await session.flush()
        return await view(session, followup.id)


# --- pings and digests -----------------------------------------------------------------------
