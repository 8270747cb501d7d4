"""Moving a book: all open follow-ups and terceros of one person to another (/reasignar), or
one tercero from its card. Supervisors within their team, admins anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel import audit, confirmations
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized, NotFound
from crm.kernel.permissions import can_act_for
from storage.models import FollowUp, FollowUpEvent, FollowUpStatus, Tercero, User


@dataclass(frozen=True)
class Person:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class ReassignPreview:
    source: Person
    target: Person
    open_followups: int
    terceros: int
    # True when this was a repeated press of a confirmation that had already run.
    repeated: bool = False


@dataclass(frozen=True)
class TerceroReassignment:
    tercero_id: int
    tercero_name: str
    source: Person | None
    target: Person
    open_followups: int
    repeated: bool = False


def _person(user: User) -> Person:
    return Person(user.id, user.code, user.name)


def _person_json(person: Person | None) -> list[Any] | None:
    return None if person is None else [person.id, person.code, person.name]


def _person_from(raw: Any) -> Person | None:
    return None if raw is None else Person(int(raw[0]), str(raw[1]), str(raw[2]))


def _ensure_may_reassign(actor: Actor) -> None:
    if not (actor.is_admin or actor.is_supervisor):
        raise NotAuthorized()


async def _user_by_code(session: AsyncSession, code: str) -> User:
    user = await session.scalar(
        select(User).where(func.upper(User.code) == code.strip().upper()[:40])
    )
    if user is None:
        raise NotFound("error.unknown_user", code=code.strip()[:40])
    return user


async def _check_pair(session: AsyncSession, actor: Actor, source: User, target: User) -> None:
    if not await can_act_for(session, actor, source.id):
        raise NotAuthorized()
    if not await can_act_for(session, actor, target.id):
        raise NotAuthorized()
    if source.id == target.id:
        raise InvalidInput("error.reassign_same_user")
    if not target.active:
        raise InvalidInput("error.owner_inactive")


async def _counts(session: AsyncSession, source_id: int) -> tuple[int, int]:
    followups = await session.scalar(
        select(func.count(FollowUp.id)).where(
            FollowUp.owner_id == source_id, FollowUp.status == FollowUpStatus.ACTIVE
        )
    )
    terceros = await session.scalar(
        select(func.count(Tercero.id)).where(Tercero.encargado_id == source_id)
    )
    return int(followups or 0), int(terceros or 0)


async def preview_reassign(
    crm: Crm, actor: Actor, source_code: str, target_code: str
) -> ReassignPreview:
    """What /reasignar would move: the counts shown before the confirmation."""
    _ensure_may_reassign(actor)
    async with crm.read() as session:
        source = await _user_by_code(session, source_code)
        target = await _user_by_code(session, target_code)
        await _check_pair(session, actor, source, target)
        followups, terceros = await _counts(session, source.id)
    return ReassignPreview(_person(source), _person(target), followups, terceros)


async def _move_followups(
    session: AsyncSession,
    crm: Crm,
    actor: Actor,
    source: User,
    target: User,
    tercero_id: int | None = None,
) -> list[int]:
    now = crm.now()
    query = select(FollowUp).where(
        FollowUp.owner_id == source.id, FollowUp.status == FollowUpStatus.ACTIVE
    )
    if tercero_id is not None:
        query = query.where(FollowUp.tercero_id == tercero_id)
    followups = (await session.scalars(query.with_for_update())).all()
    for followup in followups:
        followup.owner_id = target.id
        followup.version += 1
        # The new owner gets their own ping; the old claim belongs to the old owner.
        followup.claimed_by = None
        followup.claimed_until = None
        session.add(
            FollowUpEvent(
                followup_id=followup.id,
                kind="reassigned",
                at=now,
                actor_id=actor.id,
                text=f"{source.code} → {target.code}",
            )
        )
    return [f.id for f in followups]


async def reassign_all(
    crm: Crm, actor: Actor, source_id: int, target_id: int, token: str | None = None
) -> ReassignPreview:
    """Move every open follow-up and every tercero (encargado) from one person to another,
    in one transaction; returns what was moved. With the confirm button's ``token`` it runs
    once: a repeated press returns the first press's result (``repeated``)."""
    _ensure_may_reassign(actor)
    async with crm.write() as session:
        ticket = await confirmations.claim(session, crm, actor, token, "reassign")
        if ticket.previous is not None:
            p = ticket.previous
            source_p, target_p = _person_from(p["source"]), _person_from(p["target"])
            assert source_p is not None and target_p is not None
            return ReassignPreview(source_p, target_p, p["followups"], p["terceros"], True)
        source = await session.get(User, source_id)
        target = await session.get(User, target_id)
        if source is None or target is None:
            raise NotFound()
        await _check_pair(session, actor, source, target)
        moved = await _move_followups(session, crm, actor, source, target)
        result = await session.execute(
            update(Tercero).where(Tercero.encargado_id == source.id).values(encargado_id=target.id)
        )
        terceros = int(result.rowcount or 0)  # type: ignore[attr-defined]
        audit.record(
            session,
            at=crm.now(),
            actor_id=actor.id,
            entity="user",
            entity_id=source.id,
            action="reassign",
            before={"owner": source.code},
            after={"owner": target.code, "followups": moved, "terceros": terceros},
        )
        done = ReassignPreview(_person(source), _person(target), len(moved), terceros)
        ticket.keep(
            {
                "source": _person_json(done.source),
                "target": _person_json(done.target),
                "followups": done.open_followups,
                "terceros": done.terceros,
            }
        )
    return done


