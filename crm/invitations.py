"""Onboarding by link: one-time invitation codes that register a Telegram user with a role."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm import audit
from crm.context import Crm
from crm.errors import CrmError, Duplicate, InvalidInput, NotAuthorized
from crm.text import strip_accents
from crm.users import Actor, UserView
from storage.models import Invitation, User

VALID_FOR = timedelta(hours=72)
# Spanish and English role words an admin may type after /invitar.
ROLE_WORDS = {
    "agente": "agent",
    "agent": "agent",
    "vendedor": "agent",
    "supervisor": "supervisor",
    "admin": "admin",
    "administrador": "admin",
}
USER_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")


class InvitationProblem(CrmError):
    """An invitation that cannot be used (unknown, used, expired)."""

    key = "error.invite_unknown"


class AlreadyRegistered(CrmError):
    key = "error.invite_already_registered"


class AccountInactive(CrmError):
    """A deactivated user tried to come back through a link: the gate's refusal applies."""

    key = "gate.refused_short"


@dataclass(frozen=True)
class InvitationView:
    code: str
    role: str
    user_code: str | None
    supervisor_code: str | None
    expires_at: datetime


def parse_role(word: str) -> str:
    """The role named by ``word`` (Spanish or English), or InvalidInput listing the choices."""
    role = ROLE_WORDS.get(strip_accents(word.strip().lower()))
    if role is None:
        raise InvalidInput("error.bad_role", role=word[:40], roles="agente, supervisor, admin")
    return role


def clean_user_code(code: str) -> str:
    """An upper-case user code of letters, digits, ``_`` or ``-`` (at most 40)."""
    value = code.strip().upper()
    if not USER_CODE.match(value):
        raise InvalidInput("error.bad_user_code")
    return value


async def _code_taken(session: AsyncSession, code: str, now: datetime) -> bool:
    user = await session.scalar(select(User.id).where(func.upper(User.code) == code))
    if user is not None:
        return True
    pending = await session.scalar(
        select(Invitation.id).where(
            Invitation.user_code == code,
            Invitation.used_at.is_(None),
            Invitation.expires_at > now,
        )
    )
    return pending is not None


async def create_invitation(
    crm: Crm, actor: Actor, role_word: str, user_code: str | None = None
) -> InvitationView:
    """Create a one-time code valid 72 h. Admins invite any role; supervisors invite agents
    into their own team."""
    role = parse_role(role_word)
    code = clean_user_code(user_code) if user_code else None
    if actor.is_admin:
        supervisor_id = None
        supervisor_code = None
    elif actor.is_supervisor and role == "agent":
        supervisor_id = actor.id
        supervisor_code = actor.code
    else:
        raise NotAuthorized()
    now = crm.now()
    async with crm.sessions.begin() as session:
        if code is not None and await _code_taken(session, code, now):
            raise Duplicate("error.duplicate_user", field="code", value=code)
        invitation = Invitation(
            code=secrets.token_urlsafe(12),
            role=role,
            user_code=code,
            supervisor_id=supervisor_id,
            created_by_id=actor.id,
            created_at=now,
            expires_at=now + VALID_FOR,
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
            after={"role": role, "user_code": code, "supervisor": supervisor_code},
        )
        return InvitationView(invitation.code, role, code, supervisor_code, invitation.expires_at)


def derive_code(name: str, telegram_id: int) -> str:
    """A readable code from the Telegram name: "Carlos Pérez" -> "CARLOSP"."""
    words = [w for w in re.split(r"[^A-Z0-9]+", strip_accents(name).upper()) if w]
    if not words:
        return f"U{telegram_id}"[:40]
    base = words[0][:12] + (words[-1][0] if len(words) > 1 else "")
    return base[:40]


async def _unique_code(session: AsyncSession, wanted: str) -> str:
    candidate, n = wanted, 1
    while await session.scalar(select(User.id).where(func.upper(User.code) == candidate)):
        n += 1
        candidate = f"{wanted[:36]}{n}"
    return candidate


async def accept_invitation(
    crm: Crm, telegram_id: int, full_name: str, invitation_code: str, language: str | None = None
) -> UserView:
    """Register the Telegram user behind ``telegram_id`` with the invitation's role; the code
    can be used once, before it expires."""
    from crm.user_link import link_pending_user

    now = crm.now()
    name = (full_name or "").strip()[:120] or f"Usuario {telegram_id}"
    async with crm.sessions.begin() as session:
        existing = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        if existing is not None:
            if not existing.active:
                raise AccountInactive()
            raise AlreadyRegistered()
        invitation = await session.scalar(
            select(Invitation).where(Invitation.code == invitation_code[:64]).with_for_update()
        )
        if invitation is None:
            raise InvitationProblem("error.invite_unknown")
        if invitation.used_at is not None:
            raise InvitationProblem("error.invite_used")
        if invitation.expires_at <= now:
            raise InvitationProblem("error.invite_expired")
        # A link for a pending user from the ERP binds that user (crm/user_link.py).
        linked = await link_pending_user(session, invitation, telegram_id, language, now)
        if linked is not None:
            return linked
        code = await _unique_code(session, invitation.user_code or derive_code(name, telegram_id))
        supervisor = (
            await session.get(User, invitation.supervisor_id) if invitation.supervisor_id else None
        )
        user = User(
            telegram_id=telegram_id,
            name=name,
            code=code,
            role=invitation.role,
            supervisor_id=supervisor.id if supervisor else None,
            active=True,
            language=language,
            created_at=now,
        )
        session.add(user)
        await session.flush()
        invitation.used_at = now
        invitation.used_by_id = user.id
        audit.record(
            session,
            at=now,
            actor_id=user.id,
            entity="user",
            entity_id=user.id,
            action="join",
            after={
                "code": code,
                "name": name,
                "role": invitation.role,
                "supervisor": supervisor.code if supervisor else None,
                "invitation": invitation.id,
            },
        )
        return UserView(
            user.id,
            telegram_id,
            name,
            code,
            user.role,
            supervisor.code if supervisor else None,
            True,
            False,
        )
