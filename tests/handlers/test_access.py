"""The access gate, /start and /ayuda."""

from __future__ import annotations

from tests.conftest import BotHarness, Team


async def test_stranger_gets_one_refusal_with_their_id(bot: BotHarness) -> None:
    calls = await bot.text(Team.stranger, "/start")
    assert [c.method for c in calls] == ["sendMessage"]
    assert "777" in calls[0].text
    assert "administrador" in calls[0].text


async def test_stranger_refused_for_any_command_text_or_button(bot: BotHarness) -> None:
    for text in ("/agenda", "/informe seguimientos mes", "hola", "/nuevo"):
        bot.clock.advance(minutes=10)  # one refusal per stranger every ten minutes
        calls = await bot.text(Team.stranger, text)
        assert len(calls) == 1 and "777" in calls[0].text
    calls = await bot.press(Team.stranger, "fu:open:1")
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert calls[0].params.get("show_alert") is True
    assert "777" in calls[0].params["text"]  # the id to hand to an admin, even from a button


async def test_deactivated_user_is_refused(bot: BotHarness) -> None:
    calls = await bot.text(Team.ghost, "/start")
    assert len(calls) == 1 and "6" in calls[0].text and "Ex Empleado" not in calls[0].text


async def test_start_greets_by_name_and_role(bot: BotHarness) -> None:
    calls = await bot.text(Team.luis, "/start")
    assert "Luis Gómez" in calls[0].text and "agente" in calls[0].text


async def test_start_in_english_for_english_telegram(bot: BotHarness) -> None:
    calls = await bot.text(Team.luis, "/start", language="en")
    assert "Hello, Luis Gómez" in calls[0].text and "agent" in calls[0].text


async def test_help_depends_on_role(bot: BotHarness) -> None:
    agent = (await bot.text(Team.luis, "/ayuda"))[0].text
    admin = (await bot.text(Team.admin, "/ayuda"))[0].text
    assert "/agenda" in agent and "/usuarios" not in agent
    assert "/usuarios" in admin and "/auditoria" in admin


async def test_bootstrap_admin_from_settings_without_registration(bot: BotHarness) -> None:
    # Telegram id 1 is in CRM_ADMIN_IDS; remove the user row to prove settings alone suffice.
    from crm.people.users import deactivate_user

    await deactivate_user(bot.crm, "ADMIN")
    calls = await bot.text(1, "/start")
    assert "777" not in calls[0].text


async def test_forged_button_data_is_answered_not_crashing(bot: BotHarness) -> None:
    for data in ("zz:what", "x" * 70, "fu:open:abc", "\x00\xff"):
        calls = await bot.press(Team.luis, data)
        assert calls[-1].method == "answerCallbackQuery"
        assert "no es válido" in calls[-1].params["text"]


async def test_unknown_command_suggests_help(bot: BotHarness) -> None:
    calls = await bot.text(Team.luis, "/noexiste")
    assert "/ayuda" in calls[0].text
