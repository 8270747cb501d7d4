"""Users, roles and the actor behind each update."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, or_, select

from crm import audit
from crm.context import Crm
from crm.errors import Duplicate, InvalidInput, NotFound
from crm.text import xml_safe
from storage.db import single_read_session
from storage.models import ROLES, User

ROLE_RANK = {"agent": 0, "supervisor": 1, "admin": 2}


@dataclass(frozen=True)
class Actor:
    """The person acting; ``id`` is None for a bootstrap admin not yet in the users table."""

    id: int | None
    telegram_id: int
    name: str
    code: str | None
    role: str
    supervisor_id: int | None = None
    language: str | None = None
    # Telegram said Forbidden earlier; writing to the bot again re-enables pings.
    unreachable: bool = False

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    @property
    def is_agent(self) -> bool:
        return self.role == "agent"


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


SYSTEM = Actor(id=None, telegram_id=0, name="crm-bot", code=None, role="admin")


# Core, not ORM: the gate runs this on every update, and a plain row is all it needs.
_BY_TELEGRAM_ID = select(User.__table__).where(
    User.__table__.c.telegram_id == bindparam("telegram_id")
)


def actor_from(user: User | Row[Any]) -> Actor:
    """The acting view of a users row."""
    return Actor(
        id=user.id,
        # Only a linked user can act (the gate looks users up by their Telegram id).
        telegram_id=user.telegram_id or 0,
        name=user.name,
        code=user.code,
        role=user.role,
        supervisor_id=user.supervisor_id,
        language=user.language,
        unreachable=user.unreachable,
    )


async def resolve_actor(crm: Crm, telegram_id: int, full_name: str = "") -> Actor | None:
    """The active user with this Telegram id, a bootstrap admin, or None (a stranger).

    Read on every update (never cached), so a deactivation takes effect at the next one."""
    async with single_read_session(crm.sessions) as session:
        user = (await session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()
    if user is not None and user.active:
        actor = actor_from(user)
        if telegram_id in crm.admin_ids and not actor.is_admin:
            return Actor(**{**actor.__dict__, "role": "admin"})
        return actor
    if telegram_id in crm.admin_ids and user is None:
        return Actor(
            id=None, telegram_id=telegram_id, name=full_name or "Admin", code=None, role="admin"
        )
    return None


def check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise InvalidInput("error.bad_role", role=role, roles=", ".join(ROLES))
    return role


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
    async with crm.sessions.begin() as session:
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
    async with crm.sessions.begin() as session:
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
