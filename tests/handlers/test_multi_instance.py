"""Several instances on one database: each update handled once, conversations shared."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import Update
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.app import build_application
from crm.context import Crm
from handlers.context import CrmContext
from tests.conftest import Team, make_settings, seed_team
from tests.support.telegram import RecordingRequest, UpdateFactory

ASK = "TEST_ASK"


async def _ask(update: Update, context: CrmContext) -> str:
    assert update.effective_message is not None
    await update.effective_message.reply_text("¿Cuántas horas?")
    return ASK


async def _answer(update: Update, context: CrmContext) -> int:
    assert update.effective_message is not None
    await update.effective_message.reply_text(f"Anotado: {update.effective_message.text}")
    return ConversationHandler.END


def _conversation() -> ConversationHandler[Any]:
    return ConversationHandler(
        entry_points=[CommandHandler("probar", _ask)],
        states={ASK: [MessageHandler(filters.TEXT & ~filters.COMMAND, _answer)]},
        fallbacks=[],
        name="test_conv",
        persistent=True,
    )


@pytest.fixture
async def instances(sqlite_crm: Crm) -> AsyncIterator[list[tuple[Any, RecordingRequest]]]:
    await seed_team(sqlite_crm)
    result = []
    for _ in range(2):
        request = RecordingRequest()
        app = build_application(
            make_settings(), sqlite_crm, request=request, rate_limit=False, multi_instance=True
        )
        app.add_handler(_conversation(), group=0)
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
    assert req_b.calls[-1].text == "Anotado: 6"
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
