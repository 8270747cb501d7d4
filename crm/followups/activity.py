"""What happens on a follow-up besides its lifecycle: activities (through the Ley 2300 guard
when they are contacts), observations, attachments, and its history (lineage and events)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from crm.followups.lifecycle import (
    MAX_NOTE,
    _event,
    _events,
    _load_for_update,
    _views,
    clean_note,
    view,
)
from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized, NotFound
from crm.kernel.permissions import can_act_for, ensure_can_act_for
from crm.kernel.views import (
    EventView,
    FollowUpView,
    LineageView,
)
from crm.ley2300 import guard as contact_guard
from crm.ley2300.rules import Verdict
from storage.models import (
    Activity,
    ContactAttempt,
    FollowUp,
    FollowUpEvent,
)


async def _log_event(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    expected_version: int | None,
    kind: str,
    audit_after: dict[str, Any],
    **fields: Any,
) -> FollowUpView:
    """One transaction: re-check the follow-up, add the event and its audit row, bump the
    version (so buttons drawn before are refused), return the new card."""
    now = crm.now()
    async with crm.write() as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        followup.version += 1
        session.add(_event(followup, kind, now, actor, **fields))
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="followup",
            entity_id=followup.id,
            action=kind,
            after=audit_after,
        )
        await session.flush()
        return await view(session, followup.id)


@dataclass(frozen=True)
class ActivityOutcome:
    """A recorded activity: the card, its event (a note is added there later) and the contact
    channel when the activity's kind is a contact."""

    card: FollowUpView
    event_id: int
    channel: str | None = None


async def log_activity(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    activity_id: int,
    note: str | None = None,
    expected_version: int | None = None,
) -> FollowUpView:
    """Record an activity from the catalog with an optional note (see record_activity)."""
    done = await record_activity(crm, actor, followup_id, activity_id, note, expected_version)
    return done.card


async def record_activity(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    activity_id: int,
    note: str | None = None,
    expected_version: int | None = None,
) -> ActivityOutcome:
    """Record an activity from the catalog with an optional note. An activity whose kind is a
    contact (the catalog's ``canal``) goes through the Ley 2300 guard in the same transaction:
    refused → ContactBlocked once the blocked attempt is committed; allowed → recorded as a
    contact too (it counts for the daily and weekly rules and shows in /informe contactos)."""
    note = clean_note(note)
    now = crm.now()
    blocked: Verdict | None = None
    async with crm.write() as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        activity = await session.get(Activity, activity_id)
        if activity is None or not activity.active:
            raise InvalidInput("error.unknown_activity")
        admission = None
        if activity.canal:
            admission = await contact_guard.admit(
                session, crm, actor, followup, now, activity.canal, result=activity.name, note=note
            )
            if admission.blocked:
                blocked = admission.verdict
        if blocked is None:
            followup.version += 1
            event = _event(followup, "activity", now, actor, activity_id=activity.id, text=note)
            session.add(event)
            await session.flush()
            after: dict[str, Any] = {"activity": activity.name, "note": note}
            if admission is not None:
                admission.link(event)
                after.update(channel=activity.canal, contact=admission.outcome)
            audit.record(
                session,
                at=now,
                actor_id=actor.id,
                entity="followup",
                entity_id=followup.id,
                action="activity",
                after=after,
            )
            await session.flush()
            card = await view(session, followup.id)
            return ActivityOutcome(card, event.id, activity.canal)
    assert blocked is not None
    raise contact_guard.ContactBlocked(blocked)


