"""Who may see and act on whose follow-ups and terceros. Checked on every use case."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from crm.kernel.actor import Actor
from crm.kernel.errors import NotAuthorized
from storage.models import User


def owner_filter(
    actor: Actor, owner_column: InstrumentedAttribute[Any] | ColumnElement[Any]
) -> ColumnElement[bool]:
    """A WHERE clause limiting ``owner_column`` (a users.id column) to the actor's scope."""
    if actor.is_admin:
        return literal(True)
    if actor.is_supervisor:
        team = select(User.id).where(User.supervisor_id == actor.id)
        return or_(owner_column == actor.id, owner_column.in_(team))
    return owner_column == actor.id


async def can_act_for(session: AsyncSession, actor: Actor, owner_id: int | None) -> bool:
    """Whether the actor may act on something owned by ``owner_id``."""
    if actor.is_admin:
        return True
    if owner_id is None:
        return False
    if owner_id == actor.id:
        return True
    if actor.is_supervisor:
        owner = await session.get(User, owner_id)
        return owner is not None and owner.supervisor_id == actor.id
    return False


async def ensure_can_act_for(session: AsyncSession, actor: Actor, owner_id: int | None) -> None:
    if not await can_act_for(session, actor, owner_id):
        raise NotAuthorized()


def ensure_role(actor: Actor, *roles: str) -> None:
    if actor.role not in roles:
        raise NotAuthorized()
