"""Follow-up use cases: create, postpone, close, discard, continue, activity, observation,
attachment, card and history. Each is one transaction with one event row (and an audit row)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import AlreadyFinished, InvalidInput, NotFound, StaleVersion
from crm.kernel.permissions import ensure_can_act_for
from crm.kernel.scope import ensure_can_see_tercero
from crm.kernel.text import xml_safe
from crm.kernel.views import (
    CatalogItem,
    DocumentBrief,
    EventView,
    FollowUpView,
    TerceroBrief,
)
from storage.models import (
    Activity,
    Document,
    FollowUp,
    FollowUpEvent,
    FollowUpStatus,
    FollowUpType,
    State,
    Tercero,
    User,
)

MIN_HOURS, MAX_HOURS = 1, 720
MAX_NOTE = 1000
RECENT_EVENTS = 5


# --- catalogs --------------------------------------------------------------------------------


async def list_types(crm: Crm, include_inactive: bool = False) -> list[CatalogItem]:
    """Follow-up types with their default hours ("Parámetros")."""
    async with crm.read() as session:
        query = select(FollowUpType).order_by(FollowUpType.name)
        if not include_inactive:
            query = query.where(FollowUpType.active.is_(True))
        rows = (await session.scalars(query)).all()
    return [
        CatalogItem(r.id, r.name, str(r.default_hours), r.active, r.default_hours) for r in rows
    ]


async def list_states(crm: Crm, meaning: str | None = None) -> list[CatalogItem]:
    """Active states, optionally only those of one meaning (open/closed/discarded)."""
    async with crm.read() as session:
        query = select(State).where(State.active.is_(True)).order_by(State.name)
        if meaning:
            query = query.where(State.meaning == meaning)
        rows = (await session.scalars(query)).all()
    return [CatalogItem(r.id, r.name, r.meaning, r.active) for r in rows]


async def list_activities(crm: Crm) -> list[CatalogItem]:
    """Active activities with their effect (progress/regression/neutral)."""
    async with crm.read() as session:
        rows = (
            await session.scalars(
                select(Activity).where(Activity.active.is_(True)).order_by(Activity.name)
            )
        ).all()
    return [CatalogItem(r.id, r.name, r.effect, r.active) for r in rows]


# --- validation ------------------------------------------------------------------------------


def parse_hours(text: str) -> int:
    """A whole number of hours between 1 and 720, or InvalidInput explaining the rule."""
    value = text.strip().lower().removesuffix("h").strip().removeprefix("+").strip()
    if not (value.isascii() and value.isdigit()):
        raise InvalidInput("error.bad_hours", min=MIN_HOURS, max=MAX_HOURS)
    hours = int(value)
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise InvalidInput("error.bad_hours", min=MIN_HOURS, max=MAX_HOURS)
    return hours


def clean_note(text: str | None, limit: int = MAX_NOTE) -> str | None:
    """Trimmed text, None when empty; InvalidInput when longer than ``limit``."""
    if text is None:
        return None
    text = xml_safe(text).strip()
    if len(text) > limit:
        raise InvalidInput("error.text_too_long", limit=limit, length=len(text))
    return text or None


# --- loading ---------------------------------------------------------------------------------


async def _load_for_update(
    session: AsyncSession, actor: Actor, followup_id: int, expected_version: int | None
) -> FollowUp:
    followup = await session.get(FollowUp, followup_id, with_for_update=True)
    if followup is None:
        raise NotFound()
    await ensure_can_act_for(session, actor, followup.owner_id)
    if followup.status != FollowUpStatus.ACTIVE:
        raise AlreadyFinished()
    if expected_version is not None and followup.version != expected_version:
        raise StaleVersion()
    return followup


def _event(
    followup: FollowUp, kind: str, at: datetime, actor: Actor, **fields: Any
) -> FollowUpEvent:
    return FollowUpEvent(followup_id=followup.id, kind=kind, at=at, actor_id=actor.id, **fields)


def _split_phones(phones: str | None) -> tuple[str, ...]:
    if not phones:
        return ()
    return tuple(
        p.strip() for p in phones.replace(",", ";").replace("/", ";").split(";") if p.strip()
    )


def tercero_brief(t: Tercero) -> TerceroBrief:
    return TerceroBrief(t.id, t.nit, t.name, _split_phones(t.phones), t.address, t.city)


def document_brief(d: Document) -> DocumentBrief:
    return DocumentBrief(d.id, d.doc_type, d.number, d.date, d.due_date, d.value, d.balance)


async def _events(
    session: AsyncSession, followup_ids: Sequence[int], limit: int | None = None
) -> dict[int, list[EventView]]:
    actor_user = aliased(User)
    query = (
        select(FollowUpEvent, actor_user.name, Activity.name, Activity.effect, State.name)
        .outerjoin(actor_user, actor_user.id == FollowUpEvent.actor_id)
        .outerjoin(Activity, Activity.id == FollowUpEvent.activity_id)
        .outerjoin(State, State.id == FollowUpEvent.state_id)
        .where(FollowUpEvent.followup_id.in_(followup_ids))
        .order_by(FollowUpEvent.followup_id, FollowUpEvent.at, FollowUpEvent.id)
    )
    result: dict[int, list[EventView]] = {fid: [] for fid in followup_ids}
    for ev, actor_name, activity, effect, state in (await session.execute(query)).all():
        result[ev.followup_id].append(
            EventView(
                id=ev.id,
                followup_id=ev.followup_id,
                kind=ev.kind,
                at=ev.at,
                actor_name=actor_name,
                from_due=ev.from_due,
                to_due=ev.to_due,
                activity=activity,
                activity_effect=effect,
                state=state,
                text=ev.text,
                file_id=ev.file_id,
                file_kind=ev.file_kind,
                latitude=ev.latitude,
                longitude=ev.longitude,
                distance_m=ev.distance_m,
                verified=ev.verified,
                ended_at=ev.ended_at,
            )
        )
    if limit is not None:
        result = {k: v[-limit:] for k, v in result.items()}
    return result


async def _views(
    session: AsyncSession, followup_ids: Sequence[int], events: int | None = RECENT_EVENTS
) -> list[FollowUpView]:
    if not followup_ids:
        return []
    owner = aliased(User)
    rows = (
        await session.execute(
            select(FollowUp, Tercero, FollowUpType, State.name, owner, Document)
            .join(Tercero, Tercero.id == FollowUp.tercero_id)
            .join(FollowUpType, FollowUpType.id == FollowUp.type_id)
            .join(owner, owner.id == FollowUp.owner_id)
            .outerjoin(State, State.id == FollowUp.state_id)
            .outerjoin(Document, Document.id == FollowUp.document_id)
            .where(FollowUp.id.in_(followup_ids))
            .order_by(FollowUp.created_at, FollowUp.id)
        )
    ).all()
    evs = await _events(session, [r[0].id for r in rows], limit=events) if events != 0 else {}
    closed = [r[0].id for r in rows if r[0].status == FollowUpStatus.CLOSED]
    children: dict[int, int] = {}
    if closed:
        children = {
            parent: child
            for parent, child in (
                await session.execute(
                    select(FollowUp.parent_id, func.max(FollowUp.id))
                    .where(FollowUp.parent_id.in_(closed))
                    .group_by(FollowUp.parent_id)
                )
            ).all()
            if parent is not None
        }
    return [
        FollowUpView(
            id=f.id,
            version=f.version,
            status=f.status,
            tercero=tercero_brief(t),
            type_id=ty.id,
            type_name=ty.name,
            type_hours=ty.default_hours,
            state=state,
            due_at=f.due_at,
            owner_id=o.id,
            owner_name=o.name,
            owner_code=o.code,
            note=f.note,
            document=document_brief(d) if d is not None else None,
            parent_id=f.parent_id,
            root_id=f.root_id,
            created_at=f.created_at,
            closed_at=f.closed_at,
            postpone_count=f.postpone_count,
            events=tuple(evs.get(f.id, ())),
            continued_by=children.get(f.id),
        )
        for f, t, ty, state, o, d in rows
    ]


async def view(session: AsyncSession, followup_id: int) -> FollowUpView:
    views = await _views(session, [followup_id])
    if not views:
        raise NotFound()
    return views[0]


async def get_followup(crm: Crm, actor: Actor, followup_id: int) -> FollowUpView:
    """The follow-up card, if the actor may see it."""
    async with crm.read() as session:
        followup = await session.get(FollowUp, followup_id)
        if followup is None:
            raise NotFound()
        await ensure_can_act_for(session, actor, followup.owner_id)
        return await view(session, followup_id)


async def get_active_followup(
    crm: Crm, actor: Actor, followup_id: int, expected_version: int | None = None
) -> FollowUpView:
    """The card behind an action menu: refused when finished or changed since drawn."""
    card = await get_followup(crm, actor, followup_id)
    if not card.is_active:
        raise AlreadyFinished()
    if expected_version is not None and card.version != expected_version:
        raise StaleVersion()
    return card


# --- create ----------------------------------------------------------------------------------


async def create_followup(
    crm: Crm,
    actor: Actor,
    *,
    tercero_id: int,
    type_id: int,
    due_at: datetime | None = None,
    note: str | None = None,
    owner_id: int | None = None,
    document_id: int | None = None,
) -> FollowUpView:
    """Open a follow-up on a tercero of the actor's book. Agents create for themselves;
    supervisors for their team; admins for anyone. ``due_at`` defaults to now + the type's
    hours."""
    note = clean_note(note)
    async with crm.write() as session:
        return await create_in_session(
            session,
            crm,
            actor,
            tercero_id=tercero_id,
            type_id=type_id,
            due_at=due_at,
            note=note,
            owner_id=owner_id,
            document_id=document_id,
        )


async def create_in_session(
    session: AsyncSession,
    crm: Crm,
    actor: Actor,
    *,
    tercero_id: int,
    type_id: int,
    due_at: datetime | None = None,
    note: str | None = None,
    owner_id: int | None = None,
    document_id: int | None = None,
    parent: FollowUp | None = None,
) -> FollowUpView:
    """The body of :func:`create_followup`, for use cases that create inside their own
    transaction (bulk cartera starts, continuation)."""
    now = crm.now()
    owner_id = owner_id or actor.id
    if owner_id is None:
        raise InvalidInput("error.owner_required")
    await ensure_can_act_for(session, actor, owner_id)
    owner = await session.get(User, owner_id)
    if owner is None or not owner.active:
        raise InvalidInput("error.owner_inactive")
    # The tercero must be in the actor's book (the one /cerca and searches list): a follow-up
    # pulls its tercero into the owner's book, so creating one is no way into another's.
    tercero = await ensure_can_see_tercero(session, actor, tercero_id)
    ftype = await session.get(FollowUpType, type_id)
    if ftype is None or not ftype.active:
        raise InvalidInput("error.unknown_type")
    if document_id is not None:
        document = await session.get(Document, document_id)
        if document is None or document.tercero_id != tercero_id:
            raise InvalidInput("error.document_not_of_tercero")
    due = due_at or now + timedelta(hours=ftype.default_hours)
    if due.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    followup = FollowUp(
        tercero_id=tercero_id,
        type_id=type_id,
        owner_id=owner_id,
        due_at=due,
        status=FollowUpStatus.ACTIVE,
        document_id=document_id,
        note=note,
        created_at=now,
        created_by_id=actor.id,
        parent_id=parent.id if parent else None,
        root_id=(parent.root_id or parent.id) if parent else None,
        postpone_count=0,
        version=1,
    )
    session.add(followup)
    await session.flush()
    session.add(_event(followup, "created", now, actor, to_due=due, text=note))
    audit.record(
        session,
        at=now,
        actor_id=actor.id,
        entity="followup",
        entity_id=followup.id,
        action="create",
        after={
            "tercero": tercero.nit,
            "type": ftype.name,
            "owner": owner.code,
            "due": due.isoformat(),
            "parent": followup.parent_id,
        },
    )
    return await view(session, followup.id)


# --- actions ---------------------------------------------------------------------------------


def postponed_due(current_due: datetime, now: datetime, hours: int) -> datetime:
    """New due = the later of now and the current due, plus ``hours``."""
    return max(now, current_due) + timedelta(hours=hours)


async def postpone(
    crm: Crm, actor: Actor, followup_id: int, hours: int, expected_version: int | None = None
) -> FollowUpView:
    """Move the due time by ``hours`` (1–720) from the later of now and the current due."""
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise InvalidInput("error.bad_hours", min=MIN_HOURS, max=MAX_HOURS)
    now = crm.now()
    async with crm.write() as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        return await _move_due(
            session, actor, followup, postponed_due(followup.due_at, now, hours), now
        )


async def postpone_until(
    crm: Crm, actor: Actor, followup_id: int, due_at: datetime, expected_version: int | None = None
) -> FollowUpView:
    """Move the due time to a given instant (e.g. "mañana" from a ping); it must be future."""
    now = crm.now()
    if due_at <= now:
        raise InvalidInput("error.due_in_past")
    async with crm.write() as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        return await _move_due(session, actor, followup, due_at, now)


async def _move_due(
    session: AsyncSession, actor: Actor, followup: FollowUp, new_due: datetime, now: datetime
) -> FollowUpView:
    old_due = followup.due_at
    followup.due_at = new_due
    followup.postpone_count += 1
    followup.version += 1
    # A new due time re-arms the ping; any claim on the old one is void.
    followup.claimed_by = None
    followup.claimed_until = None
    session.add(_event(followup, "postponed", now, actor, from_due=old_due, to_due=new_due))
    audit.record(
        session,
        at=now,
        actor_id=actor.id,
        entity="followup",
        entity_id=followup.id,
        action="postpone",
        before={"due": old_due.isoformat()},
        after={"due": new_due.isoformat()},
    )
    await session.flush()
    return await view(session, followup.id)


async def close(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    state_id: int,
    note: str | None = None,
    expected_version: int | None = None,
) -> FollowUpView:
    """Successful close with a closing-meaning state and an optional note."""
    note = clean_note(note)
    now = crm.now()
    async with crm.write() as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        state = await session.get(State, state_id)
        if state is None or not state.active or state.meaning != "closed":
            raise InvalidInput("error.bad_close_state")
        return await _finish(session, actor, followup, FollowUpStatus.CLOSED, state, note, now)


async def discard(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    *,
    state_id: int | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
) -> FollowUpView:
    """Discard with a discarded-meaning state or a typed reason; it stays in history."""
    reason = clean_note(reason)
    if state_id is None and not reason:
        raise InvalidInput("error.discard_reason_required")
    now = crm.now()
    async with crm.write() as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        state = None
        if state_id is not None:
            state = await session.get(State, state_id)
            if state is None or not state.active or state.meaning != "discarded":
                raise InvalidInput("error.bad_discard_state")
        return await _finish(
            session, actor, followup, FollowUpStatus.DISCARDED, state, reason, now
        )


async def _finish(
    session: AsyncSession,
    actor: Actor,
    followup: FollowUp,
    status: str,
    state: State | None,
    text: str | None,
    now: datetime,
) -> FollowUpView:
    before = {"status": followup.status, "state_id": followup.state_id}
    followup.status = status
    followup.state_id = state.id if state else followup.state_id
    followup.closed_at = now
    followup.version += 1
    followup.claimed_by = None
    followup.claimed_until = None
    session.add(
        _event(followup, status, now, actor, state_id=state.id if state else None, text=text)
    )
    audit.record(
        session,
        at=now,
        actor_id=actor.id,
        entity="followup",
        entity_id=followup.id,
        action="close" if status == "closed" else "discard",
        before=before,
        after={"status": status, "state": state.name if state else None, "note": text},
    )
    await session.flush()
    return await view(session, followup.id)


async def continue_followup(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    due_at: datetime | None = None,
    note: str | None = None,
    hours: int | None = None,
) -> FollowUpView:
    """Open the next follow-up of the lineage: child of a closed one, same tercero and type,
    due = now + the type's hours unless given (as an instant or as ``hours`` from now)."""
    note = clean_note(note)
    now = crm.now()
    if hours is not None:
        if not MIN_HOURS <= hours <= MAX_HOURS:
            raise InvalidInput("error.bad_hours", min=MIN_HOURS, max=MAX_HOURS)
        due_at = now + timedelta(hours=hours)
    async with crm.write() as session:
        parent = await session.get(FollowUp, followup_id, with_for_update=True)
        if parent is None:
            raise NotFound()
        await ensure_can_act_for(session, actor, parent.owner_id)
        if parent.status != FollowUpStatus.CLOSED:
            raise InvalidInput("error.continue_needs_closed")
        # A closed follow-up continues once: the lineage goes on from its continuation.
        child_exists = await session.scalar(
            select(FollowUp.id).where(FollowUp.parent_id == parent.id).limit(1)
        )
        if child_exists is not None:
            raise InvalidInput("error.already_continued", id=child_exists)
        if due_at is not None and due_at <= now:
            raise InvalidInput("error.due_in_past")
        child = await create_in_session(
            session,
            crm,
            actor,
            tercero_id=parent.tercero_id,
            type_id=parent.type_id,
            due_at=due_at,
            note=note or parent.note,
            owner_id=parent.owner_id,
            document_id=parent.document_id,
            parent=parent,
        )
        session.add(_event(parent, "continued", now, actor, text=f"#{child.id}"))
        return child


async def set_state(
    crm: Crm,
    actor: Actor,
    followup_id: int,
    state_id: int,
    expected_version: int | None = None,
) -> FollowUpView:
    """Move an active follow-up to another open-meaning state ("En gestión", "Pendiente"…)
    without closing it: one transaction, permission and version re-checked, one
    ``state_changed`` event (history, reports) and its audit row."""
    now = crm.now()
    async with crm.write() as session:
        followup = await _load_for_update(session, actor, followup_id, expected_version)
        state = await session.get(State, state_id)
        if state is None or not state.active or state.meaning != "open":
            raise InvalidInput("error.bad_open_state")
        if followup.state_id == state.id:
            raise InvalidInput("error.state_unchanged")
        old = await session.get(State, followup.state_id) if followup.state_id else None
        followup.state_id = state.id
        followup.version += 1
        session.add(_event(followup, "state_changed", now, actor, state_id=state.id))
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="followup",
            entity_id=followup.id,
            action="state",
            before={"state": old.name if old else None},
            after={"state": state.name},
        )
        await session.flush()
        return await view(session, followup.id)
