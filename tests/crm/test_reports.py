"""Every report read back with openpyxl: exact headers, row counts against the database,
real date and money cells, formula-injection safety, the Resumen chart, role scoping."""

from __future__ import annotations

import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, or_, select

from crm.cobranza import cartera, starts
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import NotAuthorized, NotFound
from crm.reports import (
    ReportFile,
    ReportTooLarge,
    aging_bucket,
    build_report,
    parse_request,
)
from crm.reports.workbook import COLUMNS
from storage.models import Document, FollowUp, FollowUpEvent
from tests.support import xlsx
from tests.support.reports import INJECTIONS, Book, make_book

FOLLOWUP_HEADERS = [
    "ID",
    "NIT",
    "Tercero",
    "Tipo",
    "Estado",
    "Responsable",
    "Creado",
    "Vence",
    "Cerrado",
    "Posposiciones",
    "Última actividad",
    "Observaciones",
    "Seguimiento principal",
    "Días de mora",
    "Documento",
    "Saldo documento",
]
HEADERS = {
    "seguimientos": FOLLOWUP_HEADERS,
    "agenda": FOLLOWUP_HEADERS,
    "actividades": ["Fecha", "Seguimiento", "NIT", "Tercero", "Responsable", "Evento", "Detalle"],
    "cartera": [
        "NIT",
        "Tercero",
        "Encargado",
        "Documento",
        "Fecha",
        "Vencimiento",
        "Días vencido",
        "Saldo",
        "Rango",
        "Seguimiento activo",
    ],
    "desempeno": [
        "Responsable",
        "Abiertos",
        "Vencidos",
        "Cerrados",
        "Descartados",
        "Posposiciones",
        "Actividades",
        "Cerrados a tiempo %",
        "Visitas verificadas",
        "Recaudado",
        "Recaudo % cartera inicial",
        "Promesas",
        "Promesas cumplidas %",
        "CEI",
    ],
    "recaudo": [
        "Fecha",
        "NIT",
        "Tercero",
        "Encargado",
        "Documento",
        "Saldo anterior",
        "Saldo nuevo",
        "Recaudado",
    ],
}


@pytest.fixture
async def book(crm: Crm, clock: FakeClock) -> Book:
    return await make_book(crm, clock)


async def make(crm: Crm, book: Book, who: str, args: str, lang: str = "es") -> ReportFile:
    return await build_report(crm, book.actors[who], parse_request(args, crm.today()), lang)


def sheets(report: ReportFile) -> tuple[Any, Any]:
    wb = load_workbook(report.path)
    assert len(wb.worksheets) == 2
    return wb.worksheets[0], wb.worksheets[1]


def rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]


def column(ws: Any, header: str) -> list[Any]:
    headers = [c.value for c in ws[1]]
    index = headers.index(header)
    return [r[index] for r in rows(ws)]


def chart_files(report: ReportFile) -> list[str]:
    with zipfile.ZipFile(report.path) as zf:
        return [n for n in zf.namelist() if n.startswith("xl/charts/chart")]


async def count_followups(crm: Crm, start: date, end: date) -> int:
    lo, hi = crm.local_midnight(start), crm.local_midnight(end + timedelta(days=1))
    async with crm.sessions() as session:
        return int(
            await session.scalar(
                select(func.count(FollowUp.id)).where(
                    or_(
                        FollowUp.created_at.between(lo, hi),
                        FollowUp.due_at.between(lo, hi),
                        FollowUp.closed_at.between(lo, hi),
                    )
                )
            )
            or 0
        )


async def test_every_report_has_exact_headers_a_formatted_sheet_and_a_chart(
    crm: Crm, book: Book
) -> None:
    for kind in HEADERS:
        await check_layout(crm, book, kind)


