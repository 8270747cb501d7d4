"""The follow-up card and each action through the real application: postpone (buttons and
typed hours), close + continue, discard, activity, observation, attachments, history;
every bad input, stale and finished presses, and permission refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from crm.followups import activity as followups_activity
from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.views import FollowUpView
from tests.conftest import BOGOTA, BotHarness, Team
from tests.support.data import make_document, make_tercero, state_id, type_id


async def _actor(bot: BotHarness, tg: int) -> Actor:
    actor = await resolve_actor(bot.crm, tg)
    assert actor is not None
    return actor


async def _new(
    bot: BotHarness, tg: int = Team.luis, type_name: str = "Cobro de cartera", **kw
) -> FollowUpView:
    actor = await _actor(bot, tg)
    tercero = await make_tercero(bot.crm, nit=f"9001{tg}{kw.pop('n', 0)}-7", encargado_id=actor.id)
    return await followups.create_followup(
        bot.crm, actor, tercero_id=tercero, type_id=await type_id(bot.crm, type_name), **kw
    )


async def _card(bot: BotHarness, fid: int, tg: int = Team.luis) -> FollowUpView:
    return await followups.get_followup(bot.crm, await _actor(bot, tg), fid)


async def test_card_shows_everything_and_all_buttons(bot: BotHarness) -> None:
    luis = await _actor(bot, Team.luis)
    tercero = await make_tercero(bot.crm, encargado_id=luis.id)
    doc = await make_document(bot.crm, tercero, balance="1234567.40")
    f = await followups.create_followup(
        bot.crm,
        luis,
        tercero_id=tercero,
        type_id=await type_id(bot.crm),
        document_id=doc,
        due_at=datetime(2026, 11, 27, 17, 30, tzinfo=BOGOTA),
        note="Cobrar factura",
    )
    calls = await bot.press(Team.luis, f"fu:open:{f.id}")
    card = calls[0]
    assert card.method == "sendMessage" and calls[-1].method == "answerCallbackQuery"
    text = card.text
    for part in (
        "Ferretería Núñez &amp; Cía",
        "NIT 900123456-7",
        "📞 +57 300 123 4567 · +57 601 456 7890",
        "Cra 7 # 12-34, Bogotá",
        "Cobro de cartera",
        "activo",
        "27/11/2026 17:30 (en 4 h)",  # 3 h 30 min rounds to the nearest hour
        "Luis Gómez (LUIS)",
        "FV-1001",
        "$ 1.234.567",
        "Cobrar factura",
        "Creado",
    ):
        assert part in text, part
    assert card.params["parse_mode"] == "HTML"
    for word in (
        "Posponer",
        "Cerrar",
        "Descartar",
        "Actividad",
        "Observación",
        "Adjuntar",
        "Historial",
        "Tercero",
    ):
        card.button(word)
    assert card.button("Cerrar") == f"fu:cl:{f.id}:{f.version}"
    assert card.button("Tercero") == f"te:open:{tercero}"
    assert all(len((d or "").encode()) <= 64 for _, d in card.buttons)


@pytest.mark.parametrize(("label", "hours"), [("+1 h", 1), ("+4 h", 4), ("+24 h", 24)])
async def test_postpone_buttons(bot: BotHarness, label: str, hours: int) -> None:
    f = await _new(bot)
    menu = (await bot.press(Team.luis, f"fu:pp:{f.id}:1"))[0]
    assert menu.method == "editMessageReplyMarkup"
    calls = await bot.press(Team.luis, menu.button(label))
    edit = calls[0]
    assert edit.method == "editMessageText" and edit.params["message_id"] == 500
    assert "Pospuesto" in edit.text  # the history line on the redrawn card
    assert (
        calls[-1].method == "answerCallbackQuery" and "Pospuesto hasta" in calls[-1].params["text"]
    )
    after = await _card(bot, f.id)
    assert after.due_at == f.due_at + timedelta(hours=hours) and after.version == 2
    assert edit.button("Posponer") == f"fu:pp:{f.id}:2"


async def test_postpone_offers_the_type_hours(bot: BotHarness) -> None:
    f = await _new(bot, type_name="Visita T.A.T.")
    menu = (await bot.press(Team.luis, f"fu:pp:{f.id}:1"))[0]
    await bot.press(Team.luis, menu.button("+72 h"))
    assert (await _card(bot, f.id)).due_at == f.due_at + timedelta(hours=72)


async def test_postpone_other_refuses_bad_hours_and_asks_again(bot: BotHarness) -> None:
    f = await _new(bot)
    menu = (await bot.press(Team.luis, f"fu:pp:{f.id}:1"))[0]
    ask = (await bot.press(Team.luis, menu.button("Otro")))[0]
    assert ask.method == "editMessageText" and "¿Cuántas horas" in ask.text
    for bad in ("abc", "-5", "9999", "2,5"):
        reply = await bot.text(Team.luis, bad)
        assert [c.method for c in reply] == ["sendMessage"], bad
        assert "número entero de horas entre 1 y 720" in reply[0].text
        assert "¿Cuántas horas" in reply[0].text
        assert (await _card(bot, f.id)).version == 1
    done = await bot.text(Team.luis, "6")
    edit = next(c for c in done if c.method == "editMessageText")
    assert edit.params["message_id"] == 500 and "Seguimiento #" in edit.text
    assert any("Pospuesto hasta" in c.text for c in done if c.method == "sendMessage")
    assert (await _card(bot, f.id)).due_at == f.due_at + timedelta(hours=6)
    # The step is over: another number is not taken as hours again, only hinted at.
    hint = await bot.text(Team.luis, "5")
    assert len(hint) == 1 and "No estoy esperando" in hint[0].text
    assert (await _card(bot, f.id)).due_at == f.due_at + timedelta(hours=6)


async def test_refused_press_midway_keeps_the_typed_step(bot: BotHarness) -> None:
    f = await _new(bot)
    theirs = await _new(bot, Team.maria, n=9)
    await bot.press(Team.luis, f"fu:po:{f.id}:1")
    refused = await bot.press(Team.luis, f"fu:ph:{theirs.id}:1:4")
    assert "No autorizado" in refused[0].params["text"]
    await bot.text(Team.luis, "6")
    assert (await _card(bot, f.id)).due_at == f.due_at + timedelta(hours=6)


async def test_cancelar_leaves_the_typed_step(bot: BotHarness) -> None:
    f = await _new(bot)
    await bot.press(Team.luis, f"fu:po:{f.id}:1")
    calls = await bot.text(Team.luis, "/cancelar")
    assert "cancelado" in calls[-1].text and "posponer #1" in calls[-1].text
    # The prompt says so and loses its buttons; typed text is no longer taken as hours.
    closed = next(c for c in calls if c.method == "editMessageText")
    assert "cancelado" in closed.text and closed.buttons == []
    assert "No estoy esperando" in (await bot.text(Team.luis, "6"))[0].text
    assert (await _card(bot, f.id)).version == 1


async def test_close_with_note_then_continue(bot: BotHarness) -> None:
    f = await _new(bot)
    menu = (await bot.press(Team.luis, f"fu:cl:{f.id}:1"))[0]
    labels = [label for label, _ in menu.buttons]
    assert any("Pagado" in x for x in labels) and not any("Duplicado" in x for x in labels)
    ask = (await bot.press(Team.luis, menu.button("Pagado")))[0]
    assert "nota de cierre" in ask.text and ask.button("Sin nota")
    done = await bot.text(Team.luis, "Pagó en efectivo")
    edit = next(c for c in done if c.method == "editMessageText")
    assert "cerrado (Pagado)" in edit.text and "Pagó en efectivo" in edit.text
    closed = await _card(bot, f.id)
    assert closed.status == "closed" and closed.state == "Pagado"
    options = (await bot.press(Team.luis, edit.button("Continuar")))[0]
    assert options.method == "editMessageReplyMarkup"
    child_calls = await bot.press(Team.luis, options.button("En 24 h"))
    child_card = child_calls[0]
    assert child_card.method == "editMessageText"
    assert "Continuación de #" in child_card.text and "activo" in child_card.text
    assert "Nuevo seguimiento #" in child_calls[-1].params["text"]
    lineage = await followups_activity.history(bot.crm, await _actor(bot, Team.luis), f.id)
    child = lineage.followups[-1]
    assert child.parent_id == f.id and child.due_at == bot.clock.now() + timedelta(hours=24)
    again = await bot.press(Team.luis, options.button("En 24 h"))
    assert "ya tiene una continuación" in again[-1].params["text"]


async def test_close_without_note_and_continue_on_typed_date(bot: BotHarness) -> None:
    f = await _new(bot)
    ask = (await bot.press(Team.luis, f"fu:cs:{f.id}:1:{await state_id(bot.crm, 'Pagado')}"))[0]
    closed = (await bot.press(Team.luis, ask.button("Sin nota")))[0]
    assert "cerrado (Pagado)" in closed.text
    options = (await bot.press(Team.luis, closed.button("Continuar")))[0]
    ask_date = (await bot.press(Team.luis, options.button("Otra fecha")))[0]
    assert "AAAA-MM-DD HH:MM" in ask_date.text
    for bad, message in (("el lunes", "No entendí la fecha"), ("20/11 10:00", "debe ser futura")):
        reply = await bot.text(Team.luis, bad)
        assert message in reply[0].text and "AAAA-MM-DD HH:MM" in reply[0].text
    done = await bot.text(Team.luis, "2026-12-01 09:00")
    edit = next(c for c in done if c.method == "editMessageText")
    assert "01/12/2026 09:00" in edit.text
    lineage = await followups_activity.history(bot.crm, await _actor(bot, Team.luis), f.id)
    assert lineage.followups[-1].due_at == datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA)


async def test_continue_tomorrow_morning(bot: BotHarness) -> None:
    f = await _new(bot)
    await followups.close(
        bot.crm, await _actor(bot, Team.luis), f.id, await state_id(bot.crm, "Pagado")
    )
    options = (await bot.press(Team.luis, f"fu:co:{f.id}"))[0]
    child = (await bot.press(Team.luis, options.button("Mañana 8:00")))[0]
    assert "28/11/2026 08:00" in child.text


async def test_discard_with_state_and_with_typed_reason(bot: BotHarness) -> None:
    first = await _new(bot, n=1)
    menu = (await bot.press(Team.luis, f"fu:ds:{first.id}:1"))[0]
    assert not any("Pagado" in label for label, _ in menu.buttons)
    edit = (await bot.press(Team.luis, menu.button("Duplicado")))[0]
    assert "descartado (Duplicado)" in edit.text
    assert not any("Posponer" in label for label, _ in edit.buttons)
    second = await _new(bot, n=2)
    menu = (await bot.press(Team.luis, f"fu:ds:{second.id}:1"))[0]
    ask = (await bot.press(Team.luis, menu.button("Escribir motivo")))[0]
    assert "motivo" in ask.text
    empty = await bot.text(Team.luis, "   ")
    assert "indica un motivo" in empty[0].text
    done = await bot.text(Team.luis, "El cliente cerró el local")
    assert any("descartado" in c.text for c in done if c.method == "editMessageText")
    gone = await _card(bot, second.id)
    assert gone.status == "discarded" and gone.events[-1].text == "El cliente cerró el local"
    agenda = await bot.text(Team.luis, "/agenda")
    assert f"fu:open:{second.id}" not in [d for _, d in agenda[0].buttons]


async def test_activity_with_effect_and_optional_note(bot: BotHarness) -> None:
    f = await _new(bot)
    menu = (await bot.press(Team.luis, f"fu:ac:{f.id}:1"))[0]
    labels = [label for label, _ in menu.buttons]
    assert "📈 Llamada contestada · avance" in labels
    assert "📉 Cliente rechaza pago · retroceso" in labels
    ask = (await bot.press(Team.luis, menu.button("Llamada contestada")))[0]
    edit = (await bot.press(Team.luis, ask.button("Sin nota")))[0]
    assert "Llamada contestada" in edit.text
    menu = (await bot.press(Team.luis, f"fu:ac:{f.id}:2"))[0]
    await bot.press(Team.luis, menu.button("Promesa de pago"))
    await bot.text(Team.luis, "Paga el viernes")
    card = await _card(bot, f.id)
    assert [(e.activity, e.text) for e in card.events if e.kind == "activity"] == [
        ("Llamada contestada", None),
        ("Promesa de pago", "Paga el viernes"),
    ]


async def test_observation_limit_and_save(bot: BotHarness) -> None:
    f = await _new(bot)
    ask = (await bot.press(Team.luis, f"fu:ob:{f.id}:1"))[0]
    assert "máximo 1000 caracteres" in ask.text
    long = await bot.text(Team.luis, "x" * 1001)
    assert "1001 caracteres y el máximo es 1000" in long[0].text
    assert "Escribe la observación" in long[0].text
    photo = await bot.send(bot.updates.photo(Team.luis, bot=bot.app.bot))
    assert "Necesito un texto" in photo[0].text
    assert (await _card(bot, f.id)).version == 1
    done = await bot.text(Team.luis, "Atiende <solo> en la tarde")
    assert any("Observación guardada" in c.text for c in done)
    card = await _card(bot, f.id)
    assert card.events[-1].kind == "observation"
    assert card.events[-1].text == "Atiende <solo> en la tarde"


async def test_attach_photo_document_location(bot: BotHarness) -> None:
    f = await _new(bot)
    ask = (await bot.press(Team.luis, f"fu:at:{f.id}:1"))[0]
    assert "foto, un documento o tu ubicación" in ask.text
    wrong = await bot.text(Team.luis, "hola")
    assert "Envía una foto" in wrong[0].text
    await bot.send(bot.updates.photo(Team.luis, "PHOTO-1", caption="Fachada", bot=bot.app.bot))
    await bot.press(Team.luis, f"fu:at:{f.id}:2")
    await bot.send(bot.updates.document(Team.luis, "DOC-1", bot=bot.app.bot))
    await bot.press(Team.luis, f"fu:at:{f.id}:3")
    done = await bot.send(bot.updates.location(Team.luis, 4.6, -74.08, bot=bot.app.bot))
    assert any("Adjunto guardado" in c.text for c in done)
    attachments = [e for e in (await _card(bot, f.id)).events if e.kind == "attachment"]
    assert [(e.file_kind, e.file_id, e.text) for e in attachments] == [
        ("photo", "PHOTO-1", "Fachada"),
        ("document", "DOC-1", "f.pdf"),  # a document shows its file name
        ("location", None, None),
    ]
    assert attachments[-1].latitude == pytest.approx(4.6)


async def test_history_lineage_paged_with_resend(bot: BotHarness) -> None:
    luis = await _actor(bot, Team.luis)
    f = await _new(bot)
    await followups_activity.attach(
        bot.crm, luis, f.id, kind="photo", file_id="PH-9", caption="Recibo"
    )
    await followups_activity.attach(
        bot.crm, luis, f.id, kind="location", latitude=4.6, longitude=-74.1
    )
    await followups.postpone(bot.crm, luis, f.id, 4)
    for n in range(12):
        await followups_activity.add_observation(
            bot.crm, luis, f.id, f"Observación {n} " + "y" * 400
        )
    await followups.close(bot.crm, luis, f.id, await state_id(bot.crm, "Pagado"), "listo")
    child = await followups.continue_followup(bot.crm, luis, f.id)
    first = (await bot.press(Team.luis, f"fu:hi:{child.id}:0"))[0]
    assert first.method == "editMessageText" and len(first.text) <= 4096
    assert "Historial de #" in first.text and "página 1/" in first.text
    assert "principal" in first.text and "Creado" in first.text and "Foto" in first.text
    assert "Pospuesto" in first.text and "→" in first.text
    photo = await bot.press(Team.luis, first.button("📷"))
    assert photo[0].method == "sendPhoto" and photo[0].params["photo"] == "PH-9"
    loc = await bot.press(Team.luis, first.button("📍"))
    assert loc[0].method == "sendLocation" and float(loc[0].params["latitude"]) == 4.6
    pages = [first]
    while any(label == "▶" for label, _ in pages[-1].buttons):
        pages.append((await bot.press(Team.luis, pages[-1].button("▶")))[0])
    assert len(pages) >= 2 and all(len(p.text) <= 4096 for p in pages)
    everything = "\n".join(p.text for p in pages)
    assert "Observación 11" in everything and "Cerrado" in everything
    assert f"continuación de #{f.id}" in everything
    assert everything.index(f"#{f.id} ·") < everything.index(f"#{child.id} ·")
    back = (await bot.press(Team.luis, pages[-1].button("Tarjeta")))[0]
    assert f"Seguimiento #{child.id}" in back.text


async def test_other_agents_followup_is_not_authorized(bot: BotHarness) -> None:
    theirs = await _new(bot, Team.maria)
    mine = await _new(bot, Team.luis, n=5)
    ev = await followups_activity.attach(
        bot.crm, await _actor(bot, Team.maria), theirs.id, kind="photo", file_id="SECRET"
    )
    event_id = ev.events[-1].id
    crafted = [
        f"fu:open:{theirs.id}",
        f"fu:pp:{theirs.id}:1",
        f"fu:ph:{theirs.id}:2:4",
        f"fu:po:{theirs.id}:2",
        f"fu:cl:{theirs.id}:2",
        f"fu:cn:{theirs.id}:2:{await state_id(bot.crm, 'Pagado')}",
        f"fu:dx:{theirs.id}:2:{await state_id(bot.crm, 'Duplicado')}",
        f"fu:an:{theirs.id}:2:1",
        f"fu:ob:{theirs.id}:2",
        f"fu:hi:{theirs.id}:0",
        f"fu:rs:{event_id}",
    ]
    for data in crafted:
        calls = await bot.press(Team.luis, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"], data
        assert "No autorizado" in calls[0].params["text"], data
    unchanged = await _card(bot, theirs.id, Team.maria)
    assert unchanged.version == 2 and unchanged.due_at == theirs.due_at
    assert unchanged.status == "active"
    # PEDRO has no supervisor; ANA (LUIS's supervisor) may act on LUIS's, not on PEDRO's.
    ok = await bot.press(Team.ana, f"fu:ph:{mine.id}:1:1")
    assert ok[0].method == "editMessageText"
    pedros = await _new(bot, Team.pedro)
    refused = await bot.press(Team.ana, f"fu:ph:{pedros.id}:1:1")
    assert "No autorizado" in refused[0].params["text"]


async def test_stale_press_changes_nothing_and_redraws(bot: BotHarness) -> None:
    f = await _new(bot)
    await followups.postpone(bot.crm, await _actor(bot, Team.luis), f.id, 1)  # version 2
    calls = await bot.press(Team.luis, f"fu:ph:{f.id}:1:4")
    alert = calls[0]
    assert alert.method == "answerCallbackQuery" and alert.params["show_alert"] is True
    assert "cambió mientras tanto" in alert.params["text"]
    redraw = calls[1]
    assert redraw.method == "editMessageText" and redraw.button("Posponer") == f"fu:pp:{f.id}:2"
    after = await _card(bot, f.id)
    assert after.version == 2 and after.due_at == f.due_at + timedelta(hours=1)


async def test_press_on_finished_followup(bot: BotHarness) -> None:
    f = await _new(bot)
    await followups.discard(bot.crm, await _actor(bot, Team.luis), f.id, reason="duplicado")
    for data in (f"fu:pp:{f.id}:2", f"fu:cl:{f.id}:2", f"fu:ob:{f.id}:2", f"fu:ph:{f.id}:1:1"):
        calls = await bot.press(Team.luis, data)
        assert "ya está cerrado o descartado" in calls[0].params["text"], data
    assert (await _card(bot, f.id)).status == "discarded"


async def test_typed_answer_after_a_change_meanwhile(bot: BotHarness) -> None:
    f = await _new(bot)
    await bot.press(Team.luis, f"fu:ob:{f.id}:1")
    await followups.postpone(bot.crm, await _actor(bot, Team.luis), f.id, 1)  # from elsewhere
    calls = await bot.text(Team.luis, "Nota tardía")
    assert "cambió mientras tanto" in calls[0].text
    assert all(e.kind != "observation" for e in (await _card(bot, f.id)).events)


async def test_card_in_english(bot: BotHarness) -> None:
    f = await _new(bot)
    card = (await bot.press(Team.luis, f"fu:open:{f.id}", language="en"))[0]
    assert "Follow-up #" in card.text and card.button("Postpone")


async def test_history_of_escaped_heavy_text_stays_under_the_limit(bot: BotHarness) -> None:
    f = await _new(bot)
    luis = await _actor(bot, Team.luis)
    await followups_activity.add_observation(bot.crm, luis, f.id, "<&>" * 333)
    page = (await bot.press(Team.luis, f"fu:hi:{f.id}:0"))[0]
    assert len(page.text) <= 4096 and "&lt;&amp;&gt;" in page.text
