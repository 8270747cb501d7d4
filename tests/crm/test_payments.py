"""Reported payments closed by the next documentos import: confirmed when the balance fell by
the amount, "no visto en cartera" after CRM_PAYMENT_CONFIRM_DAYS, the supervisor told once."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from crm.cobranza import payments, promises
from crm.cobranza.receipts import ReceiptRead
from crm.erp.importer import import_file
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput
from storage.models import Promise
from tests.conftest import seed_team
from tests.support.data import make_document, make_tercero, type_id


@pytest.fixture
async def world(crm: Crm) -> dict[str, object]:
    users = await seed_team(crm)
    tercero = await make_tercero(crm, encargado_id=users["LUIS"])
    document = await make_document(crm, tercero, "1001", value="3000000", balance="3000000")
    luis = await resolve_actor(crm, 3)
    fu = await followups.create_followup(
        crm, luis, tercero_id=tercero, type_id=await type_id(crm), document_id=document
    )
    return {"luis": luis, "fu": fu.id, "document": document}


def documentos(tmp_path: Path, saldo: str) -> Path:
    path = tmp_path / "cartera.csv"
    path.write_text(
        f"nit,tipo,numero,fecha,valor,saldo\n900123456-7,FV,1001,2026-10-01,3000000,{saldo}\n",
        encoding="utf-8",
    )
    return path


async def promise_status(crm: Crm, promise_id: int) -> str:
    async with crm.sessions() as session:
        status = await session.scalar(select(Promise.status).where(Promise.id == promise_id))
    assert status is not None
    return status


async def test_reported_payment_is_confirmed_by_the_next_import(
    crm: Crm, world, clock: FakeClock, tmp_path: Path
) -> None:
    promise = await promises.record_promise(
        crm, world["luis"], world["fu"], Decimal("1250000"), date(2026, 12, 1)
    )
    read = ReceiptRead(Decimal("1250000.00"), date(2026, 11, 27), "0012345678", "Bancolombia")
    report = await payments.report_payment(
        crm, world["luis"], world["fu"], read, file_id="photo-1", ocr_read=read
    )
    assert report.status == "reported" and report.promise_id == promise.id
    assert await promise_status(crm, promise.id) == "reported"
    card = await followups.get_followup(crm, world["luis"], world["fu"])
    assert card.events[-1].kind == "payment_reported"
    assert card.events[-1].file_id == "photo-1"

    # An import where the balance fell by less than the amount: still waiting.
    await import_file(crm, "documentos", documentos(tmp_path, "2000000"))
    assert (await payments.payments_for(crm, world["fu"]))[0].status == "reported"
    # The ERP shows the payment.
    await import_file(crm, "documentos", documentos(tmp_path, "1750000"))
    [settled] = await payments.payments_for(crm, world["fu"])
    assert settled.status == "confirmed"
    assert await promise_status(crm, promise.id) == "kept"
    card = await followups.get_followup(crm, world["luis"], world["fu"])
    assert "payment_confirmed" in [e.kind for e in card.events]
    assert await payments.claim_unseen(crm) == []


async def test_not_seen_after_the_days_tells_the_supervisor_once(
    crm: Crm, world, clock: FakeClock, tmp_path: Path
) -> None:
    read = ReceiptRead(Decimal("500000"), date(2026, 11, 26), None, "Nequi")
    await payments.report_payment(crm, world["luis"], world["fu"], read, file_id=None)
    clock.advance(days=2, hours=23)
    await import_file(crm, "documentos", documentos(tmp_path, "3000000"))
    assert (await payments.payments_for(crm, world["fu"]))[0].status == "reported"
    clock.advance(hours=1)  # three days
    await import_file(crm, "documentos", documentos(tmp_path, "3000000"))  # nothing changed
    assert (await payments.payments_for(crm, world["fu"]))[0].status == "unseen"
    [notice] = await payments.claim_unseen(crm)
    assert notice.recipients == ((2, None),)  # Ana, Luis's supervisor
    assert notice.amount == Decimal("500000") and notice.document_label == "FV-1001"
    assert await payments.claim_unseen(crm) == []
    # A later import does not reopen it.
    await import_file(crm, "documentos", documentos(tmp_path, "2500000"))
    assert (await payments.payments_for(crm, world["fu"]))[0].status == "unseen"


async def test_a_report_needs_an_amount_and_a_past_date(crm: Crm, world, clock: FakeClock) -> None:
    with pytest.raises(InvalidInput):
        await payments.report_payment(crm, world["luis"], world["fu"], ReceiptRead(), file_id=None)
    tomorrow = clock.now().date() + timedelta(days=2)
    with pytest.raises(InvalidInput):
        await payments.report_payment(
            crm, world["luis"], world["fu"], ReceiptRead(Decimal("10"), tomorrow), file_id=None
        )
