"""Ping buttons through the real application: snooze edits the ping, other users are
refused, stale pings explain themselves; a user who unblocked the bot gets pings again; the
rate limiter and the jobs are wired."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.app import build_application
from bot.ratelimit import PerChatRateLimiter
from bot.scheduler import NOTIFIER, schedule
from crm.followups import pings as nt
from crm.kernel.context import Crm
from tests.conftest import BOGOTA, BotHarness, Team
from tests.conftest import make_settings as settings_for_tests
from tests.support.data import make_tercero
from tests.support.notify import add_followups, followup, messages, notifier
from tests.support.telegram import RecordingRequest


async def _ping(bot: BotHarness, owner: str = "LUIS") -> tuple[int, str]:
    """One due follow-up of ``owner`` pinged by a round; (its id, the ping's +1 h data)."""
    tercero = await make_tercero(bot.crm)
    [fid] = await add_followups(bot.crm, bot.users[owner], tercero, bot.clock.now())
    await notifier(bot.crm, bot.app.bot).run_round()
    ping = bot.request.last("sendMessage")
    return fid, ping.button("+1 h")


async def test_plus_one_hour_moves_the_due_and_edits_the_ping(bot: BotHarness) -> None:
    fid, data = await _ping(bot)
    calls = await bot.press(Team.luis, data)
    assert (await followup(bot.crm, fid)).due_at == bot.clock.now() + timedelta(hours=1)
    answer = next(c for c in calls if c.method == "answerCallbackQuery")
    assert "Pospuesto hasta 27/11/2026 15:00" in answer.params["text"]
    edit = next(c for c in calls if c.method == "editMessageText")
    assert "Nuevo vencimiento: 27/11/2026 15:00" in edit.text
    assert edit.button("Abrir") == f"fu:open:{fid}"
    # Re-armed: the new due time is pinged once more.
    bot.clock.advance(minutes=61)
    bot.request.clear()
    await notifier(bot.crm, bot.app.bot).run_round()
    assert len(messages(bot.request, Team.luis)) == 1


async def test_plus_four_hours_and_tomorrow_from_the_ping(bot: BotHarness) -> None:
    tercero = await make_tercero(bot.crm)
    ids = await add_followups(
        bot.crm, bot.users["LUIS"], tercero, bot.clock.now() - timedelta(minutes=1), count=2
    )
    await notifier(bot.crm, bot.app.bot).run_round()
    first, second = messages(bot.request, Team.luis)
    await bot.press(Team.luis, first.button("+4 h"))
    await bot.press(Team.luis, second.button("Mañana"))
    # Overdue: +4 h counts from now.
    assert (await followup(bot.crm, ids[0])).due_at == bot.clock.now() + timedelta(hours=4)
    # Friday afternoon → Saturday (a working day) at the start of working hours.
    assert (await followup(bot.crm, ids[1])).due_at == datetime(2026, 11, 28, 7, 0, tzinfo=BOGOTA)


async def test_a_press_by_another_user_is_refused(bot: BotHarness) -> None:
    fid, data = await _ping(bot)
    due = (await followup(bot.crm, fid)).due_at
    calls = await bot.press(Team.maria, data)
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "No autorizado" in calls[0].params["text"]
    assert (await followup(bot.crm, fid)).due_at == due


async def test_a_stale_ping_explains_instead_of_acting(bot: BotHarness) -> None:
    fid, data = await _ping(bot)
    await bot.press(Team.luis, data)
    moved = (await followup(bot.crm, fid)).due_at
    calls = await bot.press(Team.luis, data)  # the same +1 h again (old version)
    assert calls[-1].method == "answerCallbackQuery" and calls[-1].params["show_alert"]
    assert "desactualizado" in calls[-1].params["text"]
    assert (await followup(bot.crm, fid)).due_at == moved


async def test_forged_snooze_data_is_answered(bot: BotHarness) -> None:
    for data in ("nt:zz:1:1", "nt:h1:abc:1", "nt:h1:1"):
        calls = await bot.press(Team.luis, data)
        assert calls[-1].method == "answerCallbackQuery"
        assert "no es válido" in calls[-1].params["text"]


async def test_user_who_unblocked_the_bot_gets_pings_again(bot: BotHarness) -> None:
    tercero = await make_tercero(bot.crm)
    [fid] = await add_followups(bot.crm, bot.users["LUIS"], tercero, bot.clock.now())
    bot.request.scripted["sendMessage"] = [
        (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"})
    ]
    await notifier(bot.crm, bot.app.bot).run_round()
    assert len(messages(bot.request, Team.ana)) == 1  # the supervisor heard once
    await bot.text(Team.luis, "/start")  # Luis unblocks the bot and writes to it
    bot.request.clear()
    await notifier(bot.crm, bot.app.bot).run_round()
    [ping] = messages(bot.request, Team.luis)
    assert ping.button("Abrir") == f"fu:open:{fid}"
    # A second block later is reported again (the "told once" flag was reset).
    assert await nt.mark_unreachable(bot.crm, bot.users["LUIS"]) is not None


async def test_per_chat_rate_limiter_is_wired_for_sends_only(sqlite_crm: Crm) -> None:
    request = RecordingRequest()
    app = build_application(settings_for_tests(), sqlite_crm, request=request, rate_limit=True)
    limiter = app.bot.rate_limiter
    assert isinstance(limiter, PerChatRateLimiter)
    async with app:
        await app.bot.send_message(3, "hola")
        await app.bot.edit_message_text("editado", chat_id=4, message_id=10)
    assert set(limiter._chat_limiters) == {3}  # edits are not throttled per chat


async def test_jobs_tick_every_interval_and_digest_daily(bot: BotHarness) -> None:
    bot.app.bot_data["settings"] = settings_for_tests(notify_interval_seconds=45)
    notifier_ = schedule(bot.app)
    assert bot.app.bot_data[NOTIFIER] is notifier_
    assert notifier_.digest_at.hour == 7 and notifier_.escalate_after_hours == 48
    jobs = {job.name: job for job in bot.app.job_queue.jobs()}
    assert set(jobs) == {"notify-round", "morning-digest", "promises"}
    assert jobs["notify-round"].job.trigger.interval == timedelta(seconds=45)
    for job in jobs.values():
        job.schedule_removal()
