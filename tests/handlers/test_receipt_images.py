"""🧾 Pago reportado with a file that is no receipt image OCR reads (issue #20, item 5): a PNG
bomb, bytes that are no image sent as a photo or as an image/jpeg document, an iPhone's HEIC,
a file over 10 MB. The agent is told politely and types the amount, as when OCR is missing;
nothing is decoded, nothing goes wrong, and the file is not kept as the receipt's photo."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from crm.cobranza import ocr
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from storage.models import PaymentReport
from tests.conftest import BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id
from tests.support.receipts import blank_png, generate, gigapixel_png
from tests.support.telegram import ApiCall

NOT_AN_IMAGE = b"Comprobante: valor $ 450.000, referencia ABC123\n"
HEIC = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + b"\0" * 64


@pytest.fixture(autouse=True)
def ocr_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """OCR is available (whether or not Tesseract is installed: nothing here reaches it)."""
    monkeypatch.setattr(ocr, "available", lambda: True)
    monkeypatch.setattr(ocr, "unavailable_reason", lambda: None)


async def _ask_for_receipt(bot: BotHarness) -> int:
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    tercero = await make_tercero(bot.crm, encargado_id=luis.id)
    doc = await make_document(bot.crm, tercero, value="30000000", balance="30000000")
    f = await followups.create_followup(
        bot.crm, luis, tercero_id=tercero, type_id=await type_id(bot.crm), document_id=doc
    )
    ask = (await bot.press(Team.luis, f"pg:a:{f.id}"))[0]
    assert "Envía una foto o captura del comprobante" in ask.text
    return f.id


def _photo(bot: BotHarness, data: bytes, **kwargs: Any) -> Any:
    bot.request.files["rcpt"] = data
    return bot.updates.photo(Team.luis, file_id="rcpt", bot=bot.app.bot, **kwargs)


def _document(bot: BotHarness, data: bytes, mime_type: str, **kwargs: Any) -> Any:
    bot.request.files["rcpt"] = data
    return bot.updates.document(
        Team.luis,
        file_id="rcpt",
        file_name="comprobante",
        mime_type=mime_type,
        bot=bot.app.bot,
        **kwargs,
    )


def _said(calls: list[ApiCall]) -> str:
    return "\n".join(str(c.params.get("text", "")) for c in calls)


async def _refused_then_typed(bot: BotHarness, calls: list[ApiCall]) -> None:
    """The polite refusal, then the typed-entry path to a stored report without the file."""
    said = _said(calls)
    assert "No pude leer esa imagen" in said and "hasta 10 MB" in said
    assert "Algo salió mal" not in said
    read = (await bot.text(Team.luis, "$ 450.000 26/11/2026 ref ABC123"))[0]
    assert "$ 450.000" in read.text and "ABC123" in read.text
    await bot.press(Team.luis, read.button("Confirmar"))
    async with bot.crm.sessions() as session:
        report = (await session.scalars(select(PaymentReport))).one()
    assert (report.amount, report.reference) == (Decimal("450000.00"), "ABC123")
    assert report.file_id is None and report.ocr_read is None


SENT: dict[str, Callable[[BotHarness], Any]] = {
    "a 1.6 gigapixel PNG as a photo": lambda bot: _photo(bot, gigapixel_png()),
    "a 144 megapixel PNG as a file": lambda bot: _document(
        bot, blank_png(12_000, 12_000, bit_depth=1), "image/png"
    ),
    "text as a photo": lambda bot: _photo(bot, NOT_AN_IMAGE),
    "text as an image/jpeg file": lambda bot: _document(bot, NOT_AN_IMAGE, "image/jpeg"),
    "an iPhone's HEIC file": lambda bot: _document(bot, HEIC, "image/heic"),
}


@pytest.mark.parametrize("what", SENT)
async def test_an_unreadable_receipt_is_refused_politely_and_the_amount_typed(
    bot: BotHarness, what: str
) -> None:
    await _ask_for_receipt(bot)
    calls = await bot.send(SENT[what](bot))
    assert [c.method for c in calls[:2]] == ["getFile", "downloadFile"]
    await _refused_then_typed(bot, calls)


async def test_a_file_over_10_mb_is_not_even_downloaded(bot: BotHarness) -> None:
    """Telegram's file_size on the message, or else on getFile, says so before any download."""
    big = b"\xff\xd8\xff\xe0" + b"\0" * ocr.MAX_BYTES
    await _ask_for_receipt(bot)
    calls = await bot.send(_document(bot, big, "image/jpeg", file_size=len(big)))
    assert "getFile" not in [c.method for c in calls]
    await _refused_then_typed(bot, calls)


async def test_a_photo_over_10_mb_by_getfile_is_not_downloaded(bot: BotHarness) -> None:
    big = b"\xff\xd8\xff\xe0" + b"\0" * ocr.MAX_BYTES
    await _ask_for_receipt(bot)
    calls = await bot.send(_photo(bot, big))  # the message's PhotoSize has no file_size
    assert [c.method for c in calls if c.method in ("getFile", "downloadFile")] == ["getFile"]
    await _refused_then_typed(bot, calls)


async def test_tesseract_giving_up_is_refused_politely(
    bot: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tesseract's timeout (TIMEOUT_SECONDS) or failure on a real image: the amount typed."""
    pytesseract = pytest.importorskip("pytesseract")

    def gives_up(*args: object, **kwargs: object) -> str:
        raise RuntimeError("Tesseract process timeout")

    monkeypatch.setattr(pytesseract, "image_to_string", gives_up)
    receipt = next(r for r in generate(5, seed=16) if r.layout == "nequi")
    await _ask_for_receipt(bot)
    await _refused_then_typed(bot, await bot.send(_photo(bot, receipt.data)))
