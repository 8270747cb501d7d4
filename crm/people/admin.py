"""/usuarios: list users (admins all, supervisors their team) and change role, team, status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm.kernel import audit, confirmations, paging
from crm.kernel.actor import Actor, check_role
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized, NotFound
from crm.people.users import UserView, supervisor_code, user_view
from storage.models import FollowUp, FollowUpStatus, Role, User

PAGE_SIZE = 8


@dataclass(frozen=True)
class UsersPage:
    users: tuple[UserView, ...]
    page: int
    pages: int
    total: int
    can_edit: bool


@dataclass(frozen=True)
class Outcome:
    """The user after a confirmed change; ``repeated`` when the confirmation had already run
    (a double tap, another instance) and this press changed nothing."""

    user: UserView
    repeated: bool = False


@dataclass(frozen=True)
class RolePreview:
    """What a role change would do: the agents a supervisor would leave without a team."""

    user: UserView
    role: str
    orphans: tuple[str, ...]


@dataclass(frozen=True)
class DeactivatePreview:
    user: UserView
    open_followups: int


def _scope(actor: Actor) -> object:
    if actor.is_admin:
        return None
    if actor.is_supervisor:
        return or_(User.id == actor.id, User.supervisor_id == actor.id)
    raise NotAuthorized()


async def users_page(crm: Crm, actor: Actor, page: int = 0) -> UsersPage:
    """One page of users with role, team and status; supervisors see only their team."""
    scope = _scope(actor)
    sup = aliased(User)
    async with crm.read() as session:
        count = select(func.count(User.id))
        query = (
            select(User, sup.code)
            .outerjoin(sup, sup.id == User.supervisor_id)
            .order_by(User.active.desc(), User.code)
        )
        if scope is not None:
            count = count.where(scope)  # type: ignore[arg-type]
            query = query.where(scope)  # type: ignore[arg-type]
        total = int(await session.scalar(count) or 0)
        page, pages = paging.window(total, PAGE_SIZE, page)
        rows = (await session.execute(query.offset(page * PAGE_SIZE).limit(PAGE_SIZE))).all()
    views = tuple(user_view(u, code) for u, code in rows)
    return UsersPage(views, page, pages, total, actor.is_admin)


async def _load_visible(session: AsyncSession, actor: Actor, user_id: int) -> User:
    _scope(actor)
    user = await session.get(User, user_id, with_for_update=True)
    if user is None:
        raise NotFound()
    if not actor.is_admin and user.id != actor.id and user.supervisor_id != actor.id:
        raise NotAuthorized()
    return user


async def get_user(crm: Crm, actor: Actor, user_id: int) -> UserView:
    """One user's card, if the actor may see it."""
    async with crm.read() as session:
        user = await _load_visible(session, actor, user_id)
        return user_view(user, await supervisor_code(session, user))


async def supervisors(crm: Crm, actor: Actor) -> list[UserView]:
    """Active supervisors an admin can put an agent under."""
    if not actor.is_admin:
        raise NotAuthorized()
    async with crm.read() as session:
        rows = (
            await session.scalars(
                select(User)
                .where(User.role == Role.SUPERVISOR, User.active.is_(True))
                .order_by(User.code)
            )
        ).all()
    return [user_view(u, None) for u in rows]


async def _load_for_admin(
    session: AsyncSession, actor: Actor, user_id: int, lock: bool = True
) -> User:
    if not actor.is_admin:
        raise NotAuthorized()
    user = await session.get(User, user_id, with_for_update=lock)
    if user is None:
        raise NotFound()
    # An admin cannot lock themselves out (demote or deactivate their own account).
    if actor.id is not None and user.id == actor.id:
        raise InvalidInput("error.users_not_self")
    return user


async def preview_role(crm: Crm, actor: Actor, user_id: int, role: str) -> RolePreview:
    """Before a role change: the codes of the agents it would leave without a team (a
    supervisor who stops being one); the handler asks for confirmation when there are any."""
    role = check_role(role)
    async with crm.read() as session:
        user = await _load_for_admin(session, actor, user_id, lock=False)
        orphans: tuple[str, ...] = ()
        if user.role == Role.SUPERVISOR and role != Role.SUPERVISOR:
            orphans = tuple(
                (
                    await session.scalars(
                        select(User.code).where(User.supervisor_id == user.id).order_by(User.code)
                    )
                ).all()
            )
        return RolePreview(user_view(user, await supervisor_code(session, user)), role, orphans)


