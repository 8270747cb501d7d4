"""📞 Contacto and 🧾 Pago reportado through Application.process_update: the guard's line on
the card, blocked agents, a supervisor's exception with a typed reason, and a photographed
receipt read by OCR, confirmed in one tap (or corrected), then confirmed by the next import."""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from telegram import Chat, Location, Message, Update, User

from crm.cobranza import contacts, ocr
from crm.erp.importer import import_file
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from handlers.cobranza import payments
from storage.models import Activity, ContactAttempt, PaymentReport, Tercero
from tests.conftest import BOGOTA, BotHarness, Team
from tests.support.data import activity_id, make_document, make_tercero, type_id
from tests.support.receipts import generate

SUNDAY = datetime(2026, 11, 29, 10, 0, tzinfo=BOGOTA)
HOLIDAY = datetime(2026, 12, 8, 10, 0, tzinfo=BOGOTA)
MONDAY_1015 = datetime(2026, 11, 30, 10, 15, tzinfo=BOGOTA)


async def _followup(bot: BotHarness, *, document: bool = False, canales: str | None = None) -> int:
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    tercero = await make_tercero(bot.crm, encargado_id=luis.id)
    if canales is not None:
        async with bot.crm.sessions.begin() as session:
            row = await session.get(Tercero, tercero)
            assert row is not None
            row.canales_autorizados = canales
    doc = (
        await make_document(bot.crm, tercero, value="30000000", balance="30000000")
        if document
        else None
    )
    f = await followups.create_followup(
        bot.crm, luis, tercero_id=tercero, type_id=await type_id(bot.crm), document_id=doc
    )
    return f.id


async def _attempts(bot: BotHarness) -> list[tuple[str, str | None]]:
    async with bot.crm.sessions() as session:
        rows = await session.execute(
            select(ContactAttempt.outcome, ContactAttempt.rule).order_by(ContactAttempt.id)
        )
        return [(o, r) for o, r in rows.all()]


async def test_card_has_the_buttons_and_the_guard_line_comes_first(bot: BotHarness) -> None:
    fid = await _followup(bot, document=True, canales="llamada")
    card = (await bot.press(Team.luis, f"fu:open:{fid}"))[0]
    assert card.button("Contacto") == f"ct:m:{fid}"
    assert card.button("Pago reportado") == f"pg:a:{fid}"
    menu = (await bot.press(Team.luis, f"ct:m:{fid}"))[0]
    lines = menu.text.split("\n")
    assert lines[1] == "✅ Puedes contactar hoy por llamada"
    english = (await bot.press(Team.luis, f"ct:m:{fid}", language="en"))[0]
    assert english.text.split("\n")[1] == "✅ You may contact today by call"


async def test_a_contact_channel_result_and_note(bot: BotHarness) -> None:
    fid = await _followup(bot)
    bot.clock.set(MONDAY_1015)
    menu = (await bot.press(Team.luis, f"ct:m:{fid}"))[0]
    assert "✅ Puedes contactar hoy por llamada, WhatsApp, SMS, correo o visita" in menu.text
    results = (await bot.press(Team.luis, menu.button("Llamada")))[0]
    assert "¿Cuál fue el resultado?" in results.text
    ask = (await bot.press(Team.luis, results.button("Promesa de pago")))[0]
    assert "Sin nota" in str(ask.buttons)
    calls = await bot.text(Team.luis, "Paga el viernes")
    assert "✅ Contacto registrado: llamada · promesa de pago." in calls[0].text
    assert "Paga el viernes" in calls[1].text  # the card again, with the new event
    card = await followups.get_followup(bot.crm, await resolve_actor(bot.crm, Team.luis), fid)  # type: ignore[arg-type]
    assert card.events[-1].text == "llamada · promesa de pago — Paga el viernes"
    # María, on another follow-up of the same tercero, that afternoon: the guard says who.
    maria, ana = await resolve_actor(bot.crm, Team.maria), await resolve_actor(bot.crm, Team.ana)
    assert maria is not None and ana is not None
    other = await followups.create_followup(  # ANA opens it for MARIA on LUIS's tercero
        bot.crm, ana, tercero_id=card.tercero.id, type_id=await type_id(bot.crm), owner_id=maria.id
    )
    bot.clock.set(datetime(2026, 11, 30, 15, 0, tzinfo=BOGOTA))
    menu = (await bot.press(Team.maria, f"ct:m:{other.id}"))[0]
    assert "⛔ Ya hubo un contacto hoy (10:15, Luis Gómez, llamada)" in menu.text
    # The next week day, only the channel already used this week is offered.
    bot.clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))
    refused = (await bot.press(Team.maria, f"ct:c:{other.id}:whatsapp"))[0]
    assert "⛔ Esta semana ya se usó llamada" in refused.text