async def add_activity_note(
    crm: Crm, actor: Actor, followup_id: int, event_id: int, note: str
) -> FollowUpView:
    """The optional note of an activity already recorded (by the same person, once); kept on
    its contact attempt too when the activity was a contact."""
    cleaned = clean_note(note)
    if not cleaned:
        raise InvalidInput("error.empty_text")
    now = crm.now()
    async with crm.write() as session:
        followup = await _load_for_update(session, actor, followup_id, None)
        event = await session.get(FollowUpEvent, event_id, with_for_update=True)
        if event is None or event.followup_id != followup.id or event.kind != "activity":
            raise NotFound()
        if event.actor_id != actor.id:
            raise NotAuthorized()
        if event.text:
            raise InvalidInput("fu.note_already")
        event.text = cleaned
        attempt = await session.scalar(
            select(ContactAttempt).where(ContactAttempt.event_id == event.id)
        )
        if attempt is not None:
            attempt.note = cleaned
        followup.version += 1
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="followup",
            entity_id=followup.id,
            action="activity_note",
            after={"event": event.id, "note": cleaned},
        )
        await session.flush()
        return await view(session, followup.id)


async def add_observation(
    crm: Crm, actor: Actor, followup_id: int, text: str, expected_version: int | None = None
) -> FollowUpView:
    """Attach a free-text observation (up to 1000 characters)."""
    cleaned = clean_note(text)
    if not cleaned:
        raise InvalidInput("error.empty_text")
    return await _log_event(
        crm, actor, followup_id, expected_version, "observation", {"text": cleaned}, text=cleaned
    )


ATTACHMENT_KINDS = ("photo", "document", "location")


async def attach(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    *,
    kind: str,
    file_id: str | None = None,
    caption: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    expected_version: int | None = None,
    file_name: str | None = None,
) -> FollowUpView:
    """Store a photo, document (Telegram file id) or a location check-in as an event; a
    document keeps its file name in front of the caption, so the card and history show it."""
    if kind not in ATTACHMENT_KINDS:
        raise InvalidInput("error.bad_attachment")
    if kind == "location":
        if latitude is None or longitude is None:
            raise InvalidInput("error.bad_attachment")
    elif not file_id:
        raise InvalidInput("error.bad_attachment")
    caption = clean_note(caption)
    name = clean_note(file_name) if kind == "document" and file_name else None
    if name:
        caption = clean_note(f"{name} — {caption}"[:MAX_NOTE] if caption else name[:MAX_NOTE])
    where = {"lat": latitude, "lon": longitude}
    return await _log_event(
        crm,
        actor,
        followup_id,
        expected_version,
        "attachment",
        {"kind": kind, "file_id": file_id, "caption": caption, **where},
        file_id=file_id,
        file_kind=kind,
        text=caption,
        latitude=latitude,
        longitude=longitude,
    )


async def get_attachment(crm: Crm, actor: Actor, event_id: int) -> EventView:
    """An attachment event, for resending from the history."""
    async with crm.read() as session:
        event = await session.get(FollowUpEvent, event_id)
        if event is None or event.kind != "attachment":
            raise NotFound()
        followup = await session.get(FollowUp, event.followup_id)
        assert followup is not None
        await ensure_can_act_for(session, actor, followup.owner_id)
        evs = await _events(session, [followup.id])
    return next(e for e in evs[followup.id] if e.id == event_id)


async def history(crm: Crm, actor: Actor, followup_id: int) -> LineageView:
    """The whole lineage from the main follow-up, each with all its events in time order."""
    async with crm.read() as session:
        followup = await session.get(FollowUp, followup_id)
        if followup is None:
            raise NotFound()
        await ensure_can_act_for(session, actor, followup.owner_id)
        root_id = followup.root_id or followup.id
        ids = (
            await session.scalars(
                select(FollowUp.id)
                .where(or_(FollowUp.id == root_id, FollowUp.root_id == root_id))
                .order_by(FollowUp.created_at, FollowUp.id)
            )
        ).all()
        views = await _views(session, ids, events=None)
        # A lineage may cross owners after a reassignment; hide what the actor may not see.
        visible = [v for v in views if await can_act_for(session, actor, v.owner_id)]
    if not visible:
        raise NotAuthorized()
    return LineageView(root_id=root_id, followups=tuple(visible))