async def set_role(
    crm: Crm, actor: Actor, user_id: int, role: str, token: str | None = None
) -> UserView:
    """Change a user's role (admins only). A non-agent has no team; a former supervisor's
    agents are left without supervisor."""
    return (await set_role_once(crm, actor, user_id, role, token)).user


async def set_role_once(
    crm: Crm, actor: Actor, user_id: int, role: str, token: str | None
) -> Outcome:
    """:func:`set_role` behind a confirm button: once per ``token``."""
    role = check_role(role)
    now = crm.now()
    async with crm.write() as session:
        user = await _load_for_admin(session, actor, user_id)
        ticket = await confirmations.claim(session, crm, actor, token, "role")
        if ticket.repeated:
            return Outcome(user_view(user, await supervisor_code(session, user)), True)
        ticket.keep({"user": user.id, "role": role})
        before = {"role": user.role, "supervisor_id": user.supervisor_id}
        if user.role == role:
            return Outcome(user_view(user, await supervisor_code(session, user)))
        released: list[int] = []
        if user.role == Role.SUPERVISOR:
            released = list(
                (await session.scalars(select(User.id).where(User.supervisor_id == user.id))).all()
            )
            await session.execute(
                update(User).where(User.supervisor_id == user.id).values(supervisor_id=None)
            )
        user.role = role
        if role != Role.AGENT:
            user.supervisor_id = None
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="user",
            entity_id=user.id,
            action="role",
            before=before,
            after={"role": role, "supervisor_id": user.supervisor_id, "released": released},
        )
        return Outcome(user_view(user, await supervisor_code(session, user)))


async def set_supervisor(
    crm: Crm, actor: Actor, user_id: int, supervisor_id: int | None
) -> UserView:
    """Put an agent in a supervisor's team, or in none (admins only)."""
    now = crm.now()
    async with crm.write() as session:
        user = await _load_for_admin(session, actor, user_id)
        if user.role != Role.AGENT:
            raise InvalidInput("error.users_team_agents_only")
        supervisor = None
        if supervisor_id is not None:
            supervisor = await session.get(User, supervisor_id)
            if supervisor is None or supervisor.role != Role.SUPERVISOR or not supervisor.active:
                raise InvalidInput("error.users_bad_supervisor")
        before = {"supervisor_id": user.supervisor_id}
        user.supervisor_id = supervisor.id if supervisor else None
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="user",
            entity_id=user.id,
            action="team",
            before=before,
            after={"supervisor_id": user.supervisor_id},
        )
        return user_view(user, supervisor.code if supervisor else None)


async def preview_deactivate(crm: Crm, actor: Actor, user_id: int) -> DeactivatePreview:
    """Before deactivating: the user and their open follow-ups (they stay in their name)."""
    async with crm.read() as session:
        user = await _load_for_admin(session, actor, user_id, lock=False)
        count = await session.scalar(
            select(func.count(FollowUp.id)).where(
                FollowUp.owner_id == user.id, FollowUp.status == FollowUpStatus.ACTIVE
            )
        )
        view = user_view(user, await supervisor_code(session, user))
    return DeactivatePreview(view, int(count or 0))


async def set_active(crm: Crm, actor: Actor, user_id: int, active: bool) -> UserView:
    """Deactivate (access ends at the user's next update) or reactivate a user (admins)."""
    return (await set_active_once(crm, actor, user_id, active, None)).user


async def set_active_once(
    crm: Crm, actor: Actor, user_id: int, active: bool, token: str | None
) -> Outcome:
    """:func:`set_active` behind a confirm button: once per ``token``."""
    now = crm.now()
    async with crm.write() as session:
        user = await _load_for_admin(session, actor, user_id)
        ticket = await confirmations.claim(session, crm, actor, token, "user_active")
        if ticket.repeated:
            return Outcome(user_view(user, await supervisor_code(session, user)), True)
        ticket.keep({"user": user.id, "active": active})
        if user.active != active:
            audit.record(
                session,
                at=now,
                actor_id=actor.id,
                entity="user",
                entity_id=user.id,
                action="activate" if active else "deactivate",
                before={"active": user.active},
                after={"active": active},
            )
            user.active = active
        return Outcome(user_view(user, await supervisor_code(session, user)))