async def test_agent_is_stopped_on_sunday_and_the_attempt_is_kept(bot: BotHarness) -> None:
    fid = await _followup(bot)
    bot.clock.set(SUNDAY)
    menu = (await bot.press(Team.luis, f"ct:m:{fid}"))[0]
    assert menu.text.split("\n")[1] == "⛔ Domingo"
    refused = (await bot.press(Team.luis, menu.button("WhatsApp")))[0]
    assert refused.text.startswith("⛔ Domingo\nNo se registró el contacto")
    assert "excepción" not in str(refused.buttons).lower()
    assert await _attempts(bot) == [("blocked", "sunday")]
    # A forged press of the exception is refused.
    calls = await bot.press(Team.luis, f"ct:o:{fid}:whatsapp")
    assert calls[-1].method == "answerCallbackQuery"
    assert await _attempts(bot) == [("blocked", "sunday")]


async def test_saturday_afternoon_and_unauthorised_channel(bot: BotHarness) -> None:
    fid = await _followup(bot, canales="llamada;whatsapp")
    bot.clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=BOGOTA))
    menu = (await bot.press(Team.luis, f"ct:m:{fid}"))[0]
    assert "⛔ Fuera de horario (sábado después de las 15:00)" in menu.text
    bot.clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=BOGOTA))
    refused = (await bot.press(Team.luis, f"ct:c:{fid}:sms"))[0]
    assert refused.text.startswith("⛔ Canal no autorizado")


async def test_supervisor_registers_an_exception_with_a_typed_reason(bot: BotHarness) -> None:
    fid = await _followup(bot)
    bot.clock.set(HOLIDAY)
    menu = (await bot.press(Team.ana, f"ct:m:{fid}"))[0]
    assert "⛔ Festivo (8 dic, Inmaculada Concepción)" in menu.text
    refused = (await bot.press(Team.ana, menu.button("Visita")))[0]
    assert "Como supervisor puedes registrarlo" in refused.text
    ask = (await bot.press(Team.ana, refused.button("excepción")))[0]
    assert "motivo" in ask.text
    results = (await bot.text(Team.ana, "El cliente citó la visita por escrito"))[0]
    note = (await bot.press(Team.ana, results.button("Contestó")))[0]
    done = await bot.press(Team.ana, note.button("Sin nota"))
    assert "⚠️ Contacto registrado con excepción: visita · contestó." in done[0].text
    async with bot.crm.sessions() as session:
        attempt = (await session.scalars(select(ContactAttempt))).one()
    assert (attempt.outcome, attempt.rule) == ("override", "holiday")
    assert attempt.override_reason == "El cliente citó la visita por escrito"


def _photo(bot: BotHarness, file_id: str, data: bytes) -> object:
    bot.request.files[file_id] = data
    return bot.updates.photo(Team.luis, file_id=file_id, bot=bot.app.bot)