async def check_layout(crm: Crm, book: Book, kind: str) -> None:
    report = await make(crm, book, "ADMIN", f"{kind} mes")
    try:
        data, summary = sheets(report)
        assert [c.value for c in data[1]] == HEADERS[kind]
        assert all(c.font.b for c in data[1])
        assert data.freeze_panes == "A2"
        assert (
            data.auto_filter.ref
            == f"A1:{data.cell(1, len(HEADERS[kind])).column_letter}" + str(report.rows + 1)
        )
        assert all(data.column_dimensions[c.column_letter].width >= 8 for c in data[1])
        totals_row = 1 if kind == "desempeno" else 0  # the team's totals under the agents
        assert data.max_row == report.rows + 1 + totals_row
        assert report.rows > 0 or kind == "recaudo"  # the book has no balance history
        assert summary.title == "Resumen"
        facts = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r[0]}
        assert facts["Filas"] == report.rows
        assert facts["Solicitado por"] == "Admin General (ADMIN)"
        assert facts["Generado"] == datetime(2026, 11, 27, 14, 0)
        assert "01/11/2026 – 27/11/2026" in facts["Periodo"]
        charts = 1 if kind in ("actividades", "cartera") else 2  # + by age, by recaudo
        assert chart_files(report) == [f"xl/charts/chart{n}.xml" for n in range(1, charts + 1)]
        with zipfile.ZipFile(report.path) as zf:
            rels = zf.read("xl/worksheets/_rels/sheet2.xml.rels").decode()
        assert "drawing" in rels  # the chart sits on the Resumen sheet
        assert report.filename == f"informe-{kind}-2026-11-01-2026-11-27.xlsx"
        # Every part parses with a strict XML parser; print setup, font and axes as promised.
        parts = xlsx.parse_parts(report.path)
        assert len(parts.sheets) == 2 and xlsx.fonts(parts) == {"Calibri"}
        assert xlsx.print_titles(parts) == [f"{data.title}!$1:$1"]
        for sheet in parts.sheets.values():
            setup = xlsx.page_setup(sheet)
            assert setup["orientation"] == "landscape" and setup["fitToPage"] == "1"
            assert setup.get("fitToWidth", "1") == "1" and setup["fitToHeight"] == "0"
        for chart in parts.charts.values():
            assert set(xlsx.value_axis_minimums(chart)) == {"0"}
    finally:
        report.discard()
    assert not report.path.exists()


async def test_seguimientos_rows_match_the_database_with_real_dates(crm: Crm, book: Book) -> None:
    report = await make(crm, book, "ADMIN", "seguimientos mes")
    data, summary = sheets(report)
    assert report.rows == await count_followups(crm, date(2026, 11, 1), date(2026, 11, 27))
    assert report.rows == 10
    by_id = {r[0]: r for r in rows(data)}
    closed = by_id[book.followups["luis_closed"]]
    assert closed[4] == "Pagado" and closed[5] == "Luis Gómez"
    assert closed[6] == datetime(2026, 11, 17, 14, 0)  # created, Bogotá wall time
    assert closed[8] == datetime(2026, 11, 17, 19, 0)  # closed
    for header in ("Creado", "Vence", "Última actividad"):
        assert all(isinstance(v, datetime) for v in column(data, header))
    assert data["G2"].number_format == "DD/MM/YYYY HH:MM"
    assert by_id[book.followups["maria_open"]][9] == 1  # one postponement
    assert by_id[book.followups["pedro_discarded"]][4] == "Descartado"
    assert all(isinstance(v, int) for v in column(data, "ID"))
    breakdown = {line.label: line.count for line in report.breakdown}
    assert breakdown == {"Activo": 8, "Pagado": 1, "Descartado": 1}
    lines = [r[:2] for r in summary.iter_rows(values_only=True) if r[0]]
    first = lines.index(("Estado", "Cantidad"))
    last = lines.index(("Total", 10), first)
    assert dict(lines[first : last + 1]) == {"Estado": "Cantidad", **breakdown, "Total": 10}
    assert ("Vencidos", 8) in lines  # every active one is overdue by now
    ages = lines[lines.index(("Días de mora", "Cantidad")) :]
    assert ages == [("Días de mora", "Cantidad"), ("Al día", 2), ("1–30", 8), ("31–60", 0),
                    ("61–90", 0), ("> 90", 0), ("Total", 10)]  # fmt: skip
    report.discard()


