"""Issue 11 item 7: every confirm button acts once, double-tapped or pressed on two instances
at once, and the second press shows the first result; "Iniciar todos (N)" and a role change
that leaves agents without a team ask first."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.app import build_application
from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.context import Crm
from storage.models import AuditEntry, Confirmation, FollowUp, User
from tests.conftest import BotHarness, Team, make_settings, seed_team
from tests.support.data import make_document, make_tercero, type_id
from tests.support.telegram import ApiCall, RecordingRequest, UpdateFactory


async def _actor(crm: Crm, tg: int) -> Actor:
    actor = await resolve_actor(crm, tg)
    assert actor is not None
    return actor


async def _audit(crm: Crm, action: str) -> int:
    async with crm.sessions() as session:
        return int(
            await session.scalar(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == action)
            )
            or 0
        )


async def _luis_book(crm: Crm) -> tuple[int, int]:
    luis = await _actor(crm, Team.luis)
    tercero = await make_tercero(crm, encargado_id=luis.id)
    f = await followups.create_followup(crm, luis, tercero_id=tercero, type_id=await type_id(crm))
    return tercero, f.id


def _edit(calls: list[ApiCall]) -> ApiCall:
    return next(c for c in calls if c.method == "editMessageText")


async def test_double_tapped_reassignment_runs_once_and_shows_the_first_result(
    bot: BotHarness,
) -> None:
    _, fid = await _luis_book(bot.crm)
    preview = (await bot.text(Team.ana, "/reasignar LUIS MARIA"))[0]
    confirm = preview.button("Confirmar")
    first = _edit(await bot.press(Team.ana, confirm, message_id=preview.message_id))
    second_calls = await bot.press(Team.ana, confirm, message_id=preview.message_id)
    second = _edit(second_calls)
    assert "Listo: 1 seguimiento y 1 tercero pasaron de LUIS a MARIA" in first.text
    assert second.text == first.text  # not "0 seguimientos y 0 terceros"
    toast = next(c for c in second_calls if c.method == "answerCallbackQuery")
    assert "Ya estaba confirmado" in toast.params["text"]
    assert await _audit(bot.crm, "reassign") == 1
    async with bot.crm.sessions() as session:
        assert (await session.get(FollowUp, fid)).owner_id == bot.users["MARIA"]  # type: ignore[union-attr]
        events = await session.scalar(
            select(func.count()).select_from(Confirmation).where(Confirmation.action == "reassign")
        )
    assert events == 1


async def test_tercero_reassignment_confirm_runs_once(bot: BotHarness) -> None:
    tercero, _ = await _luis_book(bot.crm)
    pick = (await bot.press(Team.ana, f"rs:ter:{tercero}"))[-1]
    confirm = (await bot.press(Team.ana, pick.button("MARIA")))[-1]
    data = confirm.button("Confirmar")
    first = (await bot.press(Team.ana, data))[-1]
    second = (await bot.press(Team.ana, data))[-1]
    assert "ahora es de MARIA (1 seguimiento movido)" in first.text
    assert second.text == first.text
    async with bot.crm.sessions() as session:
        rows = await session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.entity == "tercero")
        )
    assert rows == 1


async def test_a_failed_confirmation_can_be_pressed_again(bot: BotHarness) -> None:
    """The claim rolls back with a refused action: nothing is remembered as done."""
    await _luis_book(bot.crm)
    preview = (await bot.text(Team.admin, "/reasignar LUIS MARIA"))[0]
    admin = await _actor(bot.crm, Team.admin)
    from crm.people import admin as user_admin

    await user_admin.set_active(bot.crm, admin, bot.users["MARIA"], False)
    refused = await bot.press(Team.admin, preview.button("Confirmar"))
    assert "inactivo" in refused[-1].params["text"]
    await user_admin.set_active(bot.crm, admin, bot.users["MARIA"], True)
    done = (await bot.press(Team.admin, preview.button("Confirmar")))[-1]
    assert "pasaron de LUIS a MARIA" in done.text and "Ya estaba" not in done.text


async def test_iniciar_todos_asks_then_runs_once(bot: BotHarness) -> None:
    luis = await _actor(bot.crm, Team.luis)
    tercero = await make_tercero(bot.crm, encargado_id=luis.id)
    for n in ("1", "2", "3"):
        await make_document(bot.crm, tercero, n, balance="1000")
    view = (await bot.press(Team.luis, f"ca:ter:{tercero}:0"))[-1]
    ask = (await bot.press(Team.luis, view.button("Iniciar todos (3)")))[-1]
    assert "Documentos: 3" in ask.text and "Terceros: 1" in ask.text and "24 h" in ask.text
    cancel = (await bot.press(Team.luis, ask.button("Cancelar")))[-1]
    assert "Iniciar todos (3)" in str(cancel.buttons)
    ask = (await bot.press(Team.luis, cancel.button("Iniciar todos")))[-1]
    data = ask.button("Confirmar")
    first = (await bot.press(Team.luis, data))[-1]
    second = (await bot.press(Team.luis, data))[-1]
    assert "Se crearon 3 seguimientos" in first.text
    assert "Ya estaba confirmado" in second.text and "Se crearon 3 seguimientos" in second.text
    async with bot.crm.sessions() as session:
        active = await session.scalar(
            select(func.count(FollowUp.id)).where(FollowUp.status == "active")
        )
    assert active == 3


async def test_role_change_that_orphans_a_team_asks_first_and_runs_once(
    bot: BotHarness,
) -> None:
    ana = bot.users["ANA"]
    ask = (await bot.press(Team.admin, f"us:role:{ana}:agent"))[-1]
    assert "quedarán sin equipo: LUIS, MARIA" in ask.text
    async with bot.crm.sessions() as session:
        assert (await session.get(User, ana)).role == "supervisor"  # type: ignore[union-attr]
    cancel = (await bot.press(Team.admin, ask.button("Cancelar")))[-1]
    assert "Rol: supervisor" in cancel.text
    ask = (await bot.press(Team.admin, cancel.button("Hacer agente")))[-1]
    data = ask.button("Confirmar")
    first = (await bot.press(Team.admin, data))[-1]
    second = (await bot.press(Team.admin, data))[-1]
    assert "Rol: agente" in first.text
    assert "Ya estaba confirmado" in second.text and "Rol: agente" in second.text
    assert await _audit(bot.crm, "role") == 1
    async with bot.crm.sessions() as session:
        teamless = (
            await session.scalars(select(User.code).where(User.code.in_(["LUIS", "MARIA"])))
        ).all()
        sups = (
            await session.scalars(
                select(User.supervisor_id).where(User.code.in_(["LUIS", "MARIA"]))
            )
        ).all()
    assert len(teamless) == 2 and sups == [None, None]
    # A role change that leaves nobody without a team needs no confirmation.
    promoted = (await bot.press(Team.admin, f"us:role:{bot.users['PEDRO']}:supervisor"))[-1]
    assert "Rol: supervisor" in promoted.text


async def test_user_and_catalog_deactivation_confirm_once(bot: BotHarness) -> None:
    luis = bot.users["LUIS"]
    ask = (await bot.press(Team.admin, f"us:off:{luis}"))[-1]
    data = ask.button("Confirmar")
    await bot.press(Team.admin, data)
    again = (await bot.press(Team.admin, data))[-1]
    assert "Ya estaba confirmado" in again.text and "inactivo" in again.text
    assert await _audit(bot.crm, "deactivate") == 2  # GHOST at seeding + LUIS once
    admin = await _actor(bot.crm, Team.admin)
    from crm.followups import catalogs

    activity = (await catalogs.list_items(bot.crm, admin, "activity"))[0]
    ask = (await bot.press(Team.admin, f"cf:off:activity:{activity.id}"))[-1]
    data = ask.button("Confirmar")
    await bot.press(Team.admin, data)
    await bot.press(Team.admin, f"cf:on:activity:{activity.id}")  # reactivated meanwhile
    again = (await bot.press(Team.admin, data))[-1]
    # The old confirmation does not deactivate it a second time.
    assert "Ya estaba confirmado" in again.text
    assert (await catalogs.get_item(bot.crm, admin, "activity", activity.id)).active
    async with bot.crm.sessions() as session:
        offs = await session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.entity == "activity", AuditEntry.action == "deactivate"
            )
        )
    assert offs == 1


# --- two instances on one database -----------------------------------------------------------


@pytest.fixture
async def instances(sqlite_crm: Crm) -> AsyncIterator[list[tuple[Any, RecordingRequest]]]:
    await seed_team(sqlite_crm)
    result = []
    for _ in range(2):
        request = RecordingRequest()
        app = build_application(
            make_settings(), sqlite_crm, request=request, rate_limit=False, multi_instance=True
        )
        await app.initialize()
        result.append((app, request))
    yield result
    for app, _ in result:
        await app.shutdown()


async def test_reassignment_confirm_pressed_on_two_instances_at_once_runs_once(
    instances: list[Any], sqlite_crm: Crm
) -> None:
    (a, req_a), (b, req_b) = instances
    await _luis_book(sqlite_crm)
    factory = UpdateFactory()
    await a.process_update(factory.message(Team.ana, "/reasignar LUIS MARIA", bot=a.bot))
    preview = req_a.last("sendMessage")
    data = preview.button("Confirmar")
    assert preview.message_id is not None
    await asyncio.gather(
        a.process_update(
            factory.callback(Team.ana, data, message_id=preview.message_id, bot=a.bot)
        ),
        b.process_update(
            factory.callback(Team.ana, data, message_id=preview.message_id, bot=b.bot)
        ),
    )
    texts = [req.last("editMessageText").text for req in (req_a, req_b)]
    assert texts[0] == texts[1] and "1 seguimiento y 1 tercero" in texts[0]
    assert await _audit(sqlite_crm, "reassign") == 1


async def test_a_confirmation_acts_only_for_the_user_it_was_shown_to(bot: BotHarness) -> None:
    """Issue 20: ANA's ✅ Confirmar pressed by someone else (a forwarded prompt, crafted data)
    is refused and does nothing, not even use up ANA's button."""
    _, fid = await _luis_book(bot.crm)
    preview = (await bot.text(Team.ana, "/reasignar LUIS MARIA"))[0]
    confirm = preview.button("Confirmar")
    for other in (Team.admin, Team.maria):
        refused = await bot.press(other, confirm)
        assert [c.method for c in refused] == ["answerCallbackQuery"]
        assert "No autorizado" in refused[0].params["text"]
    async with bot.crm.sessions() as session:
        assert (await session.get(FollowUp, fid)).owner_id == bot.users["LUIS"]  # type: ignore[union-attr]
    assert await _audit(bot.crm, "reassign") == 0
    done = _edit(await bot.press(Team.ana, confirm, message_id=preview.message_id))
    assert "Listo: 1 seguimiento y 1 tercero pasaron de LUIS a MARIA" in done.text
