"""Invitations: who may invite whom, one use only, 72 hours, codes given or derived."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import Duplicate, InvalidInput, NotAuthorized
from crm.people.invitations import (
    AccountInactive,
    AlreadyRegistered,
    InvitationProblem,
    accept_invitation,
    create_invitation,
    derive_code,
)
from storage.models import AuditEntry, User
from tests.conftest import seed_team


@pytest.fixture
async def team(crm: Crm) -> dict[str, object]:
    ids = await seed_team(crm)
    return {
        "ids": ids,
        "admin": await resolve_actor(crm, 1),
        "ana": await resolve_actor(crm, 2),
        "luis": await resolve_actor(crm, 3),
    }


async def test_admin_invites_supervisor_who_registers_once(crm: Crm, team) -> None:
    inv = await create_invitation(crm, team["admin"], "supervisor", "csup")
    assert inv.role == "supervisor" and inv.user_code == "CSUP"
    user = await accept_invitation(crm, 900, "Carla Supervisora", inv.code)
    assert (user.code, user.role, user.name) == ("CSUP", "supervisor", "Carla Supervisora")
    actor = await resolve_actor(crm, 900)
    assert actor is not None and actor.is_supervisor
    with pytest.raises(InvitationProblem) as used:
        await accept_invitation(crm, 901, "Otra Persona", inv.code)
    assert used.value.key == "error.invite_used"
    assert await resolve_actor(crm, 901) is None


async def test_supervisor_invites_agents_into_own_team_only(crm: Crm, team) -> None:
    inv = await create_invitation(crm, team["ana"], "agente")
    assert inv.supervisor_code == "ANA"
    user = await accept_invitation(crm, 902, "Jorge Pérez Díaz", inv.code)
    assert user.supervisor_code == "ANA" and user.role == "agent"
    assert user.code == "JORGED"  # first name + initial of the last word, accents removed
    with pytest.raises(NotAuthorized):
        await create_invitation(crm, team["ana"], "supervisor")
    with pytest.raises(NotAuthorized):
        await create_invitation(crm, team["ana"], "admin")


async def test_agent_cannot_invite(crm: Crm, team) -> None:
    with pytest.raises(NotAuthorized):
        await create_invitation(crm, team["luis"], "agente")


async def test_expired_and_unknown_codes_register_nobody(crm: Crm, team, clock: FakeClock) -> None:
    inv = await create_invitation(crm, team["admin"], "agent")
    clock.advance(hours=72, seconds=1)
    with pytest.raises(InvitationProblem) as expired:
        await accept_invitation(crm, 903, "Tarde", inv.code)
    assert expired.value.key == "error.invite_expired"
    with pytest.raises(InvitationProblem) as unknown:
        await accept_invitation(crm, 903, "Tarde", "nope-not-a-code")
    assert unknown.value.key == "error.invite_unknown"
    assert await resolve_actor(crm, 903) is None


async def test_still_valid_just_before_72_hours(crm: Crm, team, clock: FakeClock) -> None:
    inv = await create_invitation(crm, team["admin"], "agent")
    clock.advance(hours=71, minutes=59)
    assert (await accept_invitation(crm, 904, "A Tiempo", inv.code)).role == "agent"


async def test_registered_or_deactivated_users_cannot_reuse_links(crm: Crm, team) -> None:
    inv = await create_invitation(crm, team["admin"], "admin")
    with pytest.raises(AlreadyRegistered):
        await accept_invitation(crm, 3, "Luis", inv.code)
    with pytest.raises(AccountInactive):
        await accept_invitation(crm, 6, "Ex Empleado", inv.code)
    assert (await resolve_actor(crm, 3)).role == "agent"  # type: ignore[union-attr]
    assert await resolve_actor(crm, 6) is None


async def test_code_clashes(crm: Crm, team) -> None:
    with pytest.raises(Duplicate):
        await create_invitation(crm, team["admin"], "agent", "LUIS")
    await create_invitation(crm, team["admin"], "agent", "NUEVO")
    with pytest.raises(Duplicate):  # pending invitation already promises that code
        await create_invitation(crm, team["admin"], "agent", "nuevo")
    with pytest.raises(InvalidInput):
        await create_invitation(crm, team["admin"], "agent", "con espacio<b>")
    with pytest.raises(InvalidInput):
        await create_invitation(crm, team["admin"], "jefe")


async def test_derived_code_made_unique(crm: Crm, team) -> None:
    first = await create_invitation(crm, team["admin"], "agent")
    second = await create_invitation(crm, team["admin"], "agent")
    a = await accept_invitation(crm, 910, "Luis", first.code)
    b = await accept_invitation(crm, 911, "Luis", second.code)
    assert a.code == "LUIS2" and b.code == "LUIS3"  # LUIS itself is taken by the seed


def test_derive_code_without_letters() -> None:
    assert derive_code("😀", 42) == "U42"
    assert derive_code("Ñoño Núñez", 1) == "NONON"


async def test_invitation_and_join_are_audited(crm: Crm, team) -> None:
    inv = await create_invitation(crm, team["admin"], "agent", "AUD")
    user = await accept_invitation(crm, 920, "Aud Itor", inv.code)
    async with crm.sessions() as session:
        rows = (
            await session.execute(
                select(AuditEntry.entity, AuditEntry.action, AuditEntry.actor_id).where(
                    AuditEntry.entity.in_(["invitation", "user"]),
                    AuditEntry.action.in_(["create", "join"]),
                    AuditEntry.actor_id.is_not(None),
                )
            )
        ).all()
        joined = await session.scalar(select(User).where(User.telegram_id == 920))
    assert ("invitation", "create", team["ids"]["ADMIN"]) in rows
    assert ("user", "join", user.id) in rows
    assert joined is not None and joined.active
