"""Which terceros an actor may see: the book.

An agent's book is every tercero where it is the ``encargado`` or owns a follow-up (of any
status, so it can still look up the history it worked on); a supervisor's book is its own plus
its team's; an admin sees everything. The book is expressed as a subquery of tercero ids so
the database can drive the document queries through their ``tercero_id`` indexes.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, CompoundSelect, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from crm.kernel.actor import Actor
from crm.kernel.errors import NotAuthorized, NotFound
from crm.kernel.permissions import owner_filter
from storage.models import FollowUp, Tercero, User


def book_of_user(user_id: int) -> CompoundSelect:
    """Tercero ids in one user's own book (encargado or owner of a follow-up)."""
    return union(
        select(Tercero.id).where(Tercero.encargado_id == user_id),
        select(FollowUp.tercero_id).where(FollowUp.owner_id == user_id),
    )


def visible_tercero_ids(actor: Actor) -> CompoundSelect | None:
    """Tercero ids the actor may see; None means all (admin)."""
    if actor.is_admin:
        return None
    return union(
        select(Tercero.id).where(owner_filter(actor, Tercero.encargado_id)),
        select(FollowUp.tercero_id).where(owner_filter(actor, FollowUp.owner_id)),
    )


def tercero_visible(
    actor: Actor, tercero_column: ColumnElement[int] | QueryableAttribute[int]
) -> ColumnElement[bool]:
    """A WHERE clause limiting a tercero id column to the actor's book."""
    ids = visible_tercero_ids(actor)
    if ids is None:
        return tercero_column.is_not(None)
    return tercero_column.in_(ids)


async def ensure_can_see_tercero(session: AsyncSession, actor: Actor, tercero_id: int) -> Tercero:
    """The tercero, if it exists and is in the actor's book; NotFound / NotAuthorized else."""
    tercero = await session.get(Tercero, tercero_id)
    if tercero is None:
        raise NotFound()
    if actor.is_admin:
        return tercero
    if tercero.encargado_id is not None and tercero.encargado_id in await _scope_ids(
        session, actor
    ):
        return tercero
    owns = await session.scalar(
        select(FollowUp.id)
        .where(FollowUp.tercero_id == tercero_id, owner_filter(actor, FollowUp.owner_id))
        .limit(1)
    )
    if owns is None:
        raise NotAuthorized()
    return tercero


async def _scope_ids(session: AsyncSession, actor: Actor) -> set[int]:
    if actor.id is None:
        return set()
    if actor.is_supervisor:
        # Read once per session: a bulk start checks every follow-up it creates.
        key = ("scope_ids", actor.id)
        if key not in session.info:
            team = await session.scalars(select(User.id).where(User.supervisor_id == actor.id))
            session.info[key] = {actor.id, *team.all()}
        return set(session.info[key])
    return {actor.id}
