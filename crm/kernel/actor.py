"""The actor behind each update: who they are, their role, and how the gate finds them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, select

from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput
from storage.models import ROLES, Role, User

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
        return self.role == Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT


SYSTEM = Actor(id=None, telegram_id=0, name="crm-bot", code=None, role=Role.ADMIN)


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
    async with crm.read(single=True) as session:
        user = (await session.execute(_BY_TELEGRAM_ID, {"telegram_id": telegram_id})).first()
    if user is not None and user.active:
        actor = actor_from(user)
        if telegram_id in crm.admin_ids and not actor.is_admin:
            return Actor(**{**actor.__dict__, "role": "admin"})
        return actor
    if telegram_id in crm.admin_ids and user is None:
        return Actor(
            id=None, telegram_id=telegram_id, name=full_name or "Admin", code=None, role=Role.ADMIN
        )
    return None


def check_role(role: str) -> str:
    role = role.strip().lower()
    if role not in ROLES:
        raise InvalidInput("error.bad_role", role=role, roles=", ".join(ROLES))
    return role
