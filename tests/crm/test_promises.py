"""Promises to pay: recording moves the due, later imports make them kept, the date passing
makes them broken, and the follow-up stays overdue."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update

from crm.cobranza import balances, promises, starts
from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import AlreadyFinished, InvalidInput, NotAuthorized
from storage.models import Document, FollowUpEvent
from tests.conftest import BOGOTA, seed_team
from tests.support.data import make_document, make_tercero, state_id, type_id


@pytest.fixture
async def world(crm: Crm) -> dict[str, object]:
    users = await seed_team(crm)
    actors: dict[str, Actor] = {}
    for code, tg in (("ADMIN", 1), ("LUIS", 3), ("PEDRO", 5)):
        actor = await resolve_actor(crm, tg)
        assert actor is not None
        actors[code] = actor
    tid = await make_tercero(crm, encargado_id=users["LUIS"])
    doc = await make_document(crm, tid, "500", value="1000000", balance="1000000")
    fu = await starts.start_followup_for_document(crm, actors["LUIS"], doc)
    return {"tercero": tid, "doc": doc, "fu": fu.id, **actors}


async def _set_balance(crm: Crm, doc: int, balance: str) -> None:
    """What an import does: the new saldo and its line in the balance history."""
    async with crm.sessions.begin() as session:
        document = await session.get(Document, doc)
        assert document is not None
        balances.record_change(session, doc, document.balance, Decimal(balance), crm.now(), None)
        await session.execute(
            update(Document).where(Document.id == doc).values(balance=Decimal(balance))
        )


async def _kinds(crm: Crm, fu: int) -> list[str]:
    async with crm.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(FollowUpEvent.kind)
                    .where(FollowUpEvent.followup_id == fu)
                    .order_by(FollowUpEvent.id)
                )
            ).all()
        )


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234.567", "1234567"),
        ("1234567", "1234567"),
        ("$ 1.234.567,50", "1234567.50"),
        ("1,234,567.50", "1234567.50"),
        ("500000", "500000"),
        ("500.000", "500000"),
        ("1500,5", "1500.5"),
        ("250000 COP", "250000"),
    ],
)
def test_parse_amount(text: str, amount: str) -> None:
    assert promises.parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "0", "-5", "12.34.567", "1..000", "1e6"])
def test_parse_amount_refuses(text: str) -> None:
    with pytest.raises(InvalidInput):
        promises.parse_amount(text)


async def test_record_moves_due_to_8am_local_and_logs_event(
    crm: Crm, world, clock: FakeClock
) -> None:
    promised = date(2026, 12, 5)
    view = await promises.record_promise(
        crm, world["LUIS"], world["fu"], Decimal("400000"), promised
    )
    assert view.status == "pending" and view.balance_at_promise == Decimal("1000000")
    card = await followups.get_followup(crm, world["LUIS"], world["fu"])
    assert card.due_at == datetime(2026, 12, 5, 8, 0, tzinfo=BOGOTA)
    assert card.events[-1].kind == "promise" and "$ 400.000" in (card.events[-1].text or "")
    context = await promises.promise_context(crm, world["LUIS"], world["fu"])
    assert context.pending is not None and context.pending.id == view.id


async def test_kept_when_balance_went_down_by_the_amount(
    crm: Crm, world, clock: FakeClock
) -> None:
    await promises.record_promise(
        crm, world["LUIS"], world["fu"], Decimal("400000.10"), date(2026, 12, 5)
    )
    await _set_balance(crm, world["doc"], "600000.00")  # paid 399,999.90: not enough
    outcome = await promises.evaluate_promises(crm)
    assert outcome.kept == () and outcome.broken == ()
    await _set_balance(crm, world["doc"], "599999.90")  # exactly the amount
    clock.set(datetime(2026, 12, 5, 23, 59, tzinfo=BOGOTA))  # still the promised day
    outcome = await promises.evaluate_promises(crm)
    assert len(outcome.kept) == 1
    assert (await promises.evaluate_promises(crm)).kept == ()  # resolved once
    [p] = await promises.promises_for(crm, world["LUIS"], world["fu"])
    assert p.status == "kept" and p.resolved_at == clock.now()
    assert (await _kinds(crm, world["fu"]))[-1] == "promise_kept"


async def test_broken_once_the_date_passed_and_followup_is_overdue(
    crm: Crm, world, clock: FakeClock
) -> None:
    await promises.record_promise(
        crm, world["LUIS"], world["fu"], Decimal("400000"), date(2026, 12, 5)
    )
    clock.set(datetime(2026, 12, 5, 23, 59, tzinfo=BOGOTA))
    assert (await promises.evaluate_promises(crm)).broken == ()  # the day is not over
    clock.set(datetime(2026, 12, 6, 0, 1, tzinfo=BOGOTA))  # 05:01 UTC: the 6th in Bogotá
    outcome = await promises.evaluate_promises(crm)
    assert len(outcome.broken) == 1
    card = await followups.get_followup(crm, world["LUIS"], world["fu"])
    assert card.due_at < clock.now() and card.status == "active"
    assert card.events[-1].kind == "promise_broken"
    # A payment seen after the promise was broken does not turn it into kept.
    await _set_balance(crm, world["doc"], "0")
    assert (await promises.evaluate_promises(crm)).kept == ()
    [p] = await promises.promises_for(crm, world["LUIS"], world["fu"])
    assert p.status == "broken"


async def test_new_promise_replaces_pending_one(crm: Crm, world) -> None:
    first = await promises.record_promise(
        crm, world["LUIS"], world["fu"], Decimal("100"), date(2026, 12, 1)
    )
    second = await promises.record_promise(
        crm, world["LUIS"], world["fu"], Decimal("200"), date(2026, 12, 2)
    )
    statuses = {
        p.id: p.status for p in await promises.promises_for(crm, world["ADMIN"], world["fu"])
    }
    assert statuses == {first.id: "replaced", second.id: "pending"}


@pytest.mark.parametrize(
    ("amount", "promised"),
    [
        ("1000000.01", date(2026, 12, 1)),  # more than the balance
        ("0", date(2026, 12, 1)),
        ("100", date(2026, 11, 26)),  # yesterday
        ("100", date(2026, 11, 27) + timedelta(days=181)),
    ],
)
async def test_bad_promises_change_nothing(crm: Crm, world, amount: str, promised: date) -> None:
    before = await followups.get_followup(crm, world["LUIS"], world["fu"])
    with pytest.raises(InvalidInput):
        await promises.record_promise(crm, world["LUIS"], world["fu"], Decimal(amount), promised)
    after = await followups.get_followup(crm, world["LUIS"], world["fu"])
    assert after.due_at == before.due_at and after.version == before.version
    assert await promises.promises_for(crm, world["LUIS"], world["fu"]) == []


async def test_promise_refusals(crm: Crm, world) -> None:
    with pytest.raises(NotAuthorized):
        await promises.record_promise(
            crm, world["PEDRO"], world["fu"], Decimal("1"), date(2026, 12, 1)
        )
    plain = await followups.create_followup(
        crm, world["LUIS"], tercero_id=world["tercero"], type_id=await type_id(crm)
    )
    with pytest.raises(InvalidInput):  # not linked to a cartera document
        await promises.promise_context(crm, world["LUIS"], plain.id)
    await followups.close(crm, world["LUIS"], world["fu"], await state_id(crm, "Pagado"))
    with pytest.raises(AlreadyFinished):
        await promises.record_promise(
            crm, world["LUIS"], world["fu"], Decimal("1"), date(2026, 12, 1)
        )


async def test_a_documents_import_that_shows_the_payment_keeps_the_promise(
    crm: Crm, world: dict[str, object], tmp_path: Path
) -> None:
    from crm.erp.importer import import_file

    fu = world["fu"]
    assert isinstance(fu, int)
    await promises.record_promise(
        crm,
        world["LUIS"],
        fu,
        Decimal("400000"),
        crm.today() + timedelta(days=3),  # type: ignore[arg-type]
    )
    export = tmp_path / "documentos.csv"
    export.write_text(
        "nit;tipo;numero;fecha;vencimiento;valor;saldo\n"
        "900123456-7;FV;500;2026-10-01;2026-10-31;1000000;600000\n",
        encoding="utf-8",
    )
    await import_file(crm, "documentos", export)
    assert await _kinds(crm, fu) == ["created", "promise", "promise_kept"]
    [view] = await promises.promises_for(crm, world["LUIS"], fu)  # type: ignore[arg-type]
    assert view.status == "kept"