def _cartera(tmp_path: Path, saldo: str) -> Path:
    path = tmp_path / "cartera.csv"
    path.write_text(
        f"nit,tipo,numero,fecha,valor,saldo\n900123456-7,FV,1001,2026-10-01,30000000,{saldo}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.skipif(
    not ocr.available(), reason=f"receipt OCR engine missing: {ocr.unavailable_reason()}"
)
async def test_photographed_receipt_becomes_a_confirmed_payment(
    bot: BotHarness, tmp_path: Path
) -> None:
    fid = await _followup(bot, document=True)
    receipt = next(r for r in generate(5, seed=16) if r.layout == "bancolombia")
    ask = (await bot.press(Team.luis, f"pg:a:{fid}"))[0]
    assert "Envía una foto o captura del comprobante" in ask.text
    calls = await bot.send(_photo(bot, "rcpt-1", receipt.data))
    assert [c.method for c in calls[:2]] == ["getFile", "downloadFile"]
    read = calls[-1]
    amount = payments.exact_money(receipt.amount)
    assert amount.startswith(f"$ {int(receipt.amount):,}".replace(",", "."))
    assert "Leí del comprobante" in read.text and amount in read.text
    assert "Bancolombia" in read.text and receipt.reference in read.text
    done = await bot.press(Team.luis, read.button("Confirmar"))
    assert "✅ Pago reportado" in done[0].text
    async with bot.crm.sessions() as session:
        report = (await session.scalars(select(PaymentReport))).one()
    assert report.amount == receipt.amount and report.file_id == "rcpt-1"
    assert report.reference == receipt.reference and report.status == "reported"
    # The next ERP import shows the balance down by the amount: pago confirmado.
    paid = Decimal("30000000") - receipt.amount
    await import_file(bot.crm, "documentos", _cartera(tmp_path, f"{paid:.2f}"))
    async with bot.crm.sessions() as session:
        status = await session.scalar(select(PaymentReport.status))
    assert status == "confirmed"


async def test_typed_amount_when_ocr_is_missing_then_unseen_notice(
    bot: BotHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "available", lambda: False)
    fid = await _followup(bot, document=True)
    await bot.press(Team.luis, f"pg:a:{fid}")
    # Not a photo: asked again.
    wrong = await bot.text(Team.luis, "aquí va")
    assert "Envía una foto o captura" in wrong[0].text
    calls = await bot.send(_photo(bot, "rcpt-2", b"not read"))
    assert "No puedo leer fotos" in calls[-1].text
    assert "No entendí" in (await bot.text(Team.luis, "mucho"))[0].text
    read = (await bot.text(Team.luis, "$ 450.000 26/11/2026 ref ABC123"))[0]
    assert "$ 450.000" in read.text and "ABC123" in read.text and "26/11/2026" in read.text
    await bot.press(Team.luis, read.button("Confirmar"))
    async with bot.crm.sessions() as session:
        report = (await session.scalars(select(PaymentReport))).one()
    assert (report.amount, report.reference, report.ocr_read) == (
        Decimal("450000.00"),
        "ABC123",
        None,
    )
    # Three days later the cartera still shows the whole balance: Ana is told, once.
    bot.clock.advance(days=3)
    await import_file(bot.crm, "documentos", _cartera(tmp_path, "30000000"))
    before = len(bot.request.calls)
    assert await payments.tell_unseen_payments(bot.app) == 1
    notice = bot.request.calls[before]
    assert notice.chat_id == Team.ana and "Pago no visto en cartera" in notice.text
    assert "$ 450.000" in notice.text and "Luis Gómez" in notice.text
    assert await payments.tell_unseen_payments(bot.app) == 0


async def test_correcting_what_ocr_read(bot: BotHarness, monkeypatch: pytest.MonkeyPatch) -> None:
    from crm.cobranza.receipts import ReceiptRead

    async def fake_read(data: bytes) -> ReceiptRead:
        assert data == b"jpeg"
        return ReceiptRead(Decimal("125000"), None, "M1234567", "Nequi")

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "read_receipt", fake_read)
    fid = await _followup(bot, document=True)
    await bot.press(Team.luis, f"pg:a:{fid}")
    read = (await bot.send(_photo(bot, "rcpt-3", b"jpeg")))[-1]
    assert "$ 125.000" in read.text and "Nequi" in read.text
    fix = (await bot.press(Team.luis, read.button("Corregir")))[-1]
    assert "Escribe el valor" in fix.text
    again = (await bot.text(Team.luis, "1.250.000"))[0]
    assert "$ 1.250.000" in again.text and "M1234567" in again.text
    await bot.press(Team.luis, again.button("Confirmar"))
    async with bot.crm.sessions() as session:
        report = (await session.scalars(select(PaymentReport))).one()
    assert report.amount == Decimal("1250000") and report.bank == "Nequi"
    assert report.ocr_read is not None and '"amount": "125000"' in report.ocr_read


