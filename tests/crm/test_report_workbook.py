"""The report workbook's own row writer, read back with openpyxl: awkward text, every cell
kind, many chunks, and no temporary files left behind."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from crm.reports.workbook import Breakdown, ReportBook, TooManyRows
from tests.support import xlsx

AWKWARD = [
    "Pérez & Hijos <S.A.S.>",
    "  espacios a los lados  ",
    "línea uno\r\nlínea dos\rtres",
    "con\x01control\x1fchars",
    "ñandú 🎉 “comillas”",
    "\"quoted\" 'single'",
    "=SUM(A1)",
]


def make_book(path: Path, kind: str) -> ReportBook:
    return ReportBook(path, kind, "es", tuple)


def leftovers(book: ReportBook) -> list[Path]:
    """What is left of the book's own temporary folder (other processes share /tmp)."""
    folder = Path(book.tmpdir)
    return list(folder.iterdir()) if folder.exists() else []


def test_text_cells_keep_what_was_written(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    book = make_book(path, "actividades")
    at = datetime(2026, 11, 27, 14, 30)
    book.add([(at, n, "900-1", text, "Luis", "Creado", None) for n, text in enumerate(AWKWARD)])
    book.add([(at, 99, "", "", None, "Creado", "")])
    book.finish([("Filas", 8)], [Breakdown("chart.agent", "Responsable").table("es")])
    ws = load_workbook(path).worksheets[0]
    values = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert [r[3] for r in values[:7]] == [
        "Pérez & Hijos <S.A.S.>",
        "  espacios a los lados  ",
        "línea uno\nlínea dos\ntres",
        "concontrolchars",
        "ñandú 🎉 “comillas”",
        "\"quoted\" 'single'",
        "=SUM(A1)",
    ]
    assert ws["D8"].data_type == "s" and ws["D8"].quotePrefix
    assert values[0][0] == at and ws["A2"].number_format == "DD/MM/YYYY HH:MM"
    assert values[7] == [at, 99, None, None, None, "Creado", None]
    assert ws["A1"].value == "Fecha" and ws["A1"].font.b
    assert not Path(book.tmpdir).exists() and leftovers(book) == []


def test_every_cell_kind_round_trips_over_many_chunks(tmp_path: Path) -> None:
    path = tmp_path / "c.xlsx"
    book = make_book(path, "cartera")
    expected = []
    for chunk in range(5):
        rows = []
        for i in range(300):
            n = chunk * 300 + i
            rows.append(
                (
                    f"{800000000 + n}-1",
                    f"Cliente {n}",
                    "Luis",
                    f"FV-{n}",
                    date(2026, 1, 1 + n % 28),
                    None if n % 2 else date(1900, 1, 15),
                    n,
                    Decimal("1234567.89") + n,
                    "1–30",
                    n if n % 3 else None,
                )
            )
        expected += rows
        book.add(rows)
    book.finish(
        [("Filas", book.rows)], [Breakdown("chart.aging", "Rango", with_amount=True).table("es")]
    )
    ws = load_workbook(path).worksheets[0]
    got = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(got) == 1500 == book.rows
    for row, want in zip(got, expected, strict=True):
        assert row[:4] == list(want[:4])
        assert row[4] == datetime.combine(want[4], datetime.min.time())
        assert row[6] == want[6] and row[8] == want[8] and row[9] == want[9]
        assert Decimal(str(row[7])) == want[7]
    assert got[0][5] == datetime(1900, 1, 15)  # before Excel's 1900 leap-year bug
    # Amounts with cents show them; whole pesos do not.
    assert ws["H2"].number_format == '"$" #,##0.00' and ws["E2"].number_format == "DD/MM/YYYY"
    assert ws.auto_filter.ref == "A1:J1501" and ws.freeze_panes == "A2"


def test_abandon_removes_every_temporary_file(tmp_path: Path) -> None:
    book = make_book(tmp_path / "x.xlsx", "actividades")
    assert Path(book.tmpdir).exists()
    book.add([(datetime(2026, 1, 1), 1, "1", "a", "b", "c", "d")])
    book.abandon()
    assert not Path(book.tmpdir).exists() and leftovers(book) == []
    assert list(tmp_path.iterdir()) == []


def test_too_many_rows_stops_before_writing_past_the_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("crm.reports.workbook.EXCEL_MAX_ROWS", 3)
    book = make_book(tmp_path / "x.xlsx", "actividades")
    row: Any = (datetime(2026, 1, 1), 1, "1", "a", "b", "c", "d")
    with pytest.raises(TooManyRows):
        book.add([row] * 4)
    book.abandon()
    assert book.rows == 3


def test_wrap_print_setup_fonts_and_axes_read_from_the_parts(tmp_path: Path) -> None:
    path = tmp_path / "w.xlsx"
    book = make_book(path, "cartera")
    book.add(
        [
            (
                "1-1",
                "Uno\nDos",
                "Luis",
                "FV-1",
                date(2026, 1, 1),
                None,
                3,
                Decimal(1500),
                "1–30",
                7,
            ),
            ("2-2", "Sin salto", "Ana", "FV-2", date(2026, 1, 1), None, 0, Decimal(2), "x", None),
        ]
    )
    breakdown = Breakdown("chart.aging", "Rango", with_amount=True)
    breakdown.add("1–30", Decimal(1500))
    breakdown.add("x", Decimal(2))
    book.finish([("Filas", 2)], [breakdown.table("es")])
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    assert ws["B2"].alignment.wrap_text and not ws["B3"].alignment.wrap_text
    assert ws["H2"].number_format == '"$" #,##0'
    summary = wb["Resumen"]
    rows = [list(r) for r in summary.iter_rows(min_row=3, values_only=True)]
    assert rows[0][:3] == ["Rango", "Documentos", "Saldo"]
    assert rows[-1][:3] == ["Total", 2, 1502] and summary.cell(len(rows) + 2, 1).font.b
    parts = xlsx.parse_parts(path)
    assert xlsx.fonts(parts) == {"Calibri"}
    assert xlsx.print_titles(parts) == ["cartera!$1:$1"]
    for sheet in parts.sheets.values():
        setup = xlsx.page_setup(sheet)
        assert setup["orientation"] == "landscape" and setup.get("fitToWidth", "1") == "1"
        assert setup["fitToHeight"] == "0" and setup["fitToPage"] == "1"
        assert "&P" in setup["footer"] and "&N" in setup["footer"]
    (chart,) = parts.charts.values()
    assert xlsx.value_axis_minimums(chart) == ["0"]
