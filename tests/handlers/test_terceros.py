"""/tercero through the real application: one, several, none, alone; the card and its
buttons; documents with filters; refusals on crafted button data."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from tests.conftest import BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id


@pytest.fixture
async def book(bot: BotHarness) -> dict[str, int]:
    users = bot.users
    ids = {
        "nunez": await make_tercero(
            bot.crm,
            "900123456-8",
            "Ferretería Núñez & Cía",
            users["LUIS"],
            email="pagos@nunez.co",
        ),
        "hermanos": await make_tercero(
            bot.crm, "800111222-3", "Núñez Hermanos", users["LUIS"], phones=None
        ),
        "pedro": await make_tercero(bot.crm, "12345-9", "Almacén de Pedro", users["PEDRO"]),
    }
    today = bot.clock.now().astimezone(bot.crm.tz).date()
    await make_document(
        bot.crm, ids["nunez"], "1001", due=today - timedelta(days=45), balance="1234567.40"
    )
    await make_document(
        bot.crm, ids["nunez"], "1002", due=today + timedelta(days=5), balance="500000"
    )
    await make_document(
        bot.crm, ids["nunez"], "77", doc_type="RC", on=date(2026, 11, 2), balance="0"
    )
    return ids


async def test_one_result_opens_the_card_at_once(bot: BotHarness, book) -> None:
    calls = await bot.text(Team.luis, "/tercero ferreteria")
    card = calls[-1]
    assert "Ferretería Núñez &amp; Cía" in card.text and "900123456-8" in card.text
    assert "+57 300 123 4567" in card.text and "pagos@nunez.co" in card.text
    # A plain international number, which Telegram apps make tappable; no tel: link.
    assert "<a " not in card.text and "tel:" not in card.text
    assert "Luis Gómez" in card.text
    assert "$ 1.734.567" in card.text and "vencida $ 1.234.567" in card.text
    labels = [label for label, _ in card.buttons]
    assert any("Documentos" in b for b in labels) and any("Cartera" in b for b in labels)
    assert any("Seguimientos" in b for b in labels)
    assert card.button("Nuevo seguimiento") == f"nv:ter:{book['nunez']}"


async def test_by_nit_with_dv(bot: BotHarness, book) -> None:
    calls = await bot.text(Team.luis, "/tercero 900123456-8")
    assert "Ferretería Núñez" in calls[-1].text


async def test_several_results_come_as_buttons(bot: BotHarness, book) -> None:
    calls = await bot.text(Team.luis, "/tercero NUNEZ")
    assert "2" in calls[-1].text
    data = {d for _, d in calls[-1].buttons}
    assert data == {f"te:open:{book['nunez']}", f"te:open:{book['hermanos']}"}
    opened = await bot.press(Team.luis, f"te:open:{book['hermanos']}")
    assert opened[0].method == "answerCallbackQuery"
    assert opened[-1].method == "editMessageText" and "Núñez Hermanos" in opened[-1].text


async def test_results_are_paged_in_place(bot: BotHarness, book) -> None:
    for n in range(11):
        await make_tercero(bot.crm, f"93000{n:04d}-1", f"Cliente Lote {n:02d}", bot.users["LUIS"])
    first = (await bot.text(Team.luis, "/tercero lote"))[-1]
    assert len([d for _, d in first.buttons if d and d.startswith("te:open:")]) == 8
    nxt = first.button("▶")
    second = (await bot.press(Team.luis, nxt))[-1]
    assert second.method == "editMessageText"
    assert "Cliente Lote 10" in {label.split(" · ")[0] for label, _ in second.buttons}


async def test_no_result_says_so_and_how_to_search(bot: BotHarness, book) -> None:
    calls = await bot.text(Team.luis, "/tercero almacen")  # Pedro's, not in Luis's book
    assert "No encontré" in calls[-1].text and "almacen" in calls[-1].text
    assert "NIT" in calls[-1].text and calls[-1].buttons == []


async def test_tercero_alone_asks_then_searches(bot: BotHarness, book) -> None:
    asked = await bot.text(Team.luis, "/tercero")
    assert "Escribe parte del nombre o el NIT" in asked[-1].text
    found = await bot.text(Team.luis, "ferretería")
    assert "Ferretería Núñez" in found[-1].text and found[-1].buttons
    # The question was answered: more text is not taken as a search, only hinted at.
    assert "No estoy esperando" in (await bot.text(Team.luis, "nunez"))[0].text


async def test_tercero_alone_then_cancel(bot: BotHarness, book) -> None:
    await bot.text(Team.luis, "/tercero")
    calls = await bot.text(Team.luis, "/cancelar")
    assert "cancelado" in calls[-1].text and "búsqueda de /tercero" in calls[-1].text
    assert "No estoy esperando" in (await bot.text(Team.luis, "nunez"))[0].text


async def test_too_short_search_is_explained(bot: BotHarness, book) -> None:
    calls = await bot.text(Team.luis, "/tercero x")
    assert "entre 2 y 100 caracteres" in calls[-1].text


async def test_english_user_gets_english(bot: BotHarness, book) -> None:
    calls = await bot.text(Team.luis, "/tercero zzzz", language="en")
    assert "I found no terceros" in calls[-1].text


async def test_documents_button_filters_and_period(bot: BotHarness, book) -> None:
    tid = book["nunez"]
    docs = (await bot.press(Team.luis, f"te:docs:{tid}:0:::"))[-1]
    assert docs.method == "editMessageText"
    assert "RC-77" in docs.text and "FV-1001" in docs.text
    assert docs.text.index("RC-77") < docs.text.index("FV-1001")  # newest first
    only_rc = (await bot.press(Team.luis, docs.button("RC")))[-1]
    assert "RC-77" in only_rc.text and "FV-1001" not in only_rc.text
    # Desde: the bot asks, the user types a date, the list comes back filtered.
    asked = await bot.press(Team.luis, docs.button("Desde"))
    assert "desde" in asked[-1].text
    assert (await bot.text(Team.luis, "32/13/2026"))[-1].text.startswith("No entendí la fecha")
    filtered = (await bot.text(Team.luis, "01/11/2026"))[-1]
    assert "01/11/2026 – …" in filtered.text
    assert "RC-77" in filtered.text and "FV-1001" not in filtered.text
    assert filtered.button("Quitar periodo")


async def test_followups_button_lists_fu_open(bot: BotHarness, book) -> None:
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    f = await followups.create_followup(
        bot.crm, luis, tercero_id=book["nunez"], type_id=await type_id(bot.crm)
    )
    calls = await bot.press(Team.luis, f"te:fus:{book['nunez']}:0")
    assert f"#{f.id} Cobro de cartera" in calls[-1].text
    assert calls[-1].button(f"#{f.id}") == f"fu:open:{f.id}"
    assert calls[-1].button("Nuevo seguimiento") == f"nv:ter:{book['nunez']}"


@pytest.mark.parametrize(
    "data",
    ["te:open:{id}", "te:docs:{id}:0:::", "te:fus:{id}:0", "te:since:{id}:0:::"],
)
async def test_crafted_data_for_someone_elses_tercero_is_refused(
    bot: BotHarness, book, data: str
) -> None:
    calls = await bot.press(Team.pedro, data.format(id=book["nunez"]))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "No autorizado" in calls[0].params["text"]


@pytest.mark.parametrize("data", ["te:docs:1:0::2026131:", "te:zz:1", "te:open:x"])
async def test_forged_te_data_is_a_bad_button(bot: BotHarness, book, data: str) -> None:
    calls = await bot.press(Team.luis, data)
    assert calls[-1].method == "answerCallbackQuery"
    assert "no es válido" in calls[-1].params["text"]


async def test_supervisor_and_admin_see_team_terceros(bot: BotHarness, book) -> None:
    ana = await bot.text(Team.ana, "/tercero almacen")
    assert "No encontré" in ana[-1].text
    admin = await bot.text(Team.admin, "/tercero almacen")
    assert "Almacén de Pedro" in admin[-1].text
    ana_card = await bot.text(Team.ana, "/tercero hermanos")
    assert "Núñez Hermanos" in ana_card[-1].text


def test_a_document_type_offered_as_a_filter_fits_every_pager_button() -> None:
    """The pager's ▶ carries the next page: a type whose buttons fit on page 0 but overflow
    Telegram's 64 bytes from page 100 on must not be offered as a filter."""
    from handlers.terceros import AskUntil, Documents, _safe_type

    offered = 0
    for tercero_id in (7, 123456):
        for length in range(1, 50):
            doc_type = "F" * length
            if not _safe_type(tercero_id, doc_type):
                continue
            offered += 1
            for page in (0, 99, 100, 9_999, 99_999):
                Documents(tercero_id, page, doc_type, "20261201", "20261231").pack()
                AskUntil(tercero_id, page, doc_type, "20261201", "20261231").pack()
    assert offered > 20  # short types are offered
