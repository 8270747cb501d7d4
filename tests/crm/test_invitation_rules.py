"""Invitations are re-checked when used: the creator must still be active and still allowed
to invite that role; admins list and revoke open ones; a derived code another acceptance
takes meanwhile is retried. Escalations go only to active supervisors or admins."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

import crm.people.invitations as invitations
from crm.followups import pings as nt
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import NotAuthorized
from crm.people import admin as user_admin
from crm.people.invitations import (
    InvitationProblem,
    accept_invitation,
    create_invitation,
    list_open_invitations,
    revoke_invitation,
)
from crm.people.users import add_user
from storage.models import AuditEntry, User
from tests.conftest import seed_team
from tests.support.data import make_tercero
from tests.support.notify import add_followups

LEASE = timedelta(minutes=10)


async def actor(crm: Crm, telegram_id: int) -> Actor:
    found = await resolve_actor(crm, telegram_id)
    assert found is not None
    return found


async def registered(crm: Crm, telegram_id: int) -> User | None:
    async with crm.sessions() as session:
        return await session.scalar(select(User).where(User.telegram_id == telegram_id))


async def test_an_admin_deactivated_after_inviting_creates_nobody(crm: Crm) -> None:
    await seed_team(crm)
    await add_user(crm, 50, "Otra Admin", "OTRA", "admin")
    otra = await actor(crm, 50)
    assert otra.id is not None
    admin_link = await create_invitation(crm, otra, "admin")
    agent_link = await create_invitation(crm, otra, "agente")
    await user_admin.set_active(crm, await actor(crm, 1), otra.id, False)
    for link in (admin_link, agent_link):
        with pytest.raises(InvitationProblem) as refused:
            await accept_invitation(crm, 900, "Intruso", link.code)
        assert refused.value.key == "error.invite_creator_cannot"
    assert await registered(crm, 900) is None


async def test_an_admin_made_agent_can_no_longer_hand_out_admin(crm: Crm) -> None:
    await seed_team(crm)
    await add_user(crm, 50, "Otra Admin", "OTRA", "admin")
    otra = await actor(crm, 50)
    assert otra.id is not None
    link = await create_invitation(crm, otra, "admin")
    await user_admin.set_role(crm, await actor(crm, 1), otra.id, "agent")
    with pytest.raises(InvitationProblem) as refused:
        await accept_invitation(crm, 900, "Intruso", link.code)
    assert refused.value.key == "error.invite_creator_cannot"
    assert await registered(crm, 900) is None


async def test_a_demoted_supervisors_link_builds_her_no_team(crm: Crm) -> None:
    users = await seed_team(crm)
    ana = await actor(crm, 2)
    link = await create_invitation(crm, ana, "agente")
    admin = await actor(crm, 1)
    await user_admin.set_role(crm, admin, users["ANA"], "agent")
    with pytest.raises(InvitationProblem) as refused:
        await accept_invitation(crm, 901, "Nuevo Agente", link.code)
    assert refused.value.key == "error.invite_creator_cannot"
    # Promoted to admin instead: she may still invite agents, but leads no team.
    await user_admin.set_role(crm, admin, users["ANA"], "admin")
    joined = await accept_invitation(crm, 901, "Nuevo Agente", link.code)
    assert joined.role == "agent" and joined.supervisor_code is None


async def test_a_still_valid_supervisor_link_joins_her_team(crm: Crm) -> None:
    users = await seed_team(crm)
    link = await create_invitation(crm, await actor(crm, 2), "agente")
    joined = await accept_invitation(crm, 902, "Jorge Pérez", link.code)
    assert joined.supervisor_code == "ANA"
    stored = await registered(crm, 902)
    assert stored is not None and stored.supervisor_id == users["ANA"]


async def test_bootstrap_admin_links_last_while_the_id_is_configured(crm: Crm) -> None:
    await seed_team(crm)
    boot = Crm(crm.sessions, crm.tz, crm.clock, admin_ids=frozenset({77}))
    boot_admin = await resolve_actor(boot, 77)
    assert boot_admin is not None and boot_admin.id is None
    link = await create_invitation(boot, boot_admin, "supervisor")
    other = await create_invitation(boot, boot_admin, "supervisor")
    joined = await accept_invitation(boot, 903, "Sofía Supervisora", link.code)
    assert joined.role == "supervisor"
    # The id is taken out of CRM_ADMIN_IDS: its other link dies with it.
    with pytest.raises(InvitationProblem) as refused:
        await accept_invitation(crm, 904, "Otro", other.code)
    assert refused.value.key == "error.invite_creator_cannot"


async def test_admins_list_and_revoke_open_invitations(crm: Crm, clock: FakeClock) -> None:
    await seed_team(crm)
    admin, ana = await actor(crm, 1), await actor(crm, 2)
    first = await create_invitation(crm, admin, "supervisor", "SUPNUEVA")
    second = await create_invitation(crm, ana, "agente")
    used = await create_invitation(crm, admin, "agente")
    await accept_invitation(crm, 905, "Usado", used.code)
    clock.advance(minutes=5)
    listed = await list_open_invitations(crm, admin)
    assert [(i.role, i.user_code, i.created_by) for i in listed] == [
        ("supervisor", "SUPNUEVA", "ADMIN"),
        ("agent", None, "ANA"),
    ]
    assert listed[1].supervisor_code == "ANA"
    with pytest.raises(NotAuthorized):
        await list_open_invitations(crm, ana)
    with pytest.raises(NotAuthorized):
        await revoke_invitation(crm, ana, listed[0].id)

    await revoke_invitation(crm, admin, listed[0].id)
    assert [i.id for i in await list_open_invitations(crm, admin)] == [listed[1].id]
    with pytest.raises(InvitationProblem) as refused:
        await accept_invitation(crm, 906, "Tarde", first.code)
    assert refused.value.key == "error.invite_revoked"
    with pytest.raises(InvitationProblem) as again:
        await revoke_invitation(crm, admin, listed[0].id)
    assert again.value.key == "error.invite_revoked"
    # A revoked invitation no longer reserves its code.
    assert (await create_invitation(crm, admin, "supervisor", "SUPNUEVA")).user_code == "SUPNUEVA"
    async with crm.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "revoke"))
    assert entry is not None and entry.entity == "invitation"
    assert second.code != first.code


async def test_four_same_name_acceptances_at_once_all_register(crm: Crm) -> None:
    await seed_team(crm)
    admin = await actor(crm, 1)
    links = [await create_invitation(crm, admin, "agente") for _ in range(4)]
    joined = await asyncio.gather(
        *(
            accept_invitation(crm, 910 + n, "Carlos Pérez", link.code)
            for n, link in enumerate(links)
        )
    )
    assert sorted(u.code for u in joined) == ["CARLOSP", "CARLOSP2", "CARLOSP3", "CARLOSP4"]


async def test_a_code_taken_between_check_and_insert_is_retried(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic version of the race: the first look says CARLOSP is free although a
    committed user holds it, as when a concurrent acceptance commits in between."""
    await seed_team(crm)
    admin = await actor(crm, 1)
    await add_user(crm, 920, "Carlos Pérez", "CARLOSP", "agent")
    link = await create_invitation(crm, admin, "agente")
    real = invitations._code_taken
    lied: list[str] = []

    async def stale_first_look(session, code, now, exclude_invitation=None):  # type: ignore[no-untyped-def]
        if not lied:
            lied.append(code)
            return False
        return await real(session, code, now, exclude_invitation)

    monkeypatch.setattr(invitations, "_code_taken", stale_first_look)
    joined = await accept_invitation(crm, 921, "Carlos Pérez", link.code)
    assert lied == ["CARLOSP"] and joined.code == "CARLOSP2"


async def test_derived_codes_skip_codes_reserved_by_open_invitations(crm: Crm) -> None:
    await seed_team(crm)
    admin = await actor(crm, 1)
    await create_invitation(crm, admin, "agente", "CARLOSP")
    link = await create_invitation(crm, admin, "agente")
    joined = await accept_invitation(crm, 930, "Carlos Pérez", link.code)
    assert joined.code == "CARLOSP2"


async def test_escalations_skip_a_supervisor_who_is_no_longer_one(
    crm: Crm, clock: FakeClock
) -> None:
    users = await seed_team(crm)
    tercero = await make_tercero(crm, encargado_id=users["LUIS"])
    now = clock.now()
    await add_followups(crm, users["LUIS"], tercero, now - timedelta(hours=50))
    # Data from before role changes released a team: ANA is an agent, LUIS still points at her.
    async with crm.sessions.begin() as session:
        await session.execute(update(User).where(User.id == users["ANA"]).values(role="agent"))
    [escalation] = await nt.claim_escalations(crm, "A", 48, now, LEASE, 50)
    assert [m.recipient.telegram_id for m in escalation.messages] == [1]  # the admin