async def test_cancelar_forgets_the_receipt(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm.cobranza.receipts import ReceiptRead

    async def fake_read(data: bytes) -> ReceiptRead:
        return ReceiptRead(None, None, None, None)

    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "read_receipt", fake_read)
    fid = await _followup(bot, document=True)
    await bot.press(Team.luis, f"pg:a:{fid}")
    unread = (await bot.send(_photo(bot, "rcpt-4", b"blurry")))[-1]
    assert "No pude leer el valor" in unread.text
    assert payments.DRAFT in bot.app.user_data[Team.luis]
    await bot.text(Team.luis, "/cancelar")
    assert payments.DRAFT not in bot.app.user_data[Team.luis]
    late = await bot.press(Team.luis, f"pg:ok:{fid}")
    assert "ya no está pendiente" in str(late[-1].params)


# --- no side doors (issue #20, item 7) --------------------------------------------------------

SUNDAY_2130 = datetime(2026, 11, 29, 21, 30, tzinfo=BOGOTA)


def _live_location(bot: BotHarness, tg: int, lat: float, lon: float) -> Update:
    message = Message(
        message_id=9100 + tg,
        date=bot.clock.now(),
        chat=Chat(id=tg, type=Chat.PRIVATE),
        from_user=User(id=tg, first_name="Test", is_bot=False, language_code="es"),
        location=Location(latitude=lat, longitude=lon, live_period=900),
    )
    update = Update(update_id=next(bot.updates._update_ids), message=message)
    update.set_bot(bot.app.bot)
    message.set_bot(bot.app.bot)
    return update


async def test_the_contact_counts_from_the_result_even_if_the_note_never_comes(
    bot: BotHarness,
) -> None:
    """Pick the result, walk away (open /agenda): the contact happened, and a second one
    that day is refused."""
    fid = await _followup(bot)
    bot.clock.set(MONDAY_1015)
    results = (await bot.press(Team.luis, f"ct:c:{fid}:llamada"))[0]
    asked = (await bot.press(Team.luis, results.button("Contestó")))[0]
    assert asked.text.startswith("✅ Contacto registrado: llamada · contestó.")
    assert "Sin nota" in str(asked.buttons)
    await bot.text(Team.luis, "/agenda")
    assert await _attempts(bot) == [("registered", None)]
    card = await followups.get_followup(bot.crm, await resolve_actor(bot.crm, Team.luis), fid)  # type: ignore[arg-type]
    assert card.events[-1].text == "llamada · contestó"
    bot.clock.set(datetime(2026, 11, 30, 11, 0, tzinfo=BOGOTA))
    menu = (await bot.press(Team.luis, f"ct:m:{fid}"))[0]
    assert "⛔ Ya hubo un contacto hoy (10:15, Luis Gómez, llamada)" in menu.text
    # «Sin nota» under the recorded contact only shows the card: nothing is recorded again.
    done = await bot.press(Team.luis, asked.button("Sin nota"))
    assert "✅ Contacto registrado: llamada · contestó." in done[0].text
    assert await _attempts(bot) == [("registered", None)]


async def test_a_supervisor_who_loses_the_race_gets_the_guards_answer(bot: BotHarness) -> None:
    fid = await _followup(bot)
    bot.clock.set(MONDAY_1015)
    results = (await bot.press(Team.ana, f"ct:c:{fid}:llamada"))[0]
    assert "¿Cuál fue el resultado?" in results.text
    # María registers the tercero's contact first, on her own follow-up.
    maria = await resolve_actor(bot.crm, Team.maria)
    assert maria is not None
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    own = await followups.get_followup(bot.crm, luis, fid)
    ana = await resolve_actor(bot.crm, Team.ana)
    assert ana is not None
    other = await followups.create_followup(  # ANA opens it for MARIA on LUIS's tercero
        bot.crm, ana, tercero_id=own.tercero.id, type_id=await type_id(bot.crm), owner_id=maria.id
    )
    await contacts.register_contact(
        bot.crm, maria, other.id, channel="llamada", result="no contestó"
    )
    lost = (await bot.press(Team.ana, results.button("Contestó")))[0]
    assert lost.text.startswith("⛔ Ya hubo un contacto hoy (10:15, María Ruiz, llamada)")
    assert "motivo" in lost.text and lost.button("excepción") == f"ct:o:{fid}:llamada"
    # Nothing waits for typed text: a reason typed now is not taken for anything.
    calls = await bot.text(Team.ana, "Porque sí")
    assert not any("Contacto registrado" in c.text for c in calls)
    assert await _attempts(bot) == [("registered", None), ("blocked", "today")]


