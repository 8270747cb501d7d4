"""/usuarios use cases: scope, role/team/status changes by admins only, audited."""

from __future__ import annotations

import pytest

from crm.kernel.actor import resolve_actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized
from crm.people import admin as user_admin
from tests.conftest import seed_team


@pytest.fixture
async def ids(crm: Crm) -> dict[str, int]:
    return await seed_team(crm)


async def test_admin_sees_everyone_supervisor_only_team(crm: Crm, ids) -> None:
    admin, ana = await resolve_actor(crm, 1), await resolve_actor(crm, 2)
    everyone = await user_admin.users_page(crm, admin)
    assert everyone.total == 6 and everyone.can_edit
    team = await user_admin.users_page(crm, ana)
    assert sorted(u.code for u in team.users) == ["ANA", "LUIS", "MARIA"]
    assert not team.can_edit
    with pytest.raises(NotAuthorized):
        await user_admin.users_page(crm, await resolve_actor(crm, 3))
    with pytest.raises(NotAuthorized):
        await user_admin.get_user(crm, ana, ids["PEDRO"])


async def test_paging(crm: Crm, ids) -> None:
    from crm.people.users import add_user

    for n in range(10):
        await add_user(crm, 1000 + n, f"Extra {n}", f"EXTRA{n}", "agent")
    admin = await resolve_actor(crm, 1)
    first = await user_admin.users_page(crm, admin, 0)
    last = await user_admin.users_page(crm, admin, 99)
    assert first.pages == 2 and len(first.users) == 8
    assert last.page == 1 and len(last.users) == 8
    assert {u.code for u in first.users}.isdisjoint({u.code for u in last.users})


async def test_deactivate_takes_access_reactivate_gives_it_back(crm: Crm, ids) -> None:
    admin = await resolve_actor(crm, 1)
    await user_admin.set_active(crm, admin, ids["LUIS"], False)
    assert await resolve_actor(crm, 3) is None
    await user_admin.set_active(crm, admin, ids["LUIS"], True)
    assert (await resolve_actor(crm, 3)) is not None


async def test_role_and_team_changes(crm: Crm, ids) -> None:
    admin = await resolve_actor(crm, 1)
    pedro = await user_admin.set_supervisor(crm, admin, ids["PEDRO"], ids["ANA"])
    assert pedro.supervisor_code == "ANA"
    with pytest.raises(InvalidInput):
        await user_admin.set_supervisor(crm, admin, ids["PEDRO"], ids["LUIS"])  # not supervisor
    ana = await user_admin.set_role(crm, admin, ids["ANA"], "agent")
    assert ana.role == "agent"
    # Her former agents are left without a supervisor.
    luis = await user_admin.get_user(crm, admin, ids["LUIS"])
    assert luis.supervisor_code is None
    promoted = await user_admin.set_role(crm, admin, ids["PEDRO"], "supervisor")
    assert promoted.role == "supervisor" and promoted.supervisor_code is None


async def test_only_admins_change_and_not_themselves(crm: Crm, ids) -> None:
    admin, ana = await resolve_actor(crm, 1), await resolve_actor(crm, 2)
    with pytest.raises(NotAuthorized):
        await user_admin.set_active(crm, ana, ids["LUIS"], False)
    with pytest.raises(NotAuthorized):
        await user_admin.set_role(crm, ana, ids["LUIS"], "supervisor")
    with pytest.raises(InvalidInput):
        await user_admin.set_active(crm, admin, ids["ADMIN"], False)
    assert (await resolve_actor(crm, 3)) is not None
