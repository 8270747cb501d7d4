"""The flood guard counts updates when they arrive, through the real update queue and the
per-user processor; strangers are refused at most once every ten minutes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.app import build_application
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from handlers.flood import FloodGuard, RefusalLimiter
from tests.conftest import BotHarness, Team, make_settings, seed_team
from tests.support.telegram import RecordingRequest, UpdateFactory


@dataclass
class Seconds:
    """A monotonic clock for the flood guard that the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class OneMessagePerSecond(RecordingRequest):
    """Each message to a chat takes a second to send, as Telegram's per-chat limit makes it:
    one user's updates are then processed about one a second."""

    clock: Seconds = field(default_factory=Seconds)

    async def do_request(self, url: str, method: str, *args: Any, **kwargs: Any) -> Any:
        if url.endswith("/sendMessage"):
            self.clock.now += 1.0
        return await super().do_request(url, method, *args, **kwargs)


async def test_25_messages_in_one_second_get_one_warning_and_the_rest_dropped(
    sqlite_crm: Crm,
) -> None:
    await seed_team(sqlite_crm)
    clock = Seconds()
    request = OneMessagePerSecond(clock=clock)
    app = build_application(make_settings(), sqlite_crm, request=request, rate_limit=False)
    app.bot_data["flood_guard"] = FloodGuard(clock=clock)
    updates = UpdateFactory()
    async with app:
        for _ in range(25):  # all within one second, as a thumb on a stuck key sends them
            clock.now += 0.04
            app.update_queue.put_nowait(updates.message(Team.luis, "/ayuda", bot=app.bot))
        # A button pressed during the flood is answered (it stops spinning), silently.
        app.update_queue.put_nowait(updates.callback(Team.luis, "us:page:0", bot=app.bot))
        await app.start()
        await app.update_queue.join()
        await app.stop()
    to_luis = [c.text for c in request.sent("sendMessage") if c.chat_id == Team.luis]
    assert len(to_luis) == 21, to_luis
    assert all("/agenda" in text for text in to_luis[:20])
    assert "muy rápido" in to_luis[20]
    [answer] = request.sent("answerCallbackQuery")
    assert not answer.params.get("text")
    # Once the window has passed, the user is answered again.
    request.clear()
    clock.now += 11
    async with app:
        app.update_queue.put_nowait(updates.message(Team.luis, "/ayuda", bot=app.bot))
        await app.start()
        await app.update_queue.join()
        await app.stop()
    assert ["/agenda" in c.text for c in request.sent("sendMessage")] == [True]


async def test_a_stranger_is_refused_once_every_ten_minutes(bot: BotHarness) -> None:
    first = await bot.text(Team.stranger, "hola")
    assert len(first) == 1 and str(Team.stranger) in first[0].text
    for text in ("hola?", "/start", "/agenda"):
        assert await bot.text(Team.stranger, text) == []
    # A button alert is no message (it costs nothing of the sending budget): still shown.
    pressed = await bot.press(Team.stranger, "us:page:0")
    assert [c.method for c in pressed] == ["answerCallbackQuery"]
    assert str(Team.stranger) in pressed[0].params["text"]
    bot.clock.advance(minutes=10)
    again = await bot.text(Team.stranger, "hola")
    assert len(again) == 1 and str(Team.stranger) in again[0].text


async def test_a_strangers_flood_gets_no_warning_only_the_one_refusal(bot: BotHarness) -> None:
    seconds = Seconds()
    bot.app.bot_data["flood_guard"] = FloodGuard(clock=seconds)
    for _ in range(25):
        seconds.now += 0.04
        await bot.text(Team.stranger, "hola")
    sent = bot.request.sent("sendMessage")
    assert len(sent) == 1 and str(Team.stranger) in sent[0].text


async def test_many_strangers_cannot_use_up_the_sending_budget(bot: BotHarness) -> None:
    strangers = range(10_000, 10_030)
    for round_ in range(4):
        for stranger in strangers:
            await bot.text(stranger, f"hola {round_}")
        bot.clock.advance(minutes=1)
    refusals = bot.request.sent("sendMessage")
    assert len(refusals) == len(strangers)  # one each, not four
    # A registered user is answered as usual meanwhile.
    assert "/agenda" in (await bot.text(Team.luis, "/ayuda"))[0].text


def test_refusals_forget_strangers_after_the_window(clock: FakeClock) -> None:
    limiter = RefusalLimiter(limit=2, per_second=100)
    now = clock.now()
    assert [limiter.allow(n, now) for n in (1, 1, 2, 3)] == [True, False, True, True]
    assert limiter.allow(1, now)  # forgotten: only the 2 most recent strangers are kept
    assert not limiter.allow(1, now + timedelta(minutes=9))
    assert limiter.allow(1, now + timedelta(minutes=20))
    assert len(limiter._last) == 1


async def test_two_instances_refuse_a_stranger_once_between_them(
    sqlite_crm: Crm, clock: FakeClock
) -> None:
    await seed_team(sqlite_crm)
    apps, requests = [], []
    for _ in range(2):
        request = RecordingRequest()
        app = build_application(
            make_settings(), sqlite_crm, request=request, rate_limit=False, multi_instance=True
        )
        await app.initialize()
        apps.append(app)
        requests.append(request)
    try:
        updates = UpdateFactory()
        for n in range(4):
            app = apps[n % 2]
            await app.process_update(updates.message(Team.stranger, "hola", bot=app.bot))
        refusals = [c for r in requests for c in r.sent("sendMessage")]
        assert len(refusals) == 1 and str(Team.stranger) in refusals[0].text
        clock.advance(minutes=10)
        await apps[1].process_update(updates.message(Team.stranger, "hola", bot=apps[1].bot))
        assert len([c for r in requests for c in r.sent("sendMessage")]) == 2
    finally:
        for app in apps:
            await app.shutdown()


async def test_refusals_to_all_strangers_together_are_capped_each_second(
    bot: BotHarness,
) -> None:
    seconds = Seconds()
    bot.app.bot_data["stranger_refusals"] = RefusalLimiter(per_second=2, clock=seconds)
    for stranger in range(20_000, 20_010):  # ten strangers in the same second
        await bot.text(stranger, "hola")
    assert [c.chat_id for c in bot.request.sent("sendMessage")] == [20_000, 20_001]
    # A registered user is answered at once meanwhile; the others hear it when they write
    # again and there is room.
    assert "/agenda" in (await bot.text(Team.luis, "/ayuda"))[-1].text
    seconds.now += 1
    bot.request.clear()
    for stranger in (20_000, 20_005, 20_006, 20_007):
        await bot.text(stranger, "hola?")
    assert [c.chat_id for c in bot.request.sent("sendMessage")] == [20_005, 20_006]