async def _tercero_in_scope(session: AsyncSession, actor: Actor, tercero_id: int) -> Tercero:
    _ensure_may_reassign(actor)
    tercero = await session.get(Tercero, tercero_id, with_for_update=True)
    if tercero is None:
        raise NotFound()
    if not await can_act_for(session, actor, tercero.encargado_id):
        raise NotAuthorized()
    return tercero


async def tercero_candidates(crm: Crm, actor: Actor, tercero_id: int) -> list[Person]:
    """Active people the actor may hand this tercero to (not its current encargado)."""
    async with crm.read() as session:
        tercero = await _tercero_in_scope(session, actor, tercero_id)
        query = select(User).where(User.active.is_(True)).order_by(User.code)
        if not actor.is_admin:
            query = query.where((User.id == actor.id) | (User.supervisor_id == actor.id))
        users = (await session.scalars(query)).all()
    return [_person(u) for u in users if u.id != tercero.encargado_id]


async def preview_tercero(
    crm: Crm, actor: Actor, tercero_id: int, target_id: int
) -> TerceroReassignment:
    """What handing one tercero to ``target_id`` would move."""
    async with crm.read() as session:
        tercero = await _tercero_in_scope(session, actor, tercero_id)
        target = await session.get(User, target_id)
        if target is None:
            raise NotFound()
        source = await session.get(User, tercero.encargado_id) if tercero.encargado_id else None
        await _check_target(session, actor, source, target)
        count = 0
        if source is not None:
            count = int(
                await session.scalar(
                    select(func.count(FollowUp.id)).where(
                        FollowUp.tercero_id == tercero.id,
                        FollowUp.owner_id == source.id,
                        FollowUp.status == FollowUpStatus.ACTIVE,
                    )
                )
                or 0
            )
    return TerceroReassignment(
        tercero.id, tercero.name, _person(source) if source else None, _person(target), count
    )


async def _check_target(
    session: AsyncSession, actor: Actor, source: User | None, target: User
) -> None:
    if not await can_act_for(session, actor, target.id):
        raise NotAuthorized()
    if not target.active:
        raise InvalidInput("error.owner_inactive")
    if source is not None and source.id == target.id:
        raise InvalidInput("error.reassign_same_user")


async def reassign_tercero(
    crm: Crm, actor: Actor, tercero_id: int, target_id: int, token: str | None = None
) -> TerceroReassignment:
    """Make ``target_id`` the tercero's encargado and move the previous encargado's open
    follow-ups on it, in one transaction (once per confirm ``token``)."""
    _ensure_may_reassign(actor)
    async with crm.write() as session:
        ticket = await confirmations.claim(session, crm, actor, token, "reassign_tercero")
        if ticket.previous is not None:
            p = ticket.previous
            target_p = _person_from(p["target"])
            assert target_p is not None
            return TerceroReassignment(
                p["tercero_id"],
                p["tercero_name"],
                _person_from(p["source"]),
                target_p,
                p["followups"],
                True,
            )
        tercero = await _tercero_in_scope(session, actor, tercero_id)
        target = await session.get(User, target_id)
        if target is None:
            raise NotFound()
        source = await session.get(User, tercero.encargado_id) if tercero.encargado_id else None
        await _check_target(session, actor, source, target)
        moved = (
            await _move_followups(session, crm, actor, source, target, tercero.id)
            if source is not None
            else []
        )
        tercero.encargado_id = target.id
        audit.record(
            session,
            at=crm.now(),
            actor_id=actor.id,
            entity="tercero",
            entity_id=tercero.id,
            action="reassign",
            before={"encargado": source.code if source else None},
            after={"encargado": target.code, "followups": moved},
        )
        result = TerceroReassignment(
            tercero.id,
            tercero.name,
            _person(source) if source else None,
            _person(target),
            len(moved),
        )
        ticket.keep(
            {
                "tercero_id": result.tercero_id,
                "tercero_name": result.tercero_name,
                "source": _person_json(result.source),
                "target": _person_json(result.target),
                "followups": result.open_followups,
            }
        )
    return result
