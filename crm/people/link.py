"""Pending users (imported without Telegram) get a one-time link that binds their account.

``create_link`` makes an invitation tied to the pending user (the /invitar machinery in
crm/people/invitations.py); ``accept_invitation`` hands such an invitation to
``link_pending_user`` (there), which binds the first Telegram account that opens it instead of
registering a new user.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel import audit
from crm.kernel.actor import SYSTEM, Actor
from crm.kernel.context import Crm
from crm.kernel.errors import Duplicate, NotFound
from crm.kernel.permissions import ensure_role
from crm.people.invitations import VALID_FOR
from crm.people.users import UserView, supervisor_code, user_view
from storage.models import Invitation, User


@dataclass(frozen=True)
class UserLink:
    invitation_code: str
    user: UserView
    expires_at: datetime


async def _user(session: AsyncSession, code: str) -> User:
    user = await session.scalar(select(User).where(User.code == code.strip().upper()))
    if user is None:
        raise NotFound("error.unknown_user", code=code)
    return user


async def create_link(crm: Crm, code: str, actor: Actor = SYSTEM) -> UserLink:
    """A one-time link (valid like /invitar's) for the pending user ``code``."""
    ensure_role(actor, "admin")
    now = crm.now()
    async with crm.write(wait=True) as session:
        user = await _user(session, code)
        if user.telegram_id is not None:
            raise Duplicate("error.user_linked", code=user.code, telegram_id=user.telegram_id)
        invitation = Invitation(
            code=secrets.token_urlsafe(12),
            role=user.role,
            user_code=user.code,
            supervisor_id=user.supervisor_id,
            created_by_id=actor.id,
            created_at=now,
            expires_at=now + VALID_FOR,
            link_user_id=user.id,
        )
        session.add(invitation)
        await session.flush()
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="invitation",
            entity_id=invitation.id,
            action="create",
            after={"links": user.code},
        )
        view = user_view(user, await supervisor_code(session, user))
        return UserLink(invitation.code, view, invitation.expires_at)


async def set_active(crm: Crm, code: str, active: bool, actor: Actor = SYSTEM) -> UserView:
    """Give back (or take away) a user's access; history stays either way."""
    ensure_role(actor, "admin")
    async with crm.write(wait=True) as session:
        user = await _user(session, code)
        if user.active != active:
            user.active = active
            audit.record(
                session,
                at=crm.now(),
                actor_id=actor.id,
                entity="user",
                entity_id=user.id,
                action="activate" if active else "deactivate",
                after={"code": user.code, "active": active},
            )
        return user_view(user, await supervisor_code(session, user))
