"""Confirm tokens claimed with their action (SQLite and PostgreSQL): two presses at the same
instant act once; guards live in the use cases (last closing state, last type, open states)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from crm.cobranza import starts
from crm.followups import catalogs
from crm.followups import lifecycle as followups
from crm.kernel import confirmations
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized
from crm.people import reassign
from storage.models import AuditEntry, Confirmation, FollowUp, State
from tests.conftest import seed_team
from tests.support.data import make_document, make_tercero, state_id, type_id


async def _actor(crm: Crm, tg: int) -> Actor:
    actor = await resolve_actor(crm, tg)
    assert actor is not None
    return actor


async def _count(crm: Crm, model: object, *where: object) -> int:
    async with crm.sessions() as session:
        return int(
            await session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]
        )


async def test_two_presses_at_once_reassign_once(crm: Crm) -> None:
    ids = await seed_team(crm)
    luis, ana = await _actor(crm, 3), await _actor(crm, 2)
    for n in range(3):
        tercero = await make_tercero(crm, nit=f"90055{n}-1", encargado_id=ids["LUIS"])
        await followups.create_followup(crm, luis, tercero_id=tercero, type_id=await type_id(crm))
    token = await confirmations.issue(crm, ana)
    results = await asyncio.gather(
        *(reassign.reassign_all(crm, ana, ids["LUIS"], ids["MARIA"], token) for _ in range(3))
    )
    assert sorted(r.repeated for r in results) == [False, True, True]
    assert {(r.open_followups, r.terceros) for r in results} == {(3, 3)}
    assert await _count(crm, AuditEntry, AuditEntry.action == "reassign") == 1
    assert await _count(crm, FollowUp, FollowUp.owner_id == ids["MARIA"]) == 3


async def test_two_presses_at_once_start_all_once(crm: Crm) -> None:
    ids = await seed_team(crm)
    ana = await _actor(crm, 2)
    tercero = await make_tercero(crm, encargado_id=ids["LUIS"])
    for n in ("1", "2"):
        await make_document(crm, tercero, n, balance="500")
    token = await confirmations.issue(crm, ana)
    results = await asyncio.gather(
        *(starts.start_all(crm, ana, tercero_id=tercero, token=token) for _ in range(2))
    )
    assert sorted(r.created for r in results) == [2, 2]
    assert results[0].followup_ids == results[1].followup_ids
    assert await _count(crm, FollowUp) == 2


async def test_a_token_belongs_to_its_action_and_actor(crm: Crm) -> None:
    ids = await seed_team(crm)
    ana, admin = await _actor(crm, 2), await _actor(crm, 1)
    token = await confirmations.issue(crm, ana)
    await reassign.reassign_all(crm, ana, ids["LUIS"], ids["MARIA"], token)
    with pytest.raises(NotAuthorized):  # someone else replaying it
        await reassign.reassign_all(crm, admin, ids["LUIS"], ids["MARIA"], token)
    with pytest.raises(InvalidInput):  # another action
        await starts.start_all(crm, ana, token=token)
    with pytest.raises(InvalidInput):  # not a token we draw
        await reassign.reassign_all(crm, ana, ids["LUIS"], ids["MARIA"], "x")


async def test_a_token_acts_only_for_the_user_it_was_shown_to(crm: Crm) -> None:
    """Pressed first by someone else (a forwarded prompt, crafted data): refused, nothing
    moves, and the user it was shown to can still confirm."""
    ids = await seed_team(crm)
    luis, ana, admin = await _actor(crm, 3), await _actor(crm, 2), await _actor(crm, 1)
    tercero = await make_tercero(crm, encargado_id=ids["LUIS"])
    await followups.create_followup(crm, luis, tercero_id=tercero, type_id=await type_id(crm))
    shown_to_ana = await confirmations.issue(crm, ana)
    with pytest.raises(NotAuthorized):
        await reassign.reassign_all(crm, admin, ids["LUIS"], ids["MARIA"], shown_to_ana)
    assert await _count(crm, FollowUp, FollowUp.owner_id == ids["MARIA"]) == 0
    assert await _count(crm, AuditEntry, AuditEntry.action == "reassign") == 0
    with pytest.raises(InvalidInput):  # a well-formed token never drawn
        await reassign.reassign_all(crm, ana, ids["LUIS"], ids["MARIA"], confirmations.new_token())
    done = await reassign.reassign_all(crm, ana, ids["LUIS"], ids["MARIA"], shown_to_ana)
    assert not done.repeated and done.open_followups == 1


async def test_last_closing_state_keeps_its_meaning_and_types_stay(crm: Crm) -> None:
    await seed_team(crm)
    admin = await _actor(crm, 1)
    async with crm.sessions() as session:
        closing = list(
            (await session.scalars(select(State.id).where(State.meaning == "closed"))).all()
        )
    for sid in closing[:-1]:
        await catalogs.set_meaning(crm, admin, sid, "open")
    with pytest.raises(InvalidInput) as refused:
        await catalogs.set_meaning(crm, admin, closing[-1], "discarded")
    assert refused.value.key == "error.catalog_last_closing_meaning"
    with pytest.raises(InvalidInput):
        await catalogs.set_active(crm, admin, "state", closing[-1], False)
    assert (await catalogs.get_item(crm, admin, "state", closing[-1])).meaning == "closed"
    # An inactive closing state may change meaning freely (it closes nothing).
    await catalogs.set_meaning(crm, admin, closing[0], "closed")
    await catalogs.set_active(crm, admin, "state", closing[0], False)
    changed = await catalogs.set_meaning(crm, admin, closing[0], "open")
    assert changed.meaning == "open"


async def test_set_state_only_open_states_of_active_followups(crm: Crm) -> None:
    await seed_team(crm)
    luis = await _actor(crm, 3)
    tercero = await make_tercero(crm, encargado_id=luis.id)
    f = await followups.create_followup(crm, luis, tercero_id=tercero, type_id=await type_id(crm))
    pending = await state_id(crm, "Pendiente")
    moved = await followups.set_state(crm, luis, f.id, pending, expected_version=1)
    assert moved.state == "Pendiente" and moved.is_active and moved.version == 2
    with pytest.raises(InvalidInput):
        await followups.set_state(crm, luis, f.id, pending)  # unchanged
    with pytest.raises(InvalidInput):
        await followups.set_state(crm, luis, f.id, await state_id(crm, "Pagado"))
    audit = await _count(crm, AuditEntry, AuditEntry.action == "state")
    assert audit == 1


async def test_old_claims_are_forgotten_after_a_month(crm: Crm, clock: FakeClock) -> None:
    ids = await seed_team(crm)
    ana = await _actor(crm, 2)
    old = await confirmations.issue(crm, ana)
    await reassign.reassign_all(crm, ana, ids["LUIS"], ids["MARIA"], old)
    shown = await confirmations.issue(crm, ana)  # shown, never pressed
    clock.advance(days=31)
    await reassign.reassign_all(
        crm, ana, ids["MARIA"], ids["LUIS"], await confirmations.issue(crm, ana)
    )
    async with crm.sessions() as session:
        tokens = (await session.scalars(select(Confirmation.token))).all()
    assert old not in tokens and shown not in tokens and len(tokens) == 1