async def test_an_old_period_holds_nothing_and_still_opens(crm: Crm, book: Book) -> None:
    report = await make(crm, book, "ADMIN", "seguimientos 2025-01-01 2025-01-31")
    data, _ = sheets(report)
    assert report.rows == 0 and data.max_row == 1
    assert chart_files(report)
    report.discard()


async def test_formula_injection_comes_back_as_text(crm: Crm, book: Book) -> None:
    report = await make(crm, book, "ADMIN", "seguimientos mes")
    data, _ = sheets(report)
    names = column(data, "Tercero")
    notes = column(data, "Observaciones")
    expected = [v.replace("\r", "\n") for v in INJECTIONS]  # XML has no lone CR
    for value in expected:
        assert value in names
    # Each observation is written after its local time, so none can start a formula.
    assert any(n.endswith("— =1+1") for n in notes if n)
    assert "17/11/2026 14:00 — +57 300" in notes
    for row in data.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\n":
                assert cell.data_type == "s" and cell.quotePrefix, cell.value
    with zipfile.ZipFile(report.path) as zf:
        assert b"<f>" not in zf.read("xl/worksheets/sheet1.xml")
    report.discard()


async def test_actividades_lists_every_event_of_the_period(crm: Crm, book: Book) -> None:
    report = await make(crm, book, "ADMIN", "actividades mes")
    data, _ = sheets(report)
    async with crm.sessions() as session:
        events = await session.scalar(select(func.count(FollowUpEvent.id)))
    assert report.rows == events == 18
    assert all(isinstance(v, datetime) for v in column(data, "Fecha"))
    details = column(data, "Detalle")
    assert "Llamada contestada: @SUM(A1)" in details
    assert "Pagado: pagó" in details
    assert "18/11/2026 14:00 → 20/11/2026 14:00" in details
    assert {"Creado", "Observación", "Cerrado", "Pospuesto", "Actividad", "Descartado"} <= set(
        column(data, "Evento")
    )
    report.discard()


async def test_cartera_amounts_buckets_and_total(crm: Crm, book: Book) -> None:
    async with crm.sessions() as session:
        fv5 = await session.scalar(select(Document.id).where(Document.number == "5"))
    assert fv5 is not None
    started = await starts.start_followup_for_document(crm, book.actors["ADMIN"], fv5)
    report = await make(crm, book, "ADMIN", "cartera")
    data, summary = sheets(report)
    async with crm.sessions() as session:
        open_docs = await session.scalar(
            select(func.count(Document.id)).where(Document.balance > 0)
        )
    assert report.rows == open_docs == 5
    by_doc = {r[3]: r for r in rows(data)}
    assert by_doc["FV-2"][6:9] == [17, 250000.5, "1–30"]
    assert by_doc["FV-1"][6:9] == [0, 100000, "Corriente"]
    assert by_doc["FV-3"][8] == "31–60" and by_doc["FV-4"][8] == "61–90"
    assert by_doc["FV-5"][8] == "> 90"
    # "Seguimiento activo" follows /cartera's "sin seguimiento" rule: a follow-up on the
    # document itself (FV-3's tercero has one, but not on FV-3).
    assert by_doc["FV-5"][9] == started.id
    assert by_doc["FV-3"][9] is None
    for cell in [r[7] for r in data.iter_rows(min_row=2)]:
        assert isinstance(cell.value, int | float) and "$" in cell.number_format
    for cell in [r[4] for r in data.iter_rows(min_row=2)]:
        assert isinstance(cell.value, datetime) and cell.number_format == "DD/MM/YYYY"
    assert report.total == Decimal("1550000.50")
    facts = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r[0]}
    assert facts["Saldo total"] == 1550000.5
    assert [line.label for line in report.breakdown] == [
        "Corriente",
        "1–30",
        "31–60",
        "61–90",
        "> 90",
    ]
    report.discard()


