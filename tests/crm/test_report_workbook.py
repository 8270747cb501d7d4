"""The report workbook's own row writer, read back with openpyxl: awkward text, every cell
kind, many chunks, and no temporary files left behind."""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from crm.reports.workbook import Breakdown, ReportBook, TooManyRows

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


def temp_leftovers() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("informe-rows-*")}


def test_text_cells_keep_what_was_written(tmp_path: Path) -> None:
    before = temp_leftovers()
    path = tmp_path / "a.xlsx"
    book = make_book(path, "actividades")
    at = datetime(2026, 11, 27, 14, 30)
    book.add([(at, n, "900-1", text, "Luis", "Creado", None) for n, text in enumerate(AWKWARD)])
    book.add([(at, 99, "", "", None, "Creado", "")])
    book.finish([("Filas", 8)], Breakdown("chart.agent", "Responsable"))
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
    assert temp_leftovers() <= before


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
    book.finish([("Filas", book.rows)], Breakdown("chart.aging", "Rango", with_amount=True))
    ws = load_workbook(path).worksheets[0]
    got = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(got) == 1500 == book.rows
    for row, want in zip(got, expected, strict=True):
        assert row[:4] == list(want[:4])
        assert row[4] == datetime.combine(want[4], datetime.min.time())
        assert row[6] == want[6] and row[8] == want[8] and row[9] == want[9]
        assert Decimal(str(row[7])) == want[7]
    assert got[0][5] == datetime(1900, 1, 15)  # before Excel's 1900 leap-year bug
    assert ws["H2"].number_format == '"$" #,##0' and ws["E2"].number_format == "DD/MM/YYYY"
    assert ws.auto_filter.ref == "A1:J1501" and ws.freeze_panes == "A2"


def test_abandon_removes_every_temporary_file(tmp_path: Path) -> None:
    before = temp_leftovers()
    book = make_book(tmp_path / "x.xlsx", "actividades")
    book.add([(datetime(2026, 1, 1), 1, "1", "a", "b", "c", "d")])
    book.abandon()
    assert temp_leftovers() <= before
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
