"""/cartera through the real application: book text per role, per-tercero cartera, Iniciar
buttons, the promise flow and refusals on crafted ``ca:`` data."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from crm.followups import lifecycle as followups
from storage.models import FollowUp, Promise
from tests.conftest import BOGOTA, BotHarness, Team
from tests.support.data import make_document, make_tercero


@pytest.fixture
async def book(bot: BotHarness) -> dict[str, int]:
    users = bot.users
    today = bot.clock.now().astimezone(bot.crm.tz).date()
    ids = {
        "nunez": await make_tercero(bot.crm, "900123456-8", "Ferretería Núñez", users["LUIS"]),
        "maria": await make_tercero(bot.crm, "800111222-3", "Cliente María", users["MARIA"]),
        "pedro": await make_tercero(bot.crm, "12345-9", "Almacén de Pedro", users["PEDRO"]),
    }
    ids["d_old"] = await make_document(
        bot.crm, ids["nunez"], "1001", due=today - timedelta(days=95), balance="1234567.40"
    )
    ids["d_new"] = await make_document(
        bot.crm, ids["nunez"], "1002", due=today + timedelta(days=5), balance="500000"
    )
    ids["d_maria"] = await make_document(
        bot.crm, ids["maria"], "2001", due=today - timedelta(days=31), balance="300000"
    )
    ids["d_pedro"] = await make_document(
        bot.crm, ids["pedro"], "3001", due=today - timedelta(days=2), balance="700000"
    )
    return ids


async def _active(bot: BotHarness) -> int:
    async with bot.crm.sessions() as session:
        return (
            await session.scalar(
                select(func.count(FollowUp.id)).where(FollowUp.status == "active")
            )
            or 0
        )


async def test_agent_book_text(bot: BotHarness, book) -> None:
    text = (await bot.text(Team.luis, "/cartera"))[-1]
    assert "Cartera de tu libro" in text.text and "27/11/2026" in text.text
    for label in ("Corriente: $ 500.000", "1–30: $ 0", "31–60: $ 0", "61–90: $ 0"):
        assert label in text.text
    assert "&gt; 90: $ 1.234.567" in text.text
    assert "Total: $ 1.734.567" in text.text and "Vencida: $ 1.234.567" in text.text
    assert "2 documentos abiertos · 2 sin seguimiento" in text.text
    assert "Por agente" not in text.text and "Pedro" not in text.text
    assert text.button("Ferretería Núñez") == f"te:open:{book['nunez']}"
    assert text.button("Iniciar todos (2)") == "ca:allb"


async def test_supervisor_book_has_per_agent_split(bot: BotHarness, book) -> None:
    text = (await bot.text(Team.ana, "/cartera"))[-1].text
    assert "Cartera de tu equipo" in text and "Total: $ 2.034.567" in text
    assert "Luis Gómez: $ 1.734.567" in text and "María Ruiz: $ 300.000" in text
    assert "Pedro" not in text
    admin = (await bot.text(Team.admin, "/cartera"))[-1].text
    assert "Cartera de la empresa" in admin and "Pedro Soto: $ 700.000" in admin
    one = (await bot.text(Team.ana, "/cartera agente:MARIA"))[-1].text
    assert "Cartera de María Ruiz" in one and "Total: $ 300.000" in one
    refused = (await bot.text(Team.ana, "/cartera agente:PEDRO"))[-1].text
    assert "No autorizado" in refused


async def test_tercero_cartera_marks_sin_seguimiento_and_starts_one(bot: BotHarness, book) -> None:
    view = (await bot.press(Team.luis, f"ca:ter:{book['nunez']}:0"))[-1]
    assert view.method == "editMessageText"
    assert "FV-1001" in view.text and "95 días vencido" in view.text and "&gt; 90" in view.text
    assert "faltan 5 días" in view.text and view.text.count("sin seguimiento") == 3
    start = view.button("Iniciar seguimiento FV-1001")
    assert start == f"ca:start:{book['d_old']}:0"
    started = await bot.press(Team.luis, start)
    assert started[0].method == "answerCallbackQuery"
    after = started[-1]
    assert "Seguimiento #" in after.text and "creado para FV-1001" in after.text
    assert after.text.count("sin seguimiento") == 2  # the header count + FV-1002
    followup_data = after.button("Seguimiento #")
    assert followup_data.startswith("fu:open:")
    # Pressing the stale button again creates nothing and says why.
    again = await bot.press(Team.luis, start)
    assert [c.method for c in again] == ["answerCallbackQuery"]
    assert "ya tiene un seguimiento activo" in again[0].params["text"]
    assert await _active(bot) == 1


async def test_iniciar_todos_tercero_then_book(bot: BotHarness, book) -> None:
    view = (await bot.press(Team.ana, f"ca:ter:{book['nunez']}:0"))[-1]
    ask = (await bot.press(Team.ana, view.button("Iniciar todos")))[-1]
    # "Iniciar todos (N)" first says what will happen; nothing is created before ✅.
    assert "Documentos: 2" in ask.text and "Cobro de cartera" in ask.text
    assert await _active(bot) == 0
    done = (await bot.press(Team.ana, ask.button("Confirmar")))[-1]
    assert "Se crearon 2 seguimientos" in done.text
    assert "Iniciar todos" not in str(done.buttons)
    again = (await bot.press(Team.ana, f"ca:allt:{book['nunez']}"))[-1]
    assert "no se creó ninguno" in again.text
    book_view = (await bot.text(Team.ana, "/cartera"))[-1]
    assert "1 sin seguimiento" in book_view.text
    ask = (await bot.press(Team.ana, book_view.button("Iniciar todos")))[-1]
    assert "Documentos: 1" in ask.text
    all_done = (await bot.press(Team.ana, ask.button("Confirmar")))[-1]
    assert "Se creó 1 seguimiento." in all_done.text and "0 sin seguimiento" in all_done.text
    assert await _active(bot) == 3  # Pedro's document is not Ana's to start


@pytest.mark.parametrize(
    "data",
    [
        "ca:ter:{tercero}:0",
        "ca:start:{doc}:0",
        "ca:allt:{tercero}",
        "ca:prom:{fu}",
    ],
)
async def test_crafted_ca_data_for_someone_elses_tercero_is_refused(
    bot: BotHarness, book, data: str
) -> None:
    from crm.kernel.actor import resolve_actor

    admin = await resolve_actor(bot.crm, Team.admin)
    assert admin is not None
    from crm.cobranza import starts as cartera_starts

    fu = await cartera_starts.start_followup_for_document(bot.crm, admin, book["d_pedro"])
    before = await _active(bot)
    calls = await bot.press(
        Team.luis, data.format(tercero=book["pedro"], doc=book["d_pedro"], fu=fu.id)
    )
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    assert "No autorizado" in calls[0].params["text"]
    assert await _active(bot) == before


async def test_book_start_all_for_other_agent_is_refused(bot: BotHarness, book) -> None:
    calls = await bot.press(Team.luis, f"ca:allb:{bot.users['MARIA']}")
    assert "No autorizado" in calls[-1].params["text"]
    assert await _active(bot) == 0


async def test_promise_flow_records_and_moves_due(bot: BotHarness, book) -> None:
    view = (await bot.press(Team.luis, f"ca:ter:{book['nunez']}:0"))[-1]
    await bot.press(Team.luis, view.button("Iniciar seguimiento FV-1001"))
    async with bot.crm.sessions() as session:
        fu_id = await session.scalar(select(FollowUp.id))
    asked = await bot.press(Team.luis, f"ca:prom:{fu_id}")
    assert "Saldo: $ 1.234.567" in asked[-1].text and "monto" in asked[-1].text
    too_much = await bot.text(Team.luis, "2.000.000")
    assert "supera el saldo" in too_much[-1].text
    bad = await bot.text(Team.luis, "mucho")
    assert "No entendí el monto" in bad[-1].text
    date_q = (await bot.text(Team.luis, "500.000"))[-1]
    assert "Monto: <b>$ 500.000</b>" in date_q.text
    assert date_q.button("Mañana") == "ca:pd:20261128"
    past = await bot.text(Team.luis, "01/11/2026")
    assert "anterior a hoy" in past[-1].text
    done = (await bot.text(Team.luis, "05/12/2026"))[-1]
    assert "Compromiso registrado: $ 500.000 para el 05/12/2026" in done.text
    assert done.button("Abrir seguimiento") == f"fu:open:{fu_id}"
    card = await followups.get_followup(bot.crm, (await _actor(bot, Team.luis)), fu_id)
    assert card.due_at == datetime(2026, 12, 5, 8, 0, tzinfo=BOGOTA)
    # The flow ended: a further number is not taken as an amount, only hinted at.
    assert "No estoy esperando" in (await bot.text(Team.luis, "100.000"))[0].text


async def test_promise_by_quick_button_and_cancel(bot: BotHarness, book) -> None:
    await bot.press(Team.luis, f"ca:start:{book['d_new']}:0")
    async with bot.crm.sessions() as session:
        fu_id = await session.scalar(select(FollowUp.id))
    await bot.press(Team.luis, f"ca:prom:{fu_id}")
    cancelled = await bot.text(Team.luis, "/cancelar")
    assert "cancelado" in cancelled[-1].text
    await bot.press(Team.luis, f"ca:prom:{fu_id}")
    date_q = (await bot.text(Team.luis, "100000"))[-1]
    done = await bot.press(Team.luis, date_q.button("En 7 días"))
    assert done[0].method == "answerCallbackQuery"
    assert "para el 04/12/2026" in done[-1].text
    async with bot.crm.sessions() as session:
        assert await session.scalar(select(func.count(Promise.id))) == 1


async def test_promise_on_followup_without_document_is_explained(bot: BotHarness, book) -> None:
    luis = await _actor(bot, Team.luis)
    from tests.support.data import type_id

    plain = await followups.create_followup(
        bot.crm, luis, tercero_id=book["nunez"], type_id=await type_id(bot.crm)
    )
    calls = await bot.press(Team.luis, f"ca:prom:{plain.id}")
    assert "no está ligado a un documento de cartera" in calls[-1].params["text"]


async def _actor(bot: BotHarness, tg: int):  # type: ignore[no-untyped-def]
    from crm.kernel.actor import resolve_actor

    actor = await resolve_actor(bot.crm, tg)
    assert actor is not None
    return actor


async def test_cartera_comes_with_its_picture_and_this_months_recaudo(
    bot: BotHarness, book
) -> None:
    from tests.crm.test_charts import check_png

    calls = await bot.text(Team.luis, "/cartera")
    assert [c.method for c in calls] == ["sendPhoto", "sendMessage"]
    check_png(calls[0].params["_file_bytes"]["photo"])
    assert "Recaudado este mes: <b>$ 0</b>" in calls[1].text


async def test_iniciar_todos_on_the_book_of_an_agent_whose_code_has_an_enye(
    bot: BotHarness, book
) -> None:
    """Agent codes are free text (MUÑOZ, with a space or a colon from an import): the book's
    buttons carry the agent's id, so they can always be pressed."""
    from crm.people.users import add_user

    munoz = (await add_user(bot.crm, 8, "Juan Muñoz", "MUÑOZ", "agent", "ANA")).id
    tercero = await make_tercero(bot.crm, "700555444-1", "Tienda Muñoz", munoz)
    await make_document(bot.crm, tercero, "4001", due=bot.clock.now().date(), balance="90000")
    view = (await bot.text(Team.ana, "/cartera agente:muñoz"))[-1]
    assert "Cartera de Juan Muñoz" in view.text
    # ✖ Cancelar shows that agent's book again, ✅ Confirmar starts its follow-up
    ask = (await bot.press(Team.ana, view.button("Iniciar todos (1)")))[-1]
    back = (await bot.press(Team.ana, ask.button("Cancelar")))[-1]
    assert "Cartera de Juan Muñoz" in back.text and await _active(bot) == 0
    ask = (await bot.press(Team.ana, back.button("Iniciar todos (1)")))[-1]
    done = (await bot.press(Team.ana, ask.button("Confirmar")))[-1]
    assert "Cartera de Juan Muñoz" in done.text and await _active(bot) == 1
