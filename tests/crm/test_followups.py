"""Follow-up rules: postpone arithmetic, lineage on continue, discard keeps history,
permissions and stale presses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.followups import activity
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import AlreadyFinished, InvalidInput, NotAuthorized, StaleVersion
from storage.models import AuditEntry, FollowUpEvent
from tests.conftest import BOGOTA, seed_team
from tests.support.data import make_tercero, state_id, type_id


@pytest.fixture
async def world(crm: Crm) -> dict[str, object]:
    users = await seed_team(crm)
    tercero = await make_tercero(crm, encargado_id=users["LUIS"])
    actors = {
        code: await resolve_actor(crm, tg)
        for code, tg in (("LUIS", 3), ("MARIA", 4), ("ANA", 2), ("ADMIN", 1), ("PEDRO", 5))
    }
    return {"users": users, "tercero": tercero, **actors}


async def _new(crm: Crm, actor, tercero: int, **kw) -> followups.FollowUpView:  # type: ignore[no-untyped-def]
    return await followups.create_followup(
        crm, actor, tercero_id=tercero, type_id=await type_id(crm), **kw
    )


async def test_create_defaults_due_to_type_hours(crm: Crm, world, clock: FakeClock) -> None:
    f = await _new(crm, world["LUIS"], world["tercero"])
    assert f.due_at == clock.now() + timedelta(hours=24)
    assert f.owner_code == "LUIS" and f.status == "active"
    assert [e.kind for e in f.events] == ["created"]


async def test_postpone_from_future_due_adds_to_due(crm: Crm, world, clock: FakeClock) -> None:
    due = clock.now() + timedelta(hours=5)
    f = await _new(crm, world["LUIS"], world["tercero"], due_at=due)
    moved = await followups.postpone(crm, world["LUIS"], f.id, 4)
    assert moved.due_at == due + timedelta(hours=4)
    assert moved.postpone_count == 1
    assert moved.events[-1].from_due == due and moved.events[-1].to_due == moved.due_at


async def test_postpone_overdue_counts_from_now(crm: Crm, world, clock: FakeClock) -> None:
    f = await _new(crm, world["LUIS"], world["tercero"], due_at=clock.now() + timedelta(hours=1))
    clock.advance(hours=30)  # now overdue by 29 h
    moved = await followups.postpone(crm, world["LUIS"], f.id, 1)
    assert moved.due_at == clock.now() + timedelta(hours=1)


async def test_postpone_across_midnight_in_local_time(crm: Crm, world, clock: FakeClock) -> None:
    clock.set(datetime(2026, 11, 27, 22, 30, tzinfo=BOGOTA))
    f = await _new(
        crm, world["LUIS"], world["tercero"], due_at=datetime(2026, 11, 27, 23, 0, tzinfo=BOGOTA)
    )
    moved = await followups.postpone(crm, world["LUIS"], f.id, 4)
    local = moved.due_at.astimezone(BOGOTA)
    assert (local.day, local.hour, local.minute) == (28, 3, 0)


@pytest.mark.parametrize("text", ["abc", "-5", "9999", "2,5", "0", "", "721", "²", "１２", "٣"])
def test_bad_hours_are_rejected(text: str) -> None:
    with pytest.raises(InvalidInput):
        followups.parse_hours(text)


@pytest.mark.parametrize(("text", "hours"), [("1", 1), ("720", 720), (" 12 ", 12), ("+4 h", 4)])
def test_good_hours(text: str, hours: int) -> None:
    assert followups.parse_hours(text) == hours


async def test_close_then_continue_builds_lineage(crm: Crm, world, clock: FakeClock) -> None:
    luis = world["LUIS"]
    main = await _new(crm, luis, world["tercero"], note="Llamar por factura")
    closed = await followups.close(crm, luis, main.id, await state_id(crm, "Pagado"), "abonó")
    assert closed.status == "closed" and closed.state == "Pagado" and closed.closed_at
    child = await followups.continue_followup(crm, luis, main.id)
    assert child.parent_id == main.id and child.root_id == main.id
    assert child.tercero.id == main.tercero.id and child.due_at == clock.now() + timedelta(
        hours=24
    )
    await followups.close(crm, luis, child.id, await state_id(crm, "Pagado"))
    grandchild = await followups.continue_followup(crm, luis, child.id)
    assert grandchild.root_id == main.id and grandchild.parent_id == child.id
    lineage = await activity.history(crm, luis, grandchild.id)
    assert [f.id for f in lineage.followups] == [main.id, child.id, grandchild.id]
    assert [e.kind for e in lineage.followups[0].events] == ["created", "closed", "continued"]
    with pytest.raises(InvalidInput):
        await followups.continue_followup(crm, luis, grandchild.id)  # still active


async def test_discard_keeps_history(crm: Crm, world) -> None:
    luis = world["LUIS"]
    f = await _new(crm, luis, world["tercero"])
    await activity.add_observation(crm, luis, f.id, "No contesta")
    gone = await followups.discard(crm, luis, f.id, reason="Cliente cerró el negocio")
    assert gone.status == "discarded"
    lineage = await activity.history(crm, luis, f.id)
    kinds = [e.kind for e in lineage.followups[0].events]
    assert kinds == ["created", "observation", "discarded"]
    assert lineage.followups[0].events[-1].text == "Cliente cerró el negocio"
    with pytest.raises(InvalidInput):
        await followups.discard(crm, luis, (await _new(crm, luis, world["tercero"])).id)


async def test_finished_followup_refuses_every_action(crm: Crm, world) -> None:
    luis = world["LUIS"]
    f = await _new(crm, luis, world["tercero"])
    await followups.discard(crm, luis, f.id, reason="duplicado")
    for action in (
        followups.postpone(crm, luis, f.id, 4),
        followups.close(crm, luis, f.id, await state_id(crm, "Pagado")),
        activity.add_observation(crm, luis, f.id, "x"),
        followups.discard(crm, luis, f.id, reason="y"),
    ):
        with pytest.raises(AlreadyFinished):
            await action


async def test_stale_version_changes_nothing(crm: Crm, world) -> None:
    luis = world["LUIS"]
    f = await _new(crm, luis, world["tercero"])
    await followups.postpone(crm, luis, f.id, 1, expected_version=f.version)
    with pytest.raises(StaleVersion):
        await followups.postpone(crm, luis, f.id, 1, expected_version=f.version)
    card = await followups.get_followup(crm, luis, f.id)
    assert card.postpone_count == 1


async def test_permissions_agent_supervisor_admin(crm: Crm, world) -> None:
    f = await _new(crm, world["LUIS"], world["tercero"])
    with pytest.raises(NotAuthorized):
        await followups.get_followup(crm, world["MARIA"], f.id)
    with pytest.raises(NotAuthorized):
        await followups.postpone(crm, world["PEDRO"], f.id, 4)
    assert (await followups.postpone(crm, world["ANA"], f.id, 4)).postpone_count == 1
    assert (await followups.postpone(crm, world["ADMIN"], f.id, 4)).postpone_count == 2
    with pytest.raises(NotAuthorized):  # an agent cannot create for someone else
        await _new(crm, world["LUIS"], world["tercero"], owner_id=world["users"]["MARIA"])
    made = await _new(crm, world["ANA"], world["tercero"], owner_id=world["users"]["MARIA"])
    assert made.owner_code == "MARIA"


async def test_each_action_writes_one_event_and_audit(crm: Crm, world) -> None:
    luis = world["LUIS"]
    f = await _new(crm, luis, world["tercero"])
    acts = await followups.list_activities(crm)
    await activity.log_activity(crm, luis, f.id, acts[0].id, "nota")
    await activity.attach(crm, luis, f.id, kind="location", latitude=4.6, longitude=-74.1)
    await activity.attach(crm, luis, f.id, kind="photo", file_id="AgAD", caption="fachada")
    async with crm.sessions() as session:
        events = await session.scalar(select(func.count()).select_from(FollowUpEvent))
        audits = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "followup")
        )
    assert events == 4 and audits == 4


async def test_observation_length_limit(crm: Crm, world) -> None:
    f = await _new(crm, world["LUIS"], world["tercero"])
    with pytest.raises(InvalidInput):
        await activity.add_observation(crm, world["LUIS"], f.id, "x" * 1001)
    ok = await activity.add_observation(crm, world["LUIS"], f.id, "<b>&*" + "x" * 990)
    assert ok.events[-1].text.startswith("<b>&*")
