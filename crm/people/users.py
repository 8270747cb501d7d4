"""Users: adding, listing, deactivating them and remembering their language."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel import audit
from crm.kernel.actor import SYSTEM, Actor, check_role
from crm.kernel.context import Crm
from crm.kernel.errors import Duplicate, InvalidInput, NotFound
from crm.kernel.text import xml_safe
from storage.models import User


@dataclass(frozen=True)
class UserView:
    id: int
    telegram_id: int | None  # None: pending (imported, not yet linked to Telegram)
    name: str
    code: str
    role: str
    supervisor_code: str | None
    active: bool
    unreachable: bool


def user_view(user: User, supervisor_code: str | None) -> UserView:
    """The view of a users row, with its supervisor's code."""
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


async def supervisor_code(session: AsyncSession, user: User) -> str | None:
    """The code of ``user``'s supervisor, if any."""
    if user.supervisor_id is None:
        return None
    return await session.scalar(select(User.code).where(User.id == user.supervisor_id))


async def add_user(
    crm: Crm,
    telegram_id: int,
    name: str,
    code: str,
    role: str,
    supervisor_code: str | None = None,
    actor: Actor = SYSTEM,
) -> UserView:
    """Register a user; refuses duplicate codes or ids and unknown supervisors."""
    role = check_role(role)
    code = xml_safe(code).strip().upper()
    name = xml_safe(name).strip()
    if not code or not name:
        raise InvalidInput("error.user_fields")
    async with crm.write(wait=True) as session:
        clash = await session.scalar(
            select(User).where(or_(User.code == code, User.telegram_id == telegram_id))
        )
        if clash is not None:
            field = "code" if clash.code == code else "telegram_id"
            raise Duplicate(
                "error.duplicate_user", field=field, value=code if field == "code" else telegram_id
            )
        supervisor_id = None
        if supervisor_code:
            supervisor = await session.scalar(
                select(User).where(User.code == supervisor_code.strip().upper())
            )
            if supervisor is None:
                raise NotFound("error.unknown_supervisor", code=supervisor_code)
            supervisor_id = supervisor.id
        user = User(
            telegram_id=telegram_id,
            name=name,
            code=code,
            role=role,
            supervisor_id=supervisor_id,
            active=True,
            created_at=crm.now(),
        )
        session.add(user)
        await session.flush()
        audit.record(
            session,
            at=crm.now(),
            actor_id=actor.id,
            entity="user",
            entity_id=user.id,
            action="create",
            after={"code": code, "name": name, "role": role, "supervisor": supervisor_code},
        )
        return UserView(
            user.id,
            telegram_id,
            name,
            code,
            role,
            supervisor_code.upper() if supervisor_code else None,
            True,
            False,
        )


async def list_users(crm: Crm) -> list[UserView]:
    """Every user, with the code of its supervisor."""
    async with crm.read() as session:
        users = (await session.scalars(select(User).order_by(User.code))).all()
    codes = {u.id: u.code for u in users}
    return [
        UserView(
            u.id,
            u.telegram_id,
            u.name,
            u.code,
            u.role,
            codes.get(u.supervisor_id) if u.supervisor_id else None,
            u.active,
            u.unreachable,
        )
        for u in users
    ]


async def deactivate_user(crm: Crm, code: str, actor: Actor = SYSTEM) -> None:
    """Take away a user's access; their history stays."""
    async with crm.write(wait=True) as session:
        user = await session.scalar(select(User).where(User.code == code.strip().upper()))
        if user is None:
            raise NotFound("error.unknown_user", code=code)
        if user.active:
            user.active = False
            audit.record(
                session,
                at=crm.now(),
                actor_id=actor.id,
                entity="user",
                entity_id=user.id,
                action="deactivate",
                before={"active": True},
                after={"active": False},
            )


async def remember_language(crm: Crm, actor: Actor, language: str | None) -> None:
    """Keep the user's Telegram language so scheduled messages speak it too."""
    if actor.id is None or not language or language == actor.language:
        return
    async with crm.write() as session:
        user = await session.get(User, actor.id)
        if user is not None:
            user.language = language
