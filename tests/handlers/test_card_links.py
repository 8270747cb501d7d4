"""The cards link the features together: the follow-up card opens the support-document
letters and (with a cartera document) the promise to pay; the tercero card offers
reassignment to supervisors and admins only."""

from __future__ import annotations

from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from tests.conftest import BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id
from tests.support.telegram import ApiCall


def _shown(calls: list[ApiCall]) -> ApiCall:
    """The message the user sees after a press (sent or edited)."""
    return next(c for c in calls if c.method in ("sendMessage", "editMessageText"))


async def _followup(bot: BotHarness, with_document: bool) -> int:
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    tercero = await make_tercero(bot.crm, encargado_id=luis.id)
    doc = await make_document(bot.crm, tercero) if with_document else None
    view = await followups.create_followup(
        bot.crm, luis, tercero_id=tercero, type_id=await type_id(bot.crm), document_id=doc
    )
    return view.id


async def test_card_with_document_offers_promise_and_support_document(bot: BotHarness) -> None:
    fid = await _followup(bot, with_document=True)
    card = _shown(await bot.press(Team.luis, f"fu:open:{fid}"))
    assert card.button("Compromiso") == f"ca:prom:{fid}"
    assert card.button("Documento soporte") == f"lt:doc:{fid}"
    asked = _shown(await bot.press(Team.luis, card.button("Compromiso")))
    assert "monto" in asked.text
    await bot.text(Team.luis, "/cancelar")
    letters = _shown(await bot.press(Team.luis, card.button("Documento soporte")))
    assert "documentos soporte" in letters.text  # none configured yet: says where to add them


async def test_card_without_document_has_no_promise_button(bot: BotHarness) -> None:
    fid = await _followup(bot, with_document=False)
    card = _shown(await bot.press(Team.luis, f"fu:open:{fid}"))
    assert not [label for label, _ in card.buttons if "Compromiso" in label]


async def test_tercero_card_offers_reassign_to_supervisors_only(bot: BotHarness) -> None:
    tercero = await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    agent_view = _shown(await bot.press(Team.luis, f"te:open:{tercero}"))
    assert not [label for label, _ in agent_view.buttons if "Reasignar" in label]
    supervisor_view = _shown(await bot.press(Team.ana, f"te:open:{tercero}"))
    assert supervisor_view.button("Reasignar") == f"rs:ter:{tercero}"
    pick = _shown(await bot.press(Team.ana, supervisor_view.button("Reasignar")))
    assert any("MARIA" in label for label, _ in pick.buttons)
