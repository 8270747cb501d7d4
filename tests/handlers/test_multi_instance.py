"""Several instances on one database: each update handled once, pending questions shared."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import CommandHandler

from bot.app import USER_LEASE, build_application
from crm.kernel.context import Crm
from handlers import asking
from handlers.context import CrmContext
from storage import botstate
from storage.models import User
from tests.conftest import Team, make_settings, seed_team
from tests.support.data import make_tercero
from tests.support.telegram import RecordingRequest, UpdateFactory

ASK = "test.hours"


async def seed_ids(crm: Crm) -> dict[str, int]:
    """users.id by code of the team the fixture seeded."""
    async with crm.sessions() as session:
        return {u.code: u.id for u in (await session.scalars(select(User))).all()}


async def _ask(update: Update, context: CrmContext) -> None:
    await asking.ask(update, context, ASK, "¿Cuántas horas?")


@asking.answer(ASK)
async def _answer(update: Update, context: CrmContext, q: asking.Question) -> bool:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"Anotado: {update.effective_message.text}")
    return True


@pytest.fixture
async def instances(sqlite_crm: Crm) -> AsyncIterator[list[tuple[Any, RecordingRequest]]]:
    await seed_team(sqlite_crm)
    result = []
    for _ in range(2):
        request = RecordingRequest()
        app = build_application(
            make_settings(), sqlite_crm, request=request, rate_limit=False, multi_instance=True
        )
        app.add_handler(CommandHandler("probar", _ask), group=0)
        app.handlers[0].insert(0, app.handlers[0].pop())  # before the fallbacks
        await app.initialize()
        result.append((app, request))
    yield result
    for app, _ in result:
        await app.shutdown()


async def test_redelivered_update_is_handled_once(instances: list[Any]) -> None:
    (a, req_a), (b, req_b) = instances
    update = UpdateFactory().message(Team.luis, "/start")
    await a.process_update(update)
    await b.process_update(Update.de_json(update.to_dict(), b.bot))
    greetings = [c for c in req_a.calls + req_b.calls if c.method == "sendMessage"]
    assert len(greetings) == 1


async def test_conversation_started_on_one_instance_continues_on_another(
    instances: list[Any],
) -> None:
    (a, req_a), (b, req_b) = instances
    factory = UpdateFactory()
    await a.process_update(factory.message(Team.luis, "/probar", bot=a.bot))
    assert req_a.calls[-1].text == "¿Cuántas horas?"
    await b.process_update(factory.message(Team.luis, "6", bot=b.bot))
    assert req_b.last("sendMessage").text == "Anotado: 6"
    # The conversation ended on B; A must not think it is still waiting for hours.
    await a.process_update(factory.message(Team.luis, "7", bot=a.bot))
    assert "Anotado" not in req_a.calls[-1].text


async def test_single_instance_mode_does_not_claim_updates(sqlite_crm: Crm) -> None:
    await seed_team(sqlite_crm)
    request = RecordingRequest()
    app = build_application(make_settings(), sqlite_crm, request=request, rate_limit=False)
    update = UpdateFactory().message(Team.luis, "/start")
    async with app:
        await app.process_update(update)
        await app.process_update(update)
    assert len(request.sent("sendMessage")) == 2


async def test_a_late_flush_of_a_stale_copy_does_not_undo_another_instance(
    instances: list[Any], sqlite_crm: Crm
) -> None:
    """/nuevo alternating between instances, with PTB's deferred persistence flush running on
    the instance that handled the previous step (as its update task finishes)."""
    (a, req_a), (b, req_b) = instances
    luis = (await seed_ids(sqlite_crm))["LUIS"]
    await make_tercero(sqlite_crm, encargado_id=luis)
    factory = UpdateFactory()

    def last_edit(request: RecordingRequest) -> Any:
        return [c for c in request.calls if c.method in ("editMessageText", "sendMessage")][-1]

    async def step(app: Any, update: Update) -> None:
        await app.process_update(update)
        other = b if app is a else a
        other.mark_data_for_update_persistence(user_ids=Team.luis)
        await other.update_persistence()  # the other's copy is a step behind now

    await step(a, factory.message(Team.luis, "/nuevo", bot=a.bot))
    await step(b, factory.message(Team.luis, "ferreteria", bot=b.bot))
    await step(a, factory.callback(Team.luis, last_edit(req_b).button("Ferretería"), bot=a.bot))
    await step(b, factory.callback(Team.luis, last_edit(req_a).button("Visita"), bot=b.bot))
    await step(a, factory.callback(Team.luis, last_edit(req_b).button("en 72 h"), bot=a.bot))
    await step(b, factory.callback(Team.luis, last_edit(req_a).button("Sin nota"), bot=b.bot))
    summary = last_edit(req_b)
    assert "Confirma" in summary.text and "Visita T.A.T." in summary.text


async def test_a_users_update_waits_while_another_instance_handles_theirs(
    instances: list[Any], sqlite_crm: Crm
) -> None:
    (a, req_a), _ = instances
    now = sqlite_crm.now()
    # Another instance is in the middle of one of Luis's updates.
    taken = await botstate.take_lease(
        sqlite_crm.sessions, USER_LEASE, str(Team.luis), "other", now, now + timedelta(minutes=1)
    )
    assert taken
    handling = asyncio.create_task(
        a.process_update(UpdateFactory().message(Team.luis, "/start", bot=a.bot))
    )
    await asyncio.sleep(0.3)
    assert not handling.done() and not req_a.sent("sendMessage")
    await botstate.drop_lease(sqlite_crm.sessions, USER_LEASE, str(Team.luis), "other")
    await asyncio.wait_for(handling, 10)
    assert len(req_a.sent("sendMessage")) == 1
    # Nothing is left held once the update is done.
    assert await botstate.load(sqlite_crm.sessions, USER_LEASE) == {}
