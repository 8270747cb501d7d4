"""A whole field day, one thumb, only through what the bot shows: agenda → card → postpone →
activity → observation → photo → close → continue → discard → history → /nuevo."""

from __future__ import annotations

from datetime import timedelta

from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from tests.conftest import BotHarness, Team
from tests.support.data import make_tercero, type_id
from tests.support.telegram import ApiCall


def _edit(calls: list[ApiCall]) -> ApiCall:
    return next(c for c in calls if c.method == "editMessageText")


async def test_a_whole_day_from_the_phone(bot: BotHarness) -> None:
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    tercero = await make_tercero(bot.crm, encargado_id=luis.id)
    await make_tercero(bot.crm, nit="811222333-4", name="Tienda Doña Rosa", encargado_id=luis.id)
    start = await followups.create_followup(
        bot.crm,
        luis,
        tercero_id=tercero,
        type_id=await type_id(bot.crm),
        due_at=bot.clock.now() - timedelta(hours=2),
        note="Cobrar saldo",
    )

    # 1. The agenda: one overdue item; tap it.
    agenda = (await bot.text(Team.luis, "/agenda"))[0]
    assert "Vencidos (1)" in agenda.text and "hace 2 h" in agenda.text
    card = (await bot.press(Team.luis, agenda.button("Ferretería")))[0]
    assert "Cobrar saldo" in card.text

    # 2. Postpone 4 h (from now, since it is overdue).
    menu = (await bot.press(Team.luis, card.button("Posponer")))[0]
    card = _edit(await bot.press(Team.luis, menu.button("+4 h")))
    assert "(en 4 h)" in card.text

    # 3. An activity with a note.
    bot.clock.advance(hours=1)
    menu = (await bot.press(Team.luis, card.button("Actividad")))[0]
    await bot.press(Team.luis, menu.button("Llamada contestada"))
    card = _edit(await bot.text(Team.luis, "Dice que paga mañana"))
    assert "Llamada contestada" in card.text

    # 4. An observation.
    await bot.press(Team.luis, card.button("Observación"))
    card = _edit(await bot.text(Team.luis, "Preguntar por doña Marta"))
    assert "Preguntar por doña Marta" in card.text

    # 5. A photo of the receipt.
    await bot.press(Team.luis, card.button("Adjuntar"))
    update = bot.updates.photo(Team.luis, "RECEIPT-1", caption="Recibo", bot=bot.app.bot)
    card = _edit(await bot.send(update))
    assert "Foto" in card.text

    # 6. Close as paid, without note; then continue in 24 h.
    menu = (await bot.press(Team.luis, card.button("Cerrar")))[0]
    ask = (await bot.press(Team.luis, menu.button("Pagado")))[0]
    card = (await bot.press(Team.luis, ask.button("Sin nota")))[0]
    assert "cerrado (Pagado)" in card.text
    options = (await bot.press(Team.luis, card.button("Continuar")))[0]
    child = (await bot.press(Team.luis, options.button("En 24 h")))[0]
    assert f"Continuación de #{start.id}" in child.text

    # 7. The continuation turns out to be a duplicate: discard it with a typed reason.
    menu = (await bot.press(Team.luis, child.button("Descartar")))[0]
    await bot.press(Team.luis, menu.button("Escribir motivo"))
    child = _edit(await bot.text(Team.luis, "Ya quedó al día"))
    assert "descartado" in child.text

    # 8. The history of the whole lineage, and the photo resent from it.
    history = (await bot.press(Team.luis, child.button("Historial")))[0]
    text = history.text
    for part in (
        "Creado",
        "Pospuesto",
        "Llamada contestada",
        "Preguntar por doña Marta",
        "Foto",
        "Cerrado",
        "Continuado",
        "Descartado",
        "Ya quedó al día",
        "Luis Gómez",
    ):
        assert part in text, part
    resent = await bot.press(Team.luis, history.button("📷"))
    assert resent[0].method == "sendPhoto" and resent[0].params["photo"] == "RECEIPT-1"

    # 9. The agenda is empty now; create a new follow-up for another customer.
    assert "No hay seguimientos activos" in (await bot.text(Team.luis, "/agenda"))[0].text
    results = (await bot.text(Team.luis, "/nuevo rosa"))[0]
    types = (await bot.press(Team.luis, results.button("Doña Rosa")))[0]
    due = (await bot.press(Team.luis, types.button("Seguimiento a pedido")))[0]
    note = (await bot.press(Team.luis, due.button("en 48 h")))[0]
    summary = (await bot.press(Team.luis, note.button("Sin nota")))[0]
    new_card = (await bot.press(Team.luis, summary.button("Crear")))[0]
    assert "Tienda Doña Rosa" in new_card.text and "Seguimiento a pedido" in new_card.text
    agenda = (await bot.text(Team.luis, "/agenda"))[0]
    assert "Próximos (1)" in agenda.text and "Doña Rosa" in agenda.text
