"""Property tests of the import parsers (hypothesis): any cell either parses or is a BadValue
(never a traceback), amounts and dates round-trip in every accepted spelling, dates outside
2000-2099 are refused, and no character XML forbids survives a CSV or .xlsx stream."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from crm.kernel.parsing import (
    MAX_YEAR,
    MIN_YEAR,
    BadFile,
    BadValue,
    cell_text,
    open_sheet,
    parse_amount,
    parse_date,
    parse_datetime_parts,
    parse_email,
    parse_nit,
    parse_phones,
)
from crm.kernel.text import XML_FORBIDDEN, xml_safe

cells = st.one_of(
    st.none(),
    st.text(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.decimals(allow_nan=False, allow_infinity=False),
    st.dates(),
    st.datetimes(),
)
LARGEST = Decimal("9999999999999.99")
amounts = st.decimals(min_value=-LARGEST, max_value=LARGEST, places=2)
in_range_days = st.dates(min_value=date(MIN_YEAR, 1, 1), max_value=date(MAX_YEAR, 12, 31))
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def colombian(amount: Decimal) -> str:
    """``$ 1.234.567,89`` as Colombian ERPs write it."""
    sign = "-" if amount < 0 else ""
    whole, cents = f"{abs(amount):.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{sign}$ {groups},{cents}"


@PROPERTY
@given(cells)
def test_every_cell_parser_answers_a_value_or_a_bad_value(value: object) -> None:
    for parse in (parse_amount, parse_date, parse_nit, parse_email, parse_phones, cell_text):
        try:
            parse(value)
        except BadValue as exc:
            assert exc.key.startswith("import.problem.")


@PROPERTY
@given(amounts)
@example(Decimal("1234.00"))
@example(Decimal("-0.50"))
def test_amounts_round_trip_in_every_spelling(amount: Decimal) -> None:
    assert parse_amount(f"{amount:.2f}") == amount
    assert parse_amount(colombian(amount)) == amount
    if abs(amount) < 10**12:  # an Excel float holds 15 significant digits
        assert parse_amount(float(amount)) == amount
    assert parse_amount(amount) == amount


@PROPERTY
@given(in_range_days, st.times().map(lambda t: t.replace(microsecond=0)))
def test_dates_round_trip_iso_and_day_first(day: date, at: time) -> None:
    assert parse_datetime_parts(day.isoformat()) == (day, None)
    assert parse_datetime_parts(day.strftime("%d/%m/%Y")) == (day, None)
    moment = datetime.combine(day, at)
    # A time written in the text is kept (even 00:00); an Excel date at midnight has none.
    assert parse_datetime_parts(moment.strftime("%Y-%m-%d %H:%M:%S")) == (day, at)
    assert parse_datetime_parts(moment.strftime("%d/%m/%Y %H:%M")) == (day, at.replace(second=0))
    assert parse_datetime_parts(moment) == (day, at if at != time.min else None)


@PROPERTY
@given(st.dates().filter(lambda d: not MIN_YEAR <= d.year <= MAX_YEAR))
@example(date(9999, 12, 31))
@example(date(1999, 12, 31))
@example(date(2100, 1, 1))
def test_dates_outside_2000_2099_are_refused_in_every_spelling(day: date) -> None:
    spellings: list[object] = [day, datetime.combine(day, time(23, 0))]
    if day.year >= 1000:
        spellings += [day.isoformat(), day.strftime("%d/%m/%Y")]
    for spelling in spellings:
        try:
            parse_datetime_parts(spelling)
        except BadValue as exc:
            assert exc.key == "import.problem.date_out_of_range", (spelling, exc.key)
        else:
            raise AssertionError(f"{spelling!r} accepted")


@PROPERTY
@given(st.text())
def test_xml_safe_removes_only_what_xml_forbids(text: str) -> None:
    cleaned = xml_safe(text)
    assert XML_FORBIDDEN.search(cleaned) is None
    assert xml_safe(cleaned) == cleaned
    assert cleaned == "".join(c for c in text if not XML_FORBIDDEN.match(c))


text_cells = st.text(st.characters(exclude_characters="\r\n", exclude_categories=("Cs",)))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.lists(text_cells, min_size=2, max_size=2), min_size=1, max_size=8))
def test_csv_streams_carry_no_forbidden_character(tmp_path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["nit", "nombre"])
    rows = [[f"9{i}", *row[1:]] for i, row in enumerate(rows)]
    writer.writerows(rows)
    path = tmp_path / "t.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    sheet = open_sheet(path)
    try:
        read = [cells for _number, cells in sheet.rows]
    finally:
        sheet.close()
    expected = [[xml_safe(c) for c in row] for row in rows if "".join(row).strip()]
    expected = [row for row in expected if "".join(row).strip()]
    assert [row for row in read if "".join(row).strip()] == expected
    for row in read:
        for cell in row:
            assert XML_FORBIDDEN.search(cell) is None


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.lists(text_cells.filter(lambda s: XML_FORBIDDEN.search(s) is None), min_size=1, max_size=6)
)
def test_xlsx_streams_keep_legal_text_or_name_the_broken_row(
    tmp_path: Path, names: list[str]
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["nit", "nombre"])
    for i, name in enumerate(names):
        sheet.append([f"9{i}", name])
    path = tmp_path / "t.xlsx"
    book.save(path)
    try:
        opened = open_sheet(path)
        try:
            read = [cells for _number, cells in opened.rows]
        finally:
            opened.close()
    except BadFile as exc:  # U+FFFE/U+FFFF written by openpyxl make the XML unreadable
        assert exc.key == "import.file.bad_xlsx_row" and exc.row is not None
        assert any("\ufffe" in n or "\uffff" in n for n in names)
        return
    assert all(XML_FORBIDDEN.search(str(c)) is None for row in read for c in row if c)
