"""📞 Contacto and 🧾 Pago reportado through Application.process_update: the guard's line on
the card, blocked agents, a supervisor's exception with a typed reason, and a photographed
receipt read by OCR, confirmed in one tap (or corrected), then confirmed by the next import."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from crm import followups, ocr
from crm.imports import import_file
from crm.users import resolve_actor
from handlers import payments
from storage.models import ContactAttempt, PaymentReport, Tercero
from tests.conftest import BOGOTA, BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id
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
    from crm.receipts import ReceiptRead

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
    from crm.receipts import ReceiptRead

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


async def test_a_double_tapped_sin_nota_registers_one_contact(bot: BotHarness) -> None:
    """Issue 20: the second tap of "Sin nota" neither registers a second contact nor logs a
    blocked attempt for the compliance report."""
    fid = await _followup(bot)
    bot.clock.set(MONDAY_1015)
    await bot.press(Team.luis, f"ct:m:{fid}")
    await bot.press(Team.luis, f"ct:c:{fid}:llamada")
    ask = (await bot.press(Team.luis, f"ct:r:{fid}:llamada:0"))[0]
    skip = ask.button("Sin nota")
    first = await bot.press(Team.luis, skip)
    second = await bot.press(Team.luis, skip)
    assert "Contacto registrado" in first[0].text
    assert [c.method for c in second] == ["answerCallbackQuery"]
    assert "ya no es válido" in second[0].params["text"]
    assert await _attempts(bot) == [("registered", None)]
