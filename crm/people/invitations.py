"""Onboarding by link: one-time invitation codes that register a Telegram user with a role."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.kernel import audit
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import CrmError, Duplicate, InvalidInput, NotAuthorized, NotFound
from crm.kernel.text import strip_accents, xml_safe
from crm.people.users import UserView, supervisor_code, user_view
from storage.models import Invitation, Role, User

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


async def _code_taken(
    session: AsyncSession, code: str, now: datetime, exclude_invitation: int | None = None
) -> bool:
    """A user has ``code``, or an open invitation (other than ``exclude_invitation``)
    reserves it."""
    user = await session.scalar(select(User.id).where(func.upper(User.code) == code))
    if user is not None:
        return True
    query = select(Invitation.id).where(
        Invitation.user_code == code,
        Invitation.used_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > now,
    )
    if exclude_invitation is not None:
        query = query.where(Invitation.id != exclude_invitation)
    return (await session.scalar(query.limit(1))) is not None


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
    elif actor.is_supervisor and role == Role.AGENT:
        supervisor_id = actor.id
        supervisor_code = actor.code
    else:
        raise NotAuthorized()
    now = crm.now()
    async with crm.write() as session:
        if code is not None and await _code_taken(session, code, now):
            raise Duplicate("error.duplicate_user", field="code", value=code)
        invitation = Invitation(
            code=secrets.token_urlsafe(12),
            role=role,
            user_code=code,
            supervisor_id=supervisor_id,
            created_by_id=actor.id,
            created_by_telegram_id=actor.telegram_id or None,
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


# How many codes an acceptance tries before giving up (each after a concurrent one took it).
CODE_ATTEMPTS = 20


async def _free_code(
    session: AsyncSession, wanted: str, now: datetime, invitation_id: int, start: int = 1
) -> tuple[str, int]:
    """The first of ``wanted``, ``wanted2``, ``wanted3``... that no user has and no other open
    invitation reserves, with its number."""
    n = start
    while True:
        candidate = wanted if n == 1 else f"{wanted[:36]}{n}"
        if not await _code_taken(session, candidate, now, exclude_invitation=invitation_id):
            return candidate, n
        n += 1


async def _creator_may_still_invite(
    crm: Crm, session: AsyncSession, invitation: Invitation
) -> bool:
    """Whether whoever created ``invitation`` could create it now: active, and an admin (any
    role) or a supervisor (agents only). Bootstrap admins (CRM_ADMIN_IDS) count while they
    are configured and not deactivated; invitations without a recorded creator (made by the
    system) stay valid."""
    creator: User | None = None
    if invitation.created_by_id is not None:
        creator = await session.get(User, invitation.created_by_id)
        if creator is None:
            return False
    elif invitation.created_by_telegram_id is not None:
        telegram_id = invitation.created_by_telegram_id
        creator = await session.scalar(select(User).where(User.telegram_id == telegram_id))
        if creator is None:
            return telegram_id in crm.admin_ids
    else:
        return True
    if not creator.active:
        return False
    if creator.role == Role.ADMIN or creator.telegram_id in crm.admin_ids:
        return True
    return creator.role == Role.SUPERVISOR and invitation.role == Role.AGENT


async def _team_lead(session: AsyncSession, invitation: Invitation) -> User | None:
    """The invitation's supervisor while she still is an active supervisor: a link made by
    a supervisor who was since moved to another role builds her no team."""
    if invitation.supervisor_id is None:
        return None
    supervisor = await session.get(User, invitation.supervisor_id)
    if supervisor is None or not supervisor.active or supervisor.role != Role.SUPERVISOR:
        return None
    return supervisor


async def accept_invitation(
    crm: Crm, telegram_id: int, full_name: str, invitation_code: str, language: str | None = None
) -> UserView:
    """Register the Telegram user behind ``telegram_id`` with the invitation's role; the code
    can be used once, before it expires, while it is not revoked and its creator may still
    invite that role. A code derived from the name that another acceptance takes meanwhile
    is retried with the next number."""
    now = crm.now()
    name = xml_safe(full_name or "").strip()[:120] or f"Usuario {telegram_id}"
    async with crm.write() as session:
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
        if invitation.revoked_at is not None:
            raise InvitationProblem("error.invite_revoked")
        if invitation.expires_at <= now:
            raise InvitationProblem("error.invite_expired")
        if not await _creator_may_still_invite(crm, session, invitation):
            raise InvitationProblem("error.invite_creator_cannot")
        # A link for a pending user from the ERP binds that user (crm/user_link.py).
        linked = await link_pending_user(session, invitation, telegram_id, language, now)
        if linked is not None:
            return linked
        supervisor = await _team_lead(session, invitation)
        if invitation.role != Role.AGENT:
            supervisor = None
        wanted = invitation.user_code or derive_code(name, telegram_id)
        user, n = None, 1
        for _ in range(CODE_ATTEMPTS):
            code, n = await _free_code(session, wanted, now, invitation.id, n)
            candidate = User(
                telegram_id=telegram_id,
                name=name,
                code=code,
                role=invitation.role,
                supervisor_id=supervisor.id if supervisor else None,
                active=True,
                language=language,
                created_at=now,
            )
            try:
                async with session.begin_nested():
                    session.add(candidate)
                    await session.flush()
            except IntegrityError:
                # A concurrent acceptance committed this code (or this Telegram id) after
                # our check: look again, from the next number.
                if await session.scalar(select(User.id).where(User.telegram_id == telegram_id)):
                    raise AlreadyRegistered() from None
                if invitation.user_code is not None:
                    raise Duplicate("error.duplicate_user", field="code", value=code) from None
                n += 1
                continue
            user = candidate
            break
        if user is None:
            raise Duplicate("error.duplicate_user", field="code", value=wanted)
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


# --- open invitations (/invitaciones) --------------------------------------------------------


@dataclass(frozen=True)
class OpenInvitation:
    id: int
    role: str
    user_code: str | None
    supervisor_code: str | None
    created_by: str
    expires_at: datetime


async def list_open_invitations(crm: Crm, actor: Actor) -> list[OpenInvitation]:
    """Unused, unexpired, unrevoked invitations, soonest to expire first (admins only)."""
    if not actor.is_admin:
        raise NotAuthorized()
    now = crm.now()
    creator = aliased(User)
    supervisor = aliased(User)
    query = (
        select(Invitation, creator.code, creator.name, supervisor.code)
        .outerjoin(creator, creator.id == Invitation.created_by_id)
        .outerjoin(supervisor, supervisor.id == Invitation.supervisor_id)
        .where(
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .order_by(Invitation.expires_at, Invitation.id)
    )
    async with crm.read() as session:
        rows = (await session.execute(query)).all()
    return [
        OpenInvitation(
            inv.id,
            inv.role,
            inv.user_code,
            sup_code,
            by_code
            or by_name
            or (f"id {inv.created_by_telegram_id}" if inv.created_by_telegram_id else "crm-bot"),
            inv.expires_at,
        )
        for inv, by_code, by_name, sup_code in rows
    ]


async def revoke_invitation(crm: Crm, actor: Actor, invitation_id: int) -> OpenInvitation:
    """Withdraw an open invitation (admins only): its link stops working at once."""
    if not actor.is_admin:
        raise NotAuthorized()
    now = crm.now()
    async with crm.write() as session:
        invitation = await session.scalar(
            select(Invitation).where(Invitation.id == invitation_id).with_for_update()
        )
        if invitation is None:
            raise NotFound()
        if invitation.used_at is not None:
            raise InvitationProblem("error.invite_used")
        if invitation.revoked_at is not None:
            raise InvitationProblem("error.invite_revoked")
        if invitation.expires_at <= now:
            raise InvitationProblem("error.invite_expired")
        invitation.revoked_at = now
        invitation.revoked_by_id = actor.id
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="invitation",
            entity_id=invitation.id,
            action="revoke",
            after={"role": invitation.role, "user_code": invitation.user_code},
        )
        return OpenInvitation(
            invitation.id,
            invitation.role,
            invitation.user_code,
            None,
            actor.code or actor.name,
            invitation.expires_at,
        )


async def link_pending_user(
    session: AsyncSession,
    invitation: Invitation,
    telegram_id: int,
    language: str | None,
    now: datetime,
) -> UserView | None:
    """Bind ``telegram_id`` to the invitation's pending user; None for a plain invitation.
    Runs inside ``accept_invitation``'s transaction, after its validity checks."""
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
    return user_view(user, await supervisor_code(session, user))
