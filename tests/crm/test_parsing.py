"""Cell parsing for the ERP import: every date and amount form the issue lists, NITs, phones."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from crm.kernel.parsing import (
    BadValue,
    header_key,
    parse_amount,
    parse_date,
    parse_datetime_parts,
    parse_local_datetime,
    parse_nit,
    parse_phones,
)

BOGOTA = ZoneInfo("America/Bogota")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (datetime(2026, 3, 5), (date(2026, 3, 5), None)),  # a real Excel date cell
        (datetime(2026, 3, 5, 14, 30), (date(2026, 3, 5), time(14, 30))),
        (date(2026, 3, 5), (date(2026, 3, 5), None)),
        (46086, (date(2026, 3, 5), None)),  # an Excel serial number
        (46086.5, (date(2026, 3, 5), time(12, 0))),
        ("2026-03-05", (date(2026, 3, 5), None)),
        ("2026-03-05 08:15", (date(2026, 3, 5), time(8, 15))),
        ("05/03/2026", (date(2026, 3, 5), None)),  # day first
        ("5/3/2026 17:45", (date(2026, 3, 5), time(17, 45))),
        (" 31/12/2026 ", (date(2026, 12, 31), None)),
    ],
)
def test_every_date_form(cell: object, expected: tuple[date, time | None]) -> None:
    assert parse_datetime_parts(cell) == expected


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("31/02/2026", "import.problem.impossible_date"),
        ("2026-13-01", "import.problem.impossible_date"),
        ("05/03/2026 25:00", "import.problem.impossible_time"),
        ("mañana", "import.problem.bad_date"),
        ("03-05-2026", "import.problem.bad_date"),
        (-3, "import.problem.bad_date"),
    ],
)
def test_bad_dates_are_named(cell: object, key: str) -> None:
    with pytest.raises(BadValue) as caught:
        parse_date(cell)
    assert caught.value.key == key


def test_local_datetime_is_read_in_the_configured_zone() -> None:
    due = parse_local_datetime("01/12/2026 09:00", BOGOTA)
    assert due == datetime(2026, 12, 1, 14, 0, tzinfo=ZoneInfo("UTC"))
    assert parse_local_datetime("2026-12-01", BOGOTA) == datetime(2026, 12, 1, tzinfo=BOGOTA)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (1500000, "1500000.00"),  # Excel integer
        (1234567.89, "1234567.89"),  # Excel float
        (0.1 + 0.2, "0.30"),
        ("1234567.89", "1234567.89"),
        ("1234567", "1234567.00"),
        ("$ 1.234.567,89", "1234567.89"),  # Colombian
        ("$1.234.567", "1234567.00"),
        ("$ 1.234", "1234.00"),
        ("1.234.567,5", "1234567.50"),
        ("1234567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("-$ 25.000", "-25000.00"),
        ("$ -25.000,50", "-25000.50"),
        ("(1.500,00)", "-1500.00"),
        ("0", "0.00"),
    ],
)
def test_every_amount_form(cell: object, expected: str) -> None:
    assert parse_amount(cell) == Decimal(expected)


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("mil pesos", "import.problem.bad_amount"),
        ("1.2.3", "import.problem.bad_amount"),
        ("$ 12.34.567", "import.problem.bad_amount"),
        ("1.234", "import.problem.amount_decimals"),  # ambiguous: refused, not guessed
        ("12,345", "import.problem.amount_decimals"),
        (True, "import.problem.bad_amount"),
    ],
)
def test_bad_amounts_are_named(cell: object, key: str) -> None:
    with pytest.raises(BadValue) as caught:
        parse_amount(cell)
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("00123456-7", "00123456-7"),
        (" 900.123.456-7 ", "900123456-7"),
        (900123456, "900123456"),
        (900123456.0, "900123456"),
        ("0001234", "0001234"),
    ],
)
def test_nit_is_kept_as_text(cell: object, expected: str) -> None:
    assert parse_nit(cell) == expected


def test_bad_nit() -> None:
    with pytest.raises(BadValue):
        parse_nit("900 123 / 7")


def test_phones_split_on_every_separator() -> None:
    assert parse_phones("300 123 4567; 601 456 7890,3109998888 / 6045551234") == (
        "300 123 4567; 601 456 7890; 3109998888; 6045551234"
    )
    assert parse_phones(" ; ") is None


def test_headers_match_ignoring_case_accents_and_spacing() -> None:
    assert header_key(" Teléfonos ") == "telefonos"
    assert header_key("DIRECCIÓN") == "direccion"
    assert header_key("Número") == "numero"


@pytest.mark.parametrize("value", [1e20, 10**16, float("nan"), float("inf"), Decimal("1E+17")])
def test_excel_numbers_too_large_or_not_numbers_are_bad_rows(value: object) -> None:
    from crm.kernel.parsing import BadValue, parse_amount

    with pytest.raises(BadValue):
        parse_amount(value)


def test_a_csv_without_line_breaks_is_refused_at_its_header(tmp_path: Path) -> None:
    """A header line is not read without end: a file of nothing (a sparse file, a binary)
    is a malformed CSV at row 1, not a crash of the csv module."""
    from crm.kernel.parsing import BadFile, open_sheet

    path = tmp_path / "terceros.csv"
    with path.open("wb") as sparse:
        sparse.truncate(4 * 1024 * 1024)
    with pytest.raises(BadFile) as caught:
        open_sheet(path)
    assert caught.value.key == "import.file.bad_csv" and caught.value.row == 1
