"""Security checks: strangers and deactivated users, forged and malformed buttons, flood
protection, escaping of free text, and no bot token in logs or error messages."""

from __future__ import annotations

import logging
from html.parser import HTMLParser
from typing import ClassVar

import pytest
from sqlalchemy import select
from telegram import Update
from telegram.ext import CommandHandler

from bot.logging_setup import RedactTokens
from crm.users import resolve_actor
from handlers.flood import FloodGuard
from storage.models import AuditEntry, FollowUpType, User
from tests.conftest import BotHarness, Team
from tests.support.telegram import TOKEN

ADMIN_COMMANDS = (
    "/invitar agente",
    "/usuarios",
    "/config",
    "/reasignar LUIS MARIA",
    "/auditoria",
    "/auditoria excel",
    "/start",
    "texto libre <b>",
)
ADMIN_BUTTONS = (
    "us:page:0",
    "us:off:3",
    "cf:list:type:0",
    "cf:new:type",
    "lt:doc:1",
    "lt:pick:1:1",
    "rs:ter:1",
    "rs:ok:1:2",
    "rs:book:3:4",
    "ad:aud:all:0:0",
    "ad:audx:all:0",
)


class TelegramHtml(HTMLParser):
    """Fails on tags Telegram does not accept or that are left open."""

    ALLOWED: ClassVar[set[str]] = {"b", "i", "u", "s", "code", "pre", "a"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in self.ALLOWED, f"tag <{tag}> would break Telegram's HTML mode"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"


def assert_valid_html(text: str) -> None:
    parser = TelegramHtml()
    parser.feed(text)
    parser.close()
    assert not parser.stack, f"unclosed tags {parser.stack}"


async def _audit_count(bot: BotHarness) -> int:
    async with bot.crm.sessions() as session:
        return len((await session.scalars(select(AuditEntry.id))).all())


@pytest.mark.parametrize("user", [Team.stranger, Team.ghost])
async def test_outsiders_get_only_the_refusal_everywhere(bot: BotHarness, user: int) -> None:
    before = await _audit_count(bot)
    for text in ADMIN_COMMANDS:
        bot.clock.advance(minutes=10)  # one refusal per stranger every ten minutes
        calls = await bot.text(user, text)
        assert [c.method for c in calls] == ["sendMessage"], text
        assert str(user) in calls[0].text and "administrador" in calls[0].text
    for data in ADMIN_BUTTONS:
        calls = await bot.press(user, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert calls[0].params["show_alert"] is True
    bot.clock.advance(minutes=10)
    document = bot.updates.document(user, bot=bot.app.bot)
    calls = await bot.send(document)
    assert [c.method for c in calls] == ["sendMessage"]
    assert await _audit_count(bot) == before


async def test_deactivation_applies_at_the_very_next_update(bot: BotHarness) -> None:
    from crm import user_admin

    assert "/agenda" in (await bot.text(Team.maria, "/ayuda"))[0].text
    admin = await resolve_actor(bot.crm, Team.admin)
    await user_admin.set_active(bot.crm, admin, bot.users["MARIA"], False)
    calls = await bot.press(Team.maria, "us:page:0")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    calls = await bot.text(Team.maria, "/ayuda")
    assert len(calls) == 1 and "/agenda" not in calls[0].text


async def test_crafted_user_buttons_refused_and_nothing_changes(bot: BotHarness) -> None:
    luis, pedro = bot.users["LUIS"], bot.users["PEDRO"]
    forged = [
        (Team.ana, f"us:off:{luis}"),  # supervisor: read-only even on own team
        (Team.ana, f"us:role:{luis}:admin"),
        (Team.ana, f"us:open:{pedro}"),  # not in her team
        (Team.luis, f"us:role:{luis}:admin"),  # agent promoting himself
        (Team.luis, "us:page:0"),
        (Team.maria, f"us:sup:{pedro}:{bot.users['ANA']}"),
    ]
    for user, data in forged:
        calls = await bot.press(user, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert "No autorizado" in calls[0].params["text"], data
    async with bot.crm.sessions() as session:
        rows = {u.code: u for u in (await session.scalars(select(User))).all()}
    assert rows["LUIS"].active and rows["LUIS"].role == "agent"
    assert rows["PEDRO"].supervisor_id is None


MALFORMED = (
    "us:open:abc",
    "us:open",
    "us:boom:1",
    "us:role:3:emperor",
    "us:" + "9" * 70,
    "cf:list:planets:0",
    "cf:open:type:99999999999999999999999",
    "cf:pick:closed",  # a conversation button outside its conversation
    "cf:mean:1:sideways",
    "lt:doc:x",
    "lt:pick:1",
    "rs:ter:-1",
    "rs:to:1",
    "ad:aud:xx:0:0",
    "ad:aud:all:0",
    "rs:book:1",
    "ad:audx:all:z",
    "us:open:1\x00",
    "cf:\udcff\udcfe",
    "ü" * 40,
)


async def test_malformed_buttons_are_answered_and_ignored(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    before = await _audit_count(bot)
    with caplog.at_level(logging.ERROR):
        for data in MALFORMED:
            calls = await bot.press(Team.admin, data)
            assert calls and calls[-1].method == "answerCallbackQuery", data
            assert calls[-1].params.get("text"), data
            assert all(c.method == "answerCallbackQuery" for c in calls), data
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await _audit_count(bot) == before


async def test_unknown_record_ids_are_not_found(bot: BotHarness) -> None:
    for data in ("us:open:99999", "cf:open:type:99999", "lt:doc:99999", "rs:ter:99999"):
        calls = await bot.press(Team.admin, data)
        assert "No encontré" in calls[-1].params["text"], data


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_flood_is_slowed_down_politely(bot: BotHarness) -> None:
    ticks = Ticks()
    bot.app.bot_data["flood_guard"] = FloodGuard(clock=ticks)
    replies = []
    for _ in range(25):
        ticks.now += 0.1
        replies.append(await bot.text(Team.luis, "/ayuda"))
    assert all(len(r) == 1 and "/agenda" in r[0].text for r in replies[:20])
    assert len(replies[20]) == 1 and "muy rápido" in replies[20][0].text
    assert all(r == [] for r in replies[21:])
    # Buttons during the flood are answered silently (no endless spinner), nothing else.
    calls = await bot.press(Team.luis, "us:page:0")
    assert [c.method for c in calls] == ["answerCallbackQuery"] and not calls[0].params.get("text")
    # Another user is not affected.
    assert "/agenda" in (await bot.text(Team.maria, "/ayuda"))[0].text
    ticks.now += 11
    assert "/agenda" in (await bot.text(Team.luis, "/ayuda"))[0].text


def test_flood_guard_window_slides() -> None:
    ticks = Ticks()
    guard = FloodGuard(limit=3, window=10, clock=ticks)
    assert [guard.check(1) for _ in range(3)] == ["ok"] * 3
    assert guard.check(1) == "warn" and guard.check(1) == "drop"
    ticks.now += 10.5
    assert guard.check(1) == "ok"
    guard.forget_idle()
    ticks.now += 60
    guard.forget_idle()
    assert guard._seen == {}


async def test_free_text_stored_as_given_and_rendered_escaped(bot: BotHarness) -> None:
    nasty = "<b>Tipo & *raro*</i> <script>"
    await bot.press(Team.admin, "cf:new:type")
    await bot.text(Team.admin, nasty)
    saved = (await bot.text(Team.admin, "12"))[0]
    assert "&lt;b&gt;Tipo &amp; *raro*&lt;/i&gt; &lt;script&gt;" in saved.text
    assert_valid_html(saved.text)
    async with bot.crm.sessions() as session:
        stored = await session.scalar(
            select(FollowUpType.name).where(FollowUpType.default_hours == 12)
        )
    assert stored == nasty
    listing = (await bot.press(Team.admin, "cf:list:type:0"))[-1]
    assert_valid_html(listing.text)
    audit = (await bot.text(Team.admin, "/auditoria"))[0]
    assert_valid_html(audit.text)
    assert "&lt;script&gt;" in audit.text


async def test_free_text_is_length_limited(bot: BotHarness) -> None:
    await bot.press(Team.admin, "cf:new:state")
    calls = await bot.text(Team.admin, "x" * 81)
    assert "máximo es 80" in calls[0].text
    calls = await bot.text(Team.admin, "/cancelar")
    await bot.press(Team.admin, "cf:new:document")
    await bot.text(Team.admin, "Larga")
    calls = await bot.text(Team.admin, "y" * 3001)
    assert "máximo es 3000" in calls[0].text
    calls = await bot.text(Team.admin, "/invitar agente " + "Z" * 41)
    assert "máximo 40" in calls[-1].text


async def test_user_input_echoed_in_errors_is_escaped(bot: BotHarness) -> None:
    for text in ("/invitar <b>jefe&", "/reasignar <i>x LUIS", "/auditoria usuario <x>"):
        calls = await bot.text(Team.admin, text)
        assert_valid_html(calls[0].text)
        assert "&lt;" in calls[0].text


def test_redaction_filter_hides_token_in_messages_and_tracebacks(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = logging.getLogger("crm_bot.test_redaction")
    caplog.handler.addFilter(RedactTokens(TOKEN))
    try:
        with caplog.at_level(logging.INFO):
            log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
            log.info("another token 123456789:AAHfake-token-shape-ABCDEFGHIJKLMNOP")
            try:
                raise RuntimeError(f"request to /bot{TOKEN}/sendMessage failed")
            except RuntimeError:
                log.exception("network trouble")
        assert TOKEN not in caplog.text
        assert "AAHfake" not in caplog.text
        assert caplog.text.count("<token>") >= 3
        assert "RuntimeError" in caplog.text  # the traceback is kept, redacted
    finally:
        caplog.handler.filters.clear()


async def test_error_handler_hides_internals_and_token(
    bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    async def explode(update: Update, context: object) -> None:
        raise RuntimeError(f"db password=hunter2 at https://api.telegram.org/bot{TOKEN}/x")

    bot.app.add_handler(CommandHandler("boom", explode), group=0)
    bot.app.handlers[0].insert(0, bot.app.handlers[0].pop())  # before the fallbacks
    with caplog.at_level(logging.ERROR):
        calls = await bot.text(Team.luis, "/boom secret-arg")
    user_text = next(c.text for c in calls if "Algo salió mal" in c.text)
    assert all(TOKEN not in c.text and "hunter2" not in c.text for c in calls)
    assert "RuntimeError" not in user_text
    logged = caplog.text
    assert "unhandled error" in logged and "RuntimeError" in logged
    assert TOKEN not in logged and "<token>" in logged
    assert "secret-arg" not in logged  # only the command name of the update is logged
    assert f"user {Team.luis}" in logged
