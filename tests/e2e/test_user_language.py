"""The user's Telegram language, stored when it changes, speaks in everything sent to them:
answers, errors and refusals from the error handler, pings, grouped pings, digests,
escalations, report subscriptions and invitations."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.jobs import deliver_due_reports
from crm.kernel.actor import resolve_actor
from storage.models import User
from tests.conftest import BOGOTA, BotHarness, Team
from tests.support.data import make_tercero
from tests.support.notify import add_followups, messages, notifier


async def _language(bot: BotHarness, telegram_id: int) -> str | None:
    async with bot.crm.sessions() as session:
        return await session.scalar(select(User.language).where(User.telegram_id == telegram_id))


async def _tercero(bot: BotHarness) -> int:
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None and luis.id is not None
    return await make_tercero(bot.crm, encargado_id=luis.id)


async def test_the_language_is_stored_when_it_changes(bot: BotHarness) -> None:
    assert await _language(bot, Team.luis) is None
    await bot.text(Team.luis, "/start", language="en-GB")
    assert await _language(bot, Team.luis) == "en"
    # No language code in an update: the one last used.
    calls = await bot.text(Team.luis, "/ayuda", language=None)
    assert "This is what you can do" in calls[0].text
    await bot.text(Team.luis, "/start", language="es")
    assert await _language(bot, Team.luis) == "es"


async def test_errors_and_refusals_from_the_error_handler_in_english(bot: BotHarness) -> None:
    typed = await bot.text(Team.luis, "/agenda zzz", language="en")
    assert "understand" in typed[0].text
    assert "entendí" not in typed[0].text
    # A follow-up of someone else: the use case refuses, the error handler explains.
    tercero = await _tercero(bot)
    [fid] = await add_followups(bot.crm, bot.users["MARIA"], tercero, bot.clock.now())
    pressed = await bot.press(Team.luis, f"fu:open:{fid}", language="en")
    assert pressed[-1].method == "answerCallbackQuery"
    assert pressed[-1].params["text"].startswith("Not authorized")
    # A stranger is refused in their language too.
    refused = await bot.text(Team.stranger, "hello", language="en")
    assert "Telegram id" in refused[0].text
    assert "envíaselo" not in refused[0].text


async def test_pings_grouped_pings_and_escalations_in_english(bot: BotHarness) -> None:
    await bot.text(Team.luis, "/start", language="en")
    await bot.text(Team.ana, "/start", language="en")
    await bot.text(Team.maria, "/start", language="es")
    bot.request.clear()
    tercero = await _tercero(bot)
    now = bot.clock.now()
    await add_followups(bot.crm, bot.users["LUIS"], tercero, now - timedelta(minutes=5))
    await add_followups(bot.crm, bot.users["MARIA"], tercero, now - timedelta(minutes=5), 4)
    await add_followups(bot.crm, bot.users["LUIS"], tercero, now - timedelta(hours=60))
    n = notifier(bot.crm, bot.app.bot, escalate_after_hours=48)
    await n.run_round()
    to_luis = messages(bot.request, Team.luis)
    assert to_luis and all("Follow-up overdue" in c.text for c in to_luis)
    assert [label for label, _ in to_luis[0].buttons] == [
        "+1 h",
        "+4 h",
        "Tomorrow",
        "Close",
        "Open",
    ]
    assert "5 min ago" in to_luis[0].text or "2 days ago" in to_luis[0].text
    # Its snooze button answers in English too.
    snoozed = await bot.press(Team.luis, to_luis[0].button("+1 h"), language="en")
    assert any("Postponed" in c.text for c in snoozed)
    [grouped] = messages(bot.request, Team.maria)  # Spanish stays Spanish
    assert "4 seguimientos vencidos" in grouped.text
    [escalation] = messages(bot.request, Team.ana)
    assert "Follow-ups overdue for more than 48 h" in escalation.text
    assert "Agent: <b>Luis Gómez</b>" in escalation.text and "2 days ago" in escalation.text


async def test_grouped_ping_and_digest_in_english(bot: BotHarness) -> None:
    await bot.text(Team.luis, "/start", language="en")
    bot.request.clear()
    tercero = await _tercero(bot)
    monday_7 = datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    await add_followups(bot.crm, bot.users["LUIS"], tercero, monday_7 + timedelta(hours=8), 2)
    bot.clock.set(monday_7)
    n = notifier(bot.crm, bot.app.bot)
    await n.run_digest()
    [digest] = messages(bot.request, Team.luis)
    assert "Good morning, Luis Gómez" in digest.text and "Due today: <b>2</b>" in digest.text
    bot.request.clear()
    await add_followups(bot.crm, bot.users["LUIS"], tercero, monday_7 - timedelta(hours=1), 4)
    await n.run_round()
    [grouped] = messages(bot.request, Team.luis)
    assert "4 follow-ups due" in grouped.text


async def test_a_subscribed_report_in_the_subscribers_language(bot: BotHarness) -> None:
    await _tercero(bot)
    calls = await bot.text(Team.ana, "/suscribir seguimientos diario 07:00", language="en")
    assert "First delivery" in calls[-1].text
    bot.request.clear()
    bot.clock.advance(days=1)
    assert await deliver_due_reports(bot.app, "test") == 1
    [summary] = bot.request.sent("sendMessage")
    assert "Rows:" in summary.text and "Filas" not in summary.text
    assert len(bot.request.sent("sendDocument")) == 1


async def test_an_invitation_registers_the_invitees_language(bot: BotHarness) -> None:
    created = await bot.text(Team.admin, "/invitar agente")
    code = created[0].text.split("start=")[1].split()[0].split("<")[0].split('"')[0]
    welcome = await bot.text(888, f"/start {code}", language="en-US")
    assert "Hello" in welcome[-1].text
    assert await _language(bot, 888) == "en"


async def test_during_an_import_the_language_is_used_and_stored_later(bot: BotHarness) -> None:
    from storage import maintenance

    with maintenance.importing(bot.crm.url):
        maintenance._seen.clear()
        calls = await bot.text(Team.luis, "/ayuda", language="en")
    maintenance._seen.clear()
    assert [c.method for c in calls] == ["sendMessage"]
    assert "This is what you can do" in calls[0].text
    assert await _language(bot, Team.luis) is None  # the database was busy: not yet
    await bot.text(Team.luis, "/ayuda", language="en")
    assert await _language(bot, Team.luis) == "en"
