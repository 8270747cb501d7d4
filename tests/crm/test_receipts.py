"""Reading receipts: the text parser on Colombian formats, and Tesseract on a few generated
images (skipped, with the reason, where the engine is not installed)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crm.cobranza import ocr
from crm.cobranza.receipts import parse_money, parse_receipt
from tests.support.receipts import generate


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("1.250.000", "1250000"),
        ("1.250.000,00", "1250000.00"),
        ("45.900,50", "45900.50"),
        ("1 250 000", "1250000"),
        ("1,250,000.00", "1250000.00"),
        ("980500", "980500"),
        ("21.583,041,00", "21583041.00"),  # OCR read one dot as a comma
        ("45900.50", "45900.50"),
    ],
)
def test_money_tokens(token: str, value: str) -> None:
    assert parse_money(token) == Decimal(value)


def test_bancolombia_text() -> None:
    read = parse_receipt(
        "Bancolombia\n¡Transferencia exitosa!\nComprobante No. 0012345678\n"
        "01 Dic 2026 - 10:35 a. m.\nValor de la transferencia\n$ 1.250.000,00\n"
        "Costo de la transferencia $ 0\n"
    )
    assert read.amount == Decimal("1250000.00")
    assert read.paid_on == date(2026, 12, 1)
    assert read.reference == "0012345678"
    assert read.bank == "Bancolombia"


def test_nequi_text_ignores_the_balance() -> None:
    read = parse_receipt(
        "Nequi\nEnvío realizado\n¿Cuánto?\nCOP 250.000\n"
        "Fecha: 1 de diciembre de 2026\nReferencia: M1234567\nDisponible: $ 3.456.789\n"
    )
    assert (read.amount, read.reference, read.bank) == (Decimal("250000"), "M1234567", "Nequi")
    assert read.paid_on == date(2026, 12, 1)


def test_breb_and_slip_texts() -> None:
    breb = parse_receipt("Bre-B Transferencia inmediata\nMonto 980.500,00 COP\nFecha 2026-12-01")
    assert breb.bank == "Bre-B" and breb.amount == Decimal("980500.00")
    slip = parse_receipt(
        "BANCO DE BOGOTÁ\nCOMPROBANTE DE CONSIGNACIÓN\nFecha: 02/12/2026\nCheques 0\n"
        "TOTAL $ 3.100.000\nRef. 987654"
    )
    assert slip.bank == "Consignación" and slip.amount == Decimal("3100000")
    assert slip.reference == "987654" and slip.paid_on == date(2026, 12, 2)


def test_nothing_readable_gives_nothing() -> None:
    read = parse_receipt("foto borrosa\nsin datos")
    assert read.amount is None and read.paid_on is None and read.bank is None


def test_generated_set_has_every_layout() -> None:
    receipts = generate(50)
    assert len(receipts) == 50
    assert {r.layout for r in receipts} == {"bancolombia", "nequi", "daviplata", "breb", "slip"}
    assert len({r.data for r in receipts}) == 50


needs_ocr = pytest.mark.skipif(
    not ocr.available(), reason=f"receipt OCR engine missing: {ocr.unavailable_reason()}"
)


@needs_ocr
async def test_tesseract_reads_generated_receipts() -> None:
    sample = generate(5, seed=16)  # one of each layout
    for receipt in sample:
        read = await ocr.read_receipt(receipt.data)
        assert read.amount == receipt.amount, receipt.name
        assert read.bank == receipt.bank, receipt.name