async def test_activity_and_visit_on_sunday_night_go_through_the_guard(bot: BotHarness) -> None:
    fid = await _followup(bot)
    async with bot.crm.sessions.begin() as session:
        tercero = await session.scalar(select(Tercero))
        assert tercero is not None
        tercero.latitude, tercero.longitude = 4.6097, -74.0817
        tercero.location_source, tercero.location_status = "erp", "confirmed"
    bot.clock.set(SUNDAY_2130)
    card = (await bot.press(Team.luis, f"fu:open:{fid}"))[0]
    menu = (await bot.press(Team.luis, card.button("Actividad")))[0]
    refused = (await bot.press(Team.luis, menu.button("Llamada contestada")))[0]
    assert refused.text.startswith("⛔ Domingo\nNo se registró la actividad")
    await bot.press(Team.luis, f"vi:go:{fid}")
    calls = await bot.send(_live_location(bot, Team.luis, 4.6097, -74.0817))
    assert any(c.text.startswith("⛔ Domingo\nNo se registró la visita") for c in calls)
    assert await _attempts(bot) == [("blocked", "sunday"), ("blocked", "sunday")]
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    events = (await followups.get_followup(bot.crm, luis, fid)).events
    assert [e.kind for e in events] == ["created"]
    # The supervisor is pointed to 📞 Contacto's exception.
    card = (await bot.press(Team.ana, f"fu:open:{fid}"))[0]
    menu = (await bot.press(Team.ana, card.button("Actividad")))[0]
    refused = (await bot.press(Team.ana, menu.button("Llamada contestada")))[0]
    assert "excepción desde 📞 Contacto" in refused.text
    # The report lists every attempt.
    calls = await bot.text(Team.ana, "/informe contactos semana")
    doc = next(c for c in calls if c.method == "sendDocument")
    book = load_workbook(io.BytesIO(doc.params["_file_bytes"]["document"]))
    rows = list(book["contactos"].iter_rows(values_only=True))[1:]
    assert [(r[1], r[4], r[5]) for r in rows] == [
        ("Luis Gómez", "llamada", "bloqueado"),
        ("Luis Gómez", "visita", "bloqueado"),
        ("Ana Supervisora", "llamada", "bloqueado"),
    ]


async def test_an_activity_is_recorded_at_the_pick_and_the_note_added(bot: BotHarness) -> None:
    fid = await _followup(bot)
    bot.clock.set(MONDAY_1015)
    card = (await bot.press(Team.luis, f"fu:open:{fid}"))[0]
    menu = (await bot.press(Team.luis, card.button("Actividad")))[0]
    asked = (await bot.press(Team.luis, menu.button("Llamada contestada")))[0]
    assert "Actividad registrada" in asked.text
    assert await _attempts(bot) == [("registered", None)]
    edited = next(
        c for c in await bot.text(Team.luis, "Paga el 5") if c.method == "editMessageText"
    )
    assert "Llamada contestada" in edited.text and "Paga el 5" in edited.text
    async with bot.crm.sessions() as session:
        assert await session.scalar(select(ContactAttempt.note)) == "Paga el 5"
    # An activity that is not a contact, without a note: «Sin nota» only redraws the card.
    menu = (await bot.press(Team.luis, edited.button("Actividad")))[0]
    asked = (await bot.press(Team.luis, menu.button("Pedido tomado")))[0]
    card = next(c for c in await bot.press(Team.luis, asked.button("Sin nota")) if c.buttons)
    assert "Pedido tomado" in card.text
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    kinds = [e.kind for e in (await followups.get_followup(bot.crm, luis, fid)).events]
    assert kinds == ["created", "activity", "activity"]
    assert await _attempts(bot) == [("registered", None)]


