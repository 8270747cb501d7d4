"""The balance history end to end: documentos imports with lower, equal, higher, paid-off and
new balances; the recaudo report, /cartera's "Recaudado este mes", promises kept and broken,
and desempeño's KPIs, all to the peso (the CEI worked by hand below)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.cobranza import cartera, promises, starts
from crm.erp.importer import import_file
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.reports import build_report, parse_request
from storage.models import BalanceChange, Document, Promise
from tests.conftest import BOGOTA, seed_team
from tests.support import xlsx
from tests.support.data import make_tercero

HEAD = "nit;tipo;numero;fecha;vencimiento;valor;saldo\n"
LUIS_NIT, MARIA_NIT = "900123456-7", "800111222-3"
RECAUDO_HEADERS = [
    "Fecha",
    "NIT",
    "Tercero",
    "Encargado",
    "Documento",
    "Saldo anterior",
    "Saldo nuevo",
    "Recaudado",
]


def csv(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEAD + "\n".join(lines) + "\n", encoding="utf-8")
    return path


async def doc_id(crm: Crm, number: str) -> int:
    async with crm.sessions() as session:
        found = await session.scalar(select(Document.id).where(Document.number == number))
    assert found is not None
    return found


@pytest.fixture
async def history(crm: Crm, clock: FakeClock, tmp_path: Path) -> dict[str, Any]:
    """Three imports (20/10, 10/11, 20/11) and two promises (one kept, one broken)."""
    users = await seed_team(crm)
    await make_tercero(crm, LUIS_NIT, "Ferretería Núñez", encargado_id=users["LUIS"])
    await make_tercero(crm, MARIA_NIT, "Distribuidora Sur", encargado_id=users["MARIA"])
    luis = await resolve_actor(crm, 3)
    admin = await resolve_actor(crm, 1)
    assert luis is not None and admin is not None
    clock.set(datetime(2026, 10, 20, 9, 0, tzinfo=BOGOTA))
    first = [
        f"{LUIS_NIT};FV;1;2026-10-01;2026-10-31;1000000;1000000",  # A
        f"{LUIS_NIT};FV;2;2026-10-01;2026-12-15;500000;500000",  # B
        f"{MARIA_NIT};FV;3;2026-10-01;2026-10-15;200000;200000",  # C
        f"{LUIS_NIT};FV;4;2026-10-01;2026-11-10;300000;300000",  # D
    ]
    assert (await import_file(crm, "documentos", csv(tmp_path, "1.csv", first))).written
    clock.set(datetime(2026, 11, 5, 10, 0, tzinfo=BOGOTA))
    fu_a = await starts.start_followup_for_document(crm, luis, await doc_id(crm, "1"))
    await promises.record_promise(crm, luis, fu_a.id, Decimal("350000"), date(2026, 11, 12))
    clock.set(datetime(2026, 11, 10, 8, 0, tzinfo=BOGOTA))
    second = [
        f"{LUIS_NIT};FV;1;2026-10-01;2026-10-31;1000000;600000.50",  # lower: 399,999.50
        f"{LUIS_NIT};FV;2;2026-10-01;2026-12-15;500000;500000",  # equal
        f"{MARIA_NIT};FV;3;2026-10-01;2026-10-15;250000;250000",  # higher: +50,000
        f"{LUIS_NIT};FV;4;2026-10-01;2026-11-10;300000;0",  # paid off: 300,000
        f"{LUIS_NIT};FV;5;2026-11-09;2026-12-20;700000;700000",  # new: 700,000
    ]
    await import_file(crm, "documentos", csv(tmp_path, "2.csv", second))
    clock.set(datetime(2026, 11, 12, 10, 0, tzinfo=BOGOTA))
    fu_e = await starts.start_followup_for_document(crm, luis, await doc_id(crm, "5"))
    await promises.record_promise(crm, luis, fu_e.id, Decimal("100000"), date(2026, 11, 15))
    clock.set(datetime(2026, 11, 20, 8, 0, tzinfo=BOGOTA))
    third = [
        f"{LUIS_NIT};FV;1;2026-10-01;2026-10-31;1000000;100000.50",  # 500,000
        f"{LUIS_NIT};FV;5;2026-11-09;2026-12-20;700000;650000",  # 50,000 < promised 100,000
        f"{MARIA_NIT};FV;3;2026-10-01;2026-10-15;250000;0",  # MARIA collects 250,000
    ]
    await import_file(crm, "documentos", csv(tmp_path, "3.csv", third))
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=BOGOTA))
    return {"users": users, "luis": luis, "admin": admin, "fu_a": fu_a.id, "fu_e": fu_e.id}


async def test_every_change_is_in_the_history(crm: Crm, history: dict[str, Any]) -> None:
    async with crm.sessions() as session:
        changes = (
            await session.execute(
                select(Document.number, BalanceChange.old_balance, BalanceChange.new_balance)
                .join(Document, Document.id == BalanceChange.document_id)
                .order_by(BalanceChange.at, Document.number)
            )
        ).all()
    got = [(n, old, new) for n, old, new in changes]
    assert got == [
        ("1", None, Decimal("1000000.00")),
        ("2", None, Decimal("500000.00")),
        ("3", None, Decimal("200000.00")),
        ("4", None, Decimal("300000.00")),
        ("1", Decimal("1000000.00"), Decimal("600000.50")),
        ("3", Decimal("200000.00"), Decimal("250000.00")),
        ("4", Decimal("300000.00"), Decimal("0.00")),
        ("5", None, Decimal("700000.00")),
        ("1", Decimal("600000.50"), Decimal("100000.50")),
        ("3", Decimal("250000.00"), Decimal("0.00")),
        ("5", Decimal("700000.00"), Decimal("650000.00")),
    ]


async def test_promises_are_decided_by_the_history(crm: Crm, history: dict[str, Any]) -> None:
    async with crm.sessions() as session:
        status = dict((await session.execute(select(Promise.followup_id, Promise.status))).all())
    assert status == {history["fu_a"]: "kept", history["fu_e"]: "broken"}


async def test_recaudo_report_to_the_peso(crm: Crm, history: dict[str, Any]) -> None:
    request = parse_request("recaudo mes", crm.today())
    report = await build_report(crm, history["admin"], request, "es")
    try:
        wb = load_workbook(report.path)
        data, summary = wb["recaudo"], wb["Resumen"]
        assert [c.value for c in data[1]] == RECAUDO_HEADERS
        values = [list(r) for r in data.iter_rows(min_row=2, values_only=True)]
        assert values == [
            [datetime(2026, 11, 10, 8, 0), LUIS_NIT, "Ferretería Núñez", "Luis Gómez", "FV-1",
             1000000, 600000.5, 399999.5],
            [datetime(2026, 11, 10, 8, 0), LUIS_NIT, "Ferretería Núñez", "Luis Gómez", "FV-4",
             300000, 0, 300000],
            [datetime(2026, 11, 20, 8, 0), LUIS_NIT, "Ferretería Núñez", "Luis Gómez", "FV-1",
             600000.5, 100000.5, 500000],
            [datetime(2026, 11, 20, 8, 0), MARIA_NIT, "Distribuidora Sur", "María Ruiz", "FV-3",
             250000, 0, 250000],
            [datetime(2026, 11, 20, 8, 0), LUIS_NIT, "Ferretería Núñez", "Luis Gómez", "FV-5",
             700000, 650000, 50000],
        ]  # fmt: skip
        assert data["H2"].number_format == '"$" #,##0.00'  # 399,999.50 shows its cents
        assert data["H3"].number_format == '"$" #,##0'
        table = [list(r[:3]) for r in summary.iter_rows(values_only=True) if r[0]]
        assert table[6][:2] == ["Total recaudado", 1499999.5]
        by_agent = table[table.index(["Encargado", "Documentos", "Recaudado"]) :]
        assert by_agent[1][:3] == ["Luis Gómez", 4, 1249999.5]
        assert by_agent[2][:3] == ["María Ruiz", 1, 250000]
        assert by_agent[3][:3] == ["Total", 5, 1499999.5]
        assert by_agent[4][:2] == ["Fecha", "Recaudado"]
        assert by_agent[5][:2] == ["10/11/2026", 699999.5]
        assert by_agent[6][:2] == ["20/11/2026", 800000]
        assert by_agent[7][:2] == ["Total", 1499999.5]
        parts = xlsx.parse_parts(report.path)
        assert len(parts.charts) == 2
        for chart in parts.charts.values():
            assert xlsx.value_axis_minimums(chart) == ["0"]
        lines = {line.label: (line.count, line.amount) for line in report.breakdown}
        assert lines == {
            "Luis Gómez": (4, Decimal("1249999.50")),
            "María Ruiz": (1, Decimal("250000.00")),
        }
    finally:
        report.discard()
    own = await build_report(crm, history["luis"], request, "en")
    try:
        sheet = load_workbook(own.path).worksheets[0]
        assert sheet.title == "Collections" and sheet["D1"].value == "Account manager"
        assert own.rows == 4  # LUIS sees only his book
    finally:
        own.discard()


async def test_cartera_shows_what_was_collected_this_month(
    crm: Crm, history: dict[str, Any]
) -> None:
    admin = await cartera.book_summary(crm, history["admin"])
    luis = await cartera.book_summary(crm, history["luis"])
    maria = await cartera.book_summary(crm, history["admin"], agent_code="MARIA")
    assert admin.collected_month == Decimal("1499999.50")
    assert luis.collected_month == Decimal("1249999.50")
    assert maria.collected_month == Decimal("250000.00")


async def test_desempeno_kpis_and_cei_worked_by_hand(crm: Crm, history: dict[str, Any]) -> None:
    # Period 01/11–27/11. LUIS: start A 1,000,000 + B 500,000 + D 300,000 = 1,800,000; new E
    # 700,000; end A 100,000.50 + B 500,000 + E 650,000 = 1,250,000.50, of which current (due
    # on or after 27/11) B + E = 1,150,000. Collected 399,999.50 + 300,000 + 500,000 + 50,000
    # = 1,249,999.50 = start + new − end. CEI = 1,249,999.50 ÷ (2,500,000 − 1,150,000) × 100
    # = 92.5925...; 1,249,999.50 ÷ 1,800,000 = 69.444...% of the opening cartera.
    # MARIA: start C 200,000; new +50,000; end 0, current 0: CEI = 250,000 ÷ 250,000 = 100.
    # Team: (2,000,000 + 750,000 − 1,250,000.50) ÷ (2,750,000 − 1,150,000) × 100 = 93.74996875.
    request = parse_request("desempeno mes", crm.today())
    report = await build_report(crm, history["admin"], request, "es")
    try:
        wb = load_workbook(report.path)
        data = wb["desempeño"]
        headers = [c.value for c in data[1]]
        rows = {
            r[0]: dict(zip(headers, r, strict=True))
            for r in data.iter_rows(min_row=2, values_only=True)
        }
        luis, maria, total = rows["Luis Gómez"], rows["María Ruiz"], rows["Total"]
        assert luis["Recaudado"] == 1249999.5 and maria["Recaudado"] == 250000
        assert luis["CEI"] == pytest.approx(1249999.5 / 1350000 * 100, abs=1e-9)
        assert luis["Recaudo % cartera inicial"] == pytest.approx(1249999.5 / 1800000, abs=1e-12)
        assert maria["CEI"] == pytest.approx(100) and maria["Recaudo % cartera inicial"] == 1.25
        assert luis["Promesas"] == 2 and luis["Promesas cumplidas %"] == 0.5
        assert maria["Promesas"] == 0 and maria["Promesas cumplidas %"] is None
        assert total["Recaudado"] == 1499999.5 and total["Promesas"] == 2
        assert total["CEI"] == pytest.approx(93.74996875, abs=1e-9)
        assert total["Recaudo % cartera inicial"] == pytest.approx(1499999.5 / 2000000)
        last = data.max_row
        assert data.cell(last, 1).value == "Total" and data.cell(last, 1).font.b
        assert report.rows == last - 2  # the totals row is not a data row
        kept = headers.index("Promesas cumplidas %") + 1
        assert data.cell(last, kept).number_format == "0.0%"
        assert data.cell(2, headers.index("CEI") + 1).number_format == "0.0"
        xlsx.parse_parts(report.path)
    finally:
        report.discard()


async def test_the_history_across_batches_and_a_document_moving_to_another_tercero(
    crm: Crm, clock: FakeClock, tmp_path: Path
) -> None:
    # Batches of 2: the same document in two batches of one import is new cartera, then a
    # change; a saldo that moves with its document to another tercero is credited to the new
    # tercero's encargado (the one the import leaves it with); a file without saldo records
    # nothing.
    users = await seed_team(crm)
    await make_tercero(crm, LUIS_NIT, "Ferretería Núñez", encargado_id=users["LUIS"])
    await make_tercero(crm, MARIA_NIT, "Distribuidora Sur", encargado_id=users["MARIA"])
    clock.set(datetime(2026, 10, 20, 9, 0, tzinfo=BOGOTA))
    first = [
        f"{LUIS_NIT};FV;1;2026-10-01;2026-10-31;1000;1000",
        f"{LUIS_NIT};FV;2;2026-10-01;2026-10-31;500;0",  # no saldo: no new cartera
        f"{LUIS_NIT};NC;1;2026-10-01;2026-10-31;300;300",
        f"{LUIS_NIT};FV;1;2026-10-01;2026-10-31;1000;900",  # FV-1 again, next batch
    ]
    result = await import_file(crm, "documentos", csv(tmp_path, "1.csv", first), batch_size=2)
    assert (result.inserted, result.updated) == (3, 1)
    clock.set(datetime(2026, 11, 10, 8, 0, tzinfo=BOGOTA))
    second = [
        f"{MARIA_NIT};FV;1;2026-10-01;2026-10-31;1000;400",  # moved to MARIA, 500 collected
        f"{LUIS_NIT};FV;2;2026-10-01;2026-10-31;500;0",  # unchanged
        f"{LUIS_NIT};NC;1;2026-10-01;2026-10-31;300;350",  # higher
    ]
    await import_file(crm, "documentos", csv(tmp_path, "2.csv", second), batch_size=2)
    no_saldo = tmp_path / "3.csv"
    no_saldo.write_text(
        "nit;tipo;numero;fecha;valor\n"
        f"{LUIS_NIT};FV;1;2026-10-01;1000\n{LUIS_NIT};FV;9;2026-10-01;70\n",
        encoding="utf-8",
    )
    assert (await import_file(crm, "documentos", no_saldo)).inserted == 1
    async with crm.sessions() as session:
        changes = (
            await session.execute(
                select(
                    Document.doc_type,
                    Document.number,
                    BalanceChange.old_balance,
                    BalanceChange.new_balance,
                    BalanceChange.encargado_id,
                )
                .join(Document, Document.id == BalanceChange.document_id)
                .order_by(BalanceChange.at, Document.doc_type, BalanceChange.id)
            )
        ).all()
    luis, maria = users["LUIS"], users["MARIA"]
    assert [tuple(row) for row in changes] == [
        ("FV", "1", None, Decimal("1000.00"), luis),
        ("FV", "1", Decimal("1000.00"), Decimal("900.00"), luis),
        ("NC", "1", None, Decimal("300.00"), luis),
        ("FV", "1", Decimal("900.00"), Decimal("400.00"), maria),
        ("NC", "1", Decimal("300.00"), Decimal("350.00"), luis),
    ]