def test_aging_buckets_edges() -> None:
    assert [aging_bucket(d) for d in (-3, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "Corriente",
        "Corriente",
        "1–30",
        "1–30",
        "31–60",
        "31–60",
        "61–90",
        "61–90",
        "> 90",
    ]


async def test_desempeno_one_row_per_agent_with_percentages(crm: Crm, book: Book) -> None:
    report = await make(crm, book, "ANA", "desempeno mes")
    data, _ = sheets(report)
    table = {r[0]: r[1:9] for r in rows(data)}
    # ANA's team only; LUIS: 7 open (all overdue by now), 1 closed on time; then the team.
    assert list(table) == ["Luis Gómez", "María Ruiz", "Total"]
    assert table["Luis Gómez"] == [7, 7, 1, 0, 0, 0, 1, 0]
    assert table["María Ruiz"] == [1, 1, 0, 0, 1, 1, None, 0]
    assert table["Total"] == [8, 8, 1, 0, 1, 1, 1, 0]
    assert data["H2"].number_format == "0.0%"
    report.discard()


async def test_english_user_gets_english_headers(crm: Crm, book: Book) -> None:
    for kind in ("seguimientos", "cartera", "desempeno"):
        report = await make(crm, book, "ADMIN", f"{kind} mes", lang="en")
        data, summary = sheets(report)
        assert [c.value for c in data[1]] == [c.en for c in COLUMNS[kind]]
        assert summary.title == "Summary"
        report.discard()
    report = await make(crm, book, "ADMIN", "seguimientos mes", lang="en")
    data, _ = sheets(report)
    assert data["A1"].value == "ID" and data["K1"].value == "Last activity"
    assert "Active" in column(data, "State")
    report.discard()


# --- scoping ---------------------------------------------------------------------------------


async def test_agent_sees_only_own_book(crm: Crm, book: Book) -> None:
    for kind, owner_col in (
        ("seguimientos", "Responsable"),
        ("actividades", "Responsable"),
        ("cartera", "Encargado"),
    ):
        report = await make(crm, book, "MARIA", f"{kind} mes")
        data, _ = sheets(report)
        assert set(column(data, owner_col)) == {"María Ruiz"}, kind
        report.discard()


async def test_supervisor_sees_team_and_admin_everyone(crm: Crm, book: Book) -> None:
    ana = await make(crm, book, "ANA", "seguimientos mes")
    assert set(column(sheets(ana)[0], "Responsable")) == {"Luis Gómez", "María Ruiz"}
    admin = await make(crm, book, "ADMIN", "seguimientos mes")
    assert "Pedro Soto" in column(sheets(admin)[0], "Responsable")
    ana.discard()
    admin.discard()


async def test_agente_filter_inside_and_outside_scope(crm: Crm, book: Book) -> None:
    report = await make(crm, book, "ANA", "seguimientos mes agente:maria")
    assert set(column(sheets(report)[0], "Responsable")) == {"María Ruiz"}
    report.discard()
    for who, args in (
        ("LUIS", "seguimientos mes agente:MARIA"),
        ("ANA", "cartera agente:PEDRO"),
        ("PEDRO", "actividades mes agente:LUIS"),
    ):
        with pytest.raises(NotAuthorized):
            await make(crm, book, who, args)
    with pytest.raises(NotFound):
        await make(crm, book, "ADMIN", "seguimientos agente:NADIE")


async def test_tipo_estado_and_nit_filters(crm: Crm, book: Book) -> None:
    for typed in ("Seguimiento a pedido", "SEGUIMIENTO_A_PEDIDO", "pedido", "seguim"):
        report = await make(crm, book, "ADMIN", f"seguimientos mes tipo:{typed}")
        assert column(sheets(report)[0], "Tipo") == ["Seguimiento a pedido"] * 2, typed
        report.discard()
    report = await make(crm, book, "ADMIN", "seguimientos mes estado:pagado")
    assert column(sheets(report)[0], "Estado") == ["Pagado"]
    report.discard()
    report = await make(crm, book, "ADMIN", "seguimientos mes estado:activo")
    assert report.rows == 8
    report.discard()
    report = await make(crm, book, "ADMIN", "cartera nit:800222333")
    assert set(column(sheets(report)[0], "NIT")) == {"800222333-2"}
    report.discard()


async def test_unknown_type_lists_the_valid_ones(crm: Crm, book: Book) -> None:
    from crm.kernel.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        await make(crm, book, "ADMIN", "seguimientos tipo:ventas")
    assert "Cobro de cartera" in caught.value.params["names"]
    with pytest.raises(InvalidInput) as caught:
        await make(crm, book, "ADMIN", "seguimientos tipo:a")  # in every name: ambiguous
    assert "Cobro de cartera" in caught.value.params["names"]


async def test_agenda_is_active_follow_ups_due_by_the_end_of_the_period(
    crm: Crm, book: Book, clock: FakeClock
) -> None:
    report = await make(crm, book, "ADMIN", "agenda")
    assert report.rows == 8
    assert set(column(sheets(report)[0], "Estado")) == {"Activo"}
    report.discard()
    report = await make(crm, book, "ADMIN", "agenda 2026-11-18")
    assert report.rows == 7  # María's was postponed to the 20th
    report.discard()


async def test_too_large_is_refused_and_leaves_no_file(
    crm: Crm, book: Book, tmp_path: Path
) -> None:
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    with pytest.raises(ReportTooLarge):
        await build_report(
            crm,
            book.actors["ADMIN"],
            parse_request("seguimientos mes", crm.today()),
            directory=tmp_path,
            max_bytes=1000,
        )
    assert list(tmp_path.iterdir()) == []


async def test_cartera_report_covers_the_same_book_as_the_cartera_command(
    crm: Crm, book: Book
) -> None:
    """A tercero managed by MARIA on which LUIS owns a follow-up is in LUIS's book."""
    from crm.followups import lifecycle as followups
    from tests.support.data import make_document, make_tercero, type_id

    shared = await make_tercero(
        crm, nit="811000111-1", name="Tienda Compartida", encargado_id=book.users["MARIA"]
    )
    await make_document(crm, shared, "900", balance="1500000")
    await followups.create_followup(
        crm,
        book.actors["ANA"],
        tercero_id=shared,
        type_id=await type_id(crm),
        owner_id=book.users["LUIS"],
    )
    report = await make(crm, book, "LUIS", "cartera")
    data, _ = sheets(report)
    documents = {r[3] for r in rows(data)}
    summary = await cartera.book_summary(crm, book.actors["LUIS"])
    assert "FV-900" in documents
    assert report.total == summary.totals.total and report.rows == summary.documents


async def test_a_new_report_kind_is_one_module_that_registers_itself(
    crm: Crm, book: Book, monkeypatch: pytest.MonkeyPatch
) -> None:
    from crm.reports import registry
    from crm.reports.registry import ReportKind
    from crm.reports.workbook import Column

    class Terceros(ReportKind):
        name = "prueba"
        sheet_es = "prueba"
        sheet_en = "Test"
        columns = (Column("Número", "Number", "int", 10), Column("Texto", "Text", "text", 20))

        async def chunks(self, session: Any, ctx: Any, scope: Any) -> Any:
            yield [(1, "uno"), (2, "=dos")]

    monkeypatch.setattr(registry, "_KINDS", dict(registry._KINDS))
    registry.register(Terceros())
    assert "prueba" in registry.names()
    report = await make(crm, book, "ADMIN", "prueba mes")
    try:
        data, _ = sheets(report)
        assert data.title == "prueba" and rows(data) == [[1, "uno"], [2, "=dos"]]
        assert data["B3"].quotePrefix and report.rows == 2
    finally:
        report.discard()
