"""Pending users (imported without Telegram) get a one-time link that binds their account.

``create_link`` makes an invitation tied to the pending user (the /invitar machinery in
crm/invitations.py); ``accept_invitation`` hands such an invitation to ``link_pending_user``,
which binds the first Telegram account that opens it instead of registering a new user.
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
from crm.people.users import UserView
from storage.models import Invitation, User


@dataclass(frozen=True)
class UserLink:
    invitation_code: str
    user: UserView
    expires_at: datetime


def _view(user: User, supervisor_code: str | None) -> UserView:
    return UserView(
        user.id,
        user.telegram_id,
        user.name,
        user.code,
        user.role,
        supervisor_code,
        user.active,
        user.unreachable,
    )


async def _user(session: AsyncSession, code: str) -> User:
    user = await session.scalar(select(User).where(User.code == code.strip().upper()))
    if user is None:
        raise NotFound("error.unknown_user", code=code)
    return user


async def _supervisor_code(session: AsyncSession, user: User) -> str | None:
    if user.supervisor_id is None:
        return None
    return await session.scalar(select(User.code).where(User.id == user.supervisor_id))


async def create_link(crm: Crm, code: str, actor: Actor = SYSTEM) -> UserLink:
    """A one-time link (valid like /invitar's) for the pending user ``code``."""
    from crm.kernel.permissions import ensure_role
    from crm.people.invitations import VALID_FOR

    ensure_role(actor, "admin")
    now = crm.now()
    async with crm.sessions.begin() as session:
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
        view = _view(user, await _supervisor_code(session, user))
        return UserLink(invitation.code, view, invitation.expires_at)


async def link_pending_user(
    session: AsyncSession,
    invitation: Invitation,
    telegram_id: int,
    language: str | None,
    now: datetime,
) -> UserView | None:
    """Bind ``telegram_id`` to the invitation's pending user; None for a plain invitation.
    Runs inside ``accept_invitation``'s transaction, after its validity checks."""
    from crm.people.invitations import AccountInactive, InvitationProblem

    if invitation.link_user_id is None:
        return None
    user = await session.get(User, invitation.link_user_id, with_for_update=True)
    if user is None or user.telegram_id is not None:
        raise InvitationProblem("error.invite_used")
    if not user.active:
        raise AccountInactive()
    user.telegram_id = telegram_id
    user.language = language or user.language
    user.unreachable = False
    user.unreachable_reported = False
    invitation.used_at = now
    invitation.used_by_id = user.id
    await session.flush()
    audit.record(
        session,
        at=now,
        actor_id=user.id,
        entity="user",
        entity_id=user.id,
        action="link",
        after={"code": user.code, "telegram_id": telegram_id, "invitation": invitation.id},
    )
    return _view(user, await _supervisor_code(session, user))


async def set_active(crm: Crm, code: str, active: bool, actor: Actor = SYSTEM) -> UserView:
    """Give back (or take away) a user's access; history stays either way."""
    from crm.kernel.permissions import ensure_role

    ensure_role(actor, "admin")
    async with crm.sessions.begin() as session:
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
        return _view(user, await _supervisor_code(session, user))