async def test_admins_say_which_channel_an_activity_is(bot: BotHarness) -> None:
    fid = await _followup(bot)
    async with bot.crm.sessions() as session:
        order = await session.scalar(select(Activity.id).where(Activity.name == "Pedido tomado"))
    screen = next(
        c
        for c in await bot.press(Team.admin, f"cf:open:activity:{order}")
        if c.method == "editMessageText"
    )
    assert "contacto por" not in screen.text
    screen = next(
        c
        for c in await bot.press(Team.admin, screen.button("Canal: WhatsApp"))
        if c.method == "editMessageText"
    )
    assert "contacto por WhatsApp" in screen.text and "Canal: ninguno" in str(screen.buttons)
    bot.clock.set(SUNDAY_2130)
    card = (await bot.press(Team.luis, f"fu:open:{fid}"))[0]
    menu = (await bot.press(Team.luis, card.button("Actividad")))[0]
    refused = (await bot.press(Team.luis, menu.button("Pedido tomado")))[0]
    assert refused.text.startswith("⛔ Domingo")
    assert [c.method for c in await bot.press(Team.luis, f"cf:can:{order}:none")] == [
        "answerCallbackQuery"
    ]


def _pending_note_of_the_previous_release(
    bot: BotHarness, user: int, fid: int, channel: str, result: str
) -> None:
    """The note question an earlier release left pending after a result was picked (the
    contact not yet recorded), as it sits in the user's persisted data."""
    bot.app.user_data[user]["ask"] = {
        "kind": "ct.note",
        "data": {"fu": fid, "ch": channel, "r": result},
        "chat": user,
        "msg": 500,
        "at": bot.clock.now().isoformat(),
        "token": 1,
        "user": user,
    }


async def test_note_buttons_already_in_chats_still_record_the_contact(bot: BotHarness) -> None:
    """«Sin nota» drawn before contacts were recorded at the result (no attempt id) records the
    contact, through the guard, as it did."""
    fid = await _followup(bot)
    bot.clock.set(MONDAY_1015)
    _pending_note_of_the_previous_release(bot, Team.luis, fid, "llamada", "contestó")
    done = await bot.press(Team.luis, f"ct:n:{fid}:llamada:0")
    assert "✅ Contacto registrado: llamada · contestó." in done[0].text
    assert await _attempts(bot) == [("registered", None)]
    card = (await bot.press(Team.luis, f"fu:open:{fid}"))[0]
    version = card.button("Actividad").split(":")[-1]
    called = await activity_id(bot.crm, "Llamada contestada")
    bot.clock.set(datetime(2026, 11, 30, 12, 0, tzinfo=BOGOTA))
    refused = (await bot.press(Team.luis, f"fu:an:{fid}:{version}:{called}"))[0]
    assert refused.text.startswith("⛔ Ya hubo un contacto hoy (10:15, Luis Gómez, llamada)")
    assert await _attempts(bot) == [("registered", None), ("blocked", "today")]


async def test_a_double_tapped_sin_nota_registers_one_contact(bot: BotHarness) -> None:
    """Issue 20: the second tap of "Sin nota" neither registers a second contact nor logs a
    blocked attempt for the compliance report: it shows the one recorded contact again."""
    fid = await _followup(bot)
    bot.clock.set(MONDAY_1015)
    await bot.press(Team.luis, f"ct:m:{fid}")
    await bot.press(Team.luis, f"ct:c:{fid}:llamada")
    ask = (await bot.press(Team.luis, f"ct:r:{fid}:llamada:0"))[0]
    skip = ask.button("Sin nota")
    first = await bot.press(Team.luis, skip)
    second = await bot.press(Team.luis, skip)
    assert "Contacto registrado" in first[0].text
    assert "Contacto registrado" in second[0].text
    assert await _attempts(bot) == [("registered", None)]
    # An older «Sin nota» (no attempt id: drawn before contacts were recorded at the result)
    # tapped twice registers once; the second tap is told the button is spent.
    bot.clock.set(datetime(2026, 12, 1, 10, 15, tzinfo=BOGOTA))
    _pending_note_of_the_previous_release(bot, Team.luis, fid, "llamada", "contestó")
    await bot.press(Team.luis, f"ct:n:{fid}:llamada:0")
    again = await bot.press(Team.luis, f"ct:n:{fid}:llamada:0")
    assert [c.method for c in again] == ["answerCallbackQuery"]
    assert "ya no es válido" in again[0].params["text"]
    assert await _attempts(bot) == [("registered", None), ("registered", None)]
