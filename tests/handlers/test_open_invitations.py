"""/invitaciones through the real application: admins see open invitations and revoke them
with a button; the revoked link is refused; others are not authorized."""

from __future__ import annotations

from crm.kernel.actor import resolve_actor
from tests.conftest import BotHarness, Team
from tests.support.telegram import BOT_USERNAME


def _invite_code(text: str) -> str:
    marker = f"https://t.me/{BOT_USERNAME}?start="
    return text.split(marker, 1)[1].split()[0]


async def test_admin_revokes_an_open_invitation_from_the_list(bot: BotHarness) -> None:
    code = _invite_code((await bot.text(Team.admin, "/invitar agente NUEVO"))[0].text)
    await bot.text(Team.ana, "/invitar agente")
    [listing] = await bot.text(Team.admin, "/invitaciones")
    assert "Invitaciones abiertas</b> (2)" in listing.text
    assert "NUEVO" in listing.text and "por ANA" in listing.text
    buttons = dict(listing.buttons)
    assert "Revocar NUEVO" in buttons
    calls = await bot.press(Team.admin, buttons["Revocar NUEVO"] or "")
    edited = [c for c in calls if c.method == "editMessageText"]
    assert edited and "revocada" in edited[0].text and "(1)" in edited[0].text
    assert "NUEVO" not in edited[0].text
    answers = [c for c in calls if c.method == "answerCallbackQuery"]
    assert answers and "revocada" in answers[0].params.get("text", "")

    [refusal] = await bot.text(950, f"/start {code}")
    assert "revocada" in refusal.text
    assert await resolve_actor(bot.crm, 950) is None
    # Pressing the stale button again is explained, not an internal error.
    calls = await bot.press(Team.admin, buttons["Revocar NUEVO"] or "")
    texts = " ".join(str(c.params.get("text", "")) for c in calls)
    assert "revocada" in texts and "Algo salió mal" not in texts


async def test_only_admins_see_open_invitations(bot: BotHarness) -> None:
    for who in (Team.ana, Team.luis):
        [reply] = await bot.text(who, "/invitaciones")
        assert "No autorizado" in reply.text
    [empty] = await bot.text(Team.admin, "/invitaciones")
    assert "No hay invitaciones abiertas" in empty.text
    forged = await bot.press(Team.luis, "iv:rv:1")
    assert "Algo salió mal" not in " ".join(str(c.params.get("text", "")) for c in forged)
