"""Reading ERP export files and turning their cells into typed values.

Files are streamed: ``.xlsx`` through openpyxl's read-only mode (first sheet, header in row 1)
and ``.csv`` line by line (UTF-8 with or without BOM, ``,`` or ``;`` detected from the header).
Cell parsers raise :class:`BadValue` carrying a message key from ``handlers/texts/imports.py``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from crm.kernel.text import XML_FORBIDDEN, normalize_text, xml_safe

CENTS = Decimal("0.01")
# Excel's serial day 0 (the 1900 leap-year bug is why it is the 30th, not the 31st).
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
# Every date an import accepts lies in these years: outside them it is a typo or a
# placeholder such as 9999-12-31, and the row is refused.
MIN_YEAR, MAX_YEAR = 2000, 2099


class BadValue(Exception):
    """A cell that cannot be used; ``key`` names the problem text, ``params`` fill it."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key, params)
        self.key = key
        self.params = params


class BadFile(Exception):
    """The file as a whole cannot be read (missing, wrong format, not UTF-8...)."""

    def __init__(self, key: str, row: int | None = None, **params: Any) -> None:
        super().__init__(key, params)
        self.key = key
        self.row = row
        self.params = params


# --- cells -----------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """The cell as trimmed text; whole Excel numbers lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def is_blank(value: object) -> bool:
    return cell_text(value) == ""


def show(value: object) -> str:
    """A cell value quoted for an error message, shortened so one bad cell stays one line."""
    text = cell_text(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:37] + "..."


_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_DATE_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def _excel_serial(value: float) -> datetime:
    if not 0 < value <= EXCEL_MAX_SERIAL:
        raise BadValue("import.problem.bad_date", value=show(value))
    # Round to the second: Excel stores times as binary fractions of a day.
    return EXCEL_EPOCH + timedelta(seconds=round(value * 86400))


def parse_datetime_parts(value: object) -> tuple[date, time | None]:
    """The date and (when written) the time of a cell: an Excel date or serial number,
    ``YYYY-MM-DD[ HH:MM]`` or ``DD/MM/YYYY[ HH:MM]`` (day first), in 2000–2099."""
    day_, at = _datetime_parts(value)
    if not MIN_YEAR <= day_.year <= MAX_YEAR:
        raise BadValue(
            "import.problem.date_out_of_range", value=show(value), min=MIN_YEAR, max=MAX_YEAR
        )
    return day_, at


def _datetime_parts(value: object) -> tuple[date, time | None]:
    if isinstance(value, datetime):
        has_time = value.time() != time.min
        return value.date(), (value.time().replace(microsecond=0) if has_time else None)
    if isinstance(value, date):
        return value, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = _excel_serial(float(value))
        return moment.date(), (moment.time() if moment.time() != time.min else None)
    text = cell_text(value)
    match = _DATE_ISO.match(text)
    if match:
        year, month, day_, hour, minute, second = match.groups()
    else:
        match = _DATE_DMY.match(text)
        if not match:
            raise BadValue("import.problem.bad_date", value=show(value))
        day_, month, year, hour, minute, second = match.groups()
    try:
        parsed = date(int(year), int(month), int(day_))
    except ValueError:
        raise BadValue("import.problem.impossible_date", value=show(value)) from None
    if hour is None:
        return parsed, None
    try:
        return parsed, time(int(hour), int(minute), int(second or 0))
    except ValueError:
        raise BadValue("import.problem.impossible_time", value=show(value)) from None


def parse_date(value: object) -> date:
    """A calendar date (any time written with it is ignored)."""
    return parse_datetime_parts(value)[0]


def parse_local_datetime(value: object, tz: ZoneInfo) -> datetime:
    """A date-time written in ``tz``; a date alone means the start of that day. Aware."""
    day_, at = parse_datetime_parts(value)
    return datetime.combine(day_, at or time.min, tz)


_AMOUNT_CHARS = re.compile(r"^-?[0-9.,]+$")


# Complex by design: every amount shape the ERP and users type, tried in order.
def parse_amount(value: object) -> Decimal:  # noqa: C901
    """An amount: an Excel number, ``1234567.89``, or Colombian ``$ 1.234.567,89``."""
    if isinstance(value, bool):
        raise BadValue("import.problem.bad_amount", value=show(value))
    if isinstance(value, int | float | Decimal):
        # Excel keeps binary floats: the shortest repr is what the user typed; round to cents.
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise BadValue("import.problem.bad_amount", value=show(value))
        if abs(number) >= Decimal("1e16"):  # NUMERIC(18, 2) holds 16 digits before the point
            raise BadValue("import.problem.amount_too_large", value=show(value))
        return number.quantize(CENTS, rounding=ROUND_HALF_UP)
    text = cell_text(value)
    raw = text.replace(" ", "").replace("\u00a0", "")
    negative = False
    if raw.startswith("(") and raw.endswith(")"):  # accountants' negatives
        negative, raw = True, raw[1:-1]
    if raw.startswith("-"):
        negative, raw = True, raw[1:]
    colombian = raw.startswith("$")
    raw = raw.removeprefix("$")
    if raw.startswith("-"):
        negative, raw = True, raw[1:]
    if not raw or not _AMOUNT_CHARS.match(raw):
        raise BadValue("import.problem.bad_amount", value=show(value))
    last_dot, last_comma = raw.rfind("."), raw.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        # Both separators: whichever comes last separates the cents.
        thousands, decimal = (".", ",") if last_comma > last_dot else (",", ".")
    elif last_comma >= 0:
        thousands, decimal = (".", ",") if raw.count(",") == 1 else (",", ".")
    elif raw.count(".") > 1 or (colombian and len(raw) - last_dot == 4):
        # "1.234.567" or "$ 1.234": dots group thousands.
        thousands, decimal = (".", ",")
    else:
        thousands, decimal = (",", ".")
    integer, _, cents = raw.partition(decimal)
    groups = integer.split(thousands)
    if thousands in integer and (
        not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:])
    ):
        raise BadValue("import.problem.bad_amount", value=show(value))
    digits = "".join(groups)
    if not (digits.isascii() and digits.isdigit()) or (
        decimal in raw and not (cents.isascii() and cents.isdigit())
    ):
        raise BadValue("import.problem.bad_amount", value=show(value))
    if len(cents) > 2:
        raise BadValue("import.problem.amount_decimals", value=show(value))
    try:
        amount = Decimal(f"{digits}.{cents or '0'}")
    except InvalidOperation:
        raise BadValue("import.problem.bad_amount", value=show(value)) from None
    if amount >= Decimal("1e16"):
        raise BadValue("import.problem.amount_too_large", value=show(value))
    return (-amount if negative else amount).quantize(CENTS)


_NIT = re.compile(r"^[0-9A-Za-z]+(-[0-9A-Za-z])?$")


def parse_nit(value: object) -> str:
    """A NIT kept as text: leading zeros and a ``-DV`` suffix stay; dots and spaces go."""
    text = cell_text(value).replace(".", "").replace(" ", "").upper()
    if not _NIT.match(text):
        raise BadValue("import.problem.bad_nit", value=show(value))
    return text


def parse_phones(value: object) -> str | None:
    """Phone numbers separated by ``;``, ``,`` or ``/``, stored as ``a; b``."""
    parts = [p.strip() for p in re.split(r"[;,/]", cell_text(value)) if p.strip()]
    return "; ".join(parts) or None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(value: object) -> str | None:
    text = cell_text(value)
    if not text:
        return None
    if not _EMAIL.match(text):
        raise BadValue("import.problem.bad_email", value=show(value))
    return text.lower()


def parse_code(value: object) -> str:
    """A user code as ``users add`` stores it (upper case)."""
    return cell_text(value).upper()


# --- files -----------------------------------------------------------------------------------


def header_key(name: object) -> str:
    """A header matched ignoring case, accents, spaces and punctuation: "E-mail" -> "email"."""
    return re.sub(r"[\s_.\-]", "", normalize_text(cell_text(name)))


@dataclass
class Sheet:
    """An open export file: its header, an approximate row count and a row stream."""

    path: Path
    header: list[str]
    total_rows: int | None
    rows: Iterator[tuple[int, list[Any]]]
    _closers: list[Any] = field(default_factory=list)

    def close(self) -> None:
        for closer in self._closers:
            closer()


def open_sheet(path: Path, source: BinaryIO | None = None) -> Sheet:
    """Open ``path`` for streaming; rows come as (row number in the file, cell values).
    ``source``: the file already opened in binary mode (its name is then only a name); the
    sheet reads it from the start and closes it."""
    suffix = path.suffix.lower()
    if source is None and not path.is_file():
        raise BadFile("import.file.not_found")
    if suffix == ".xlsx":
        return _open_xlsx(path, source)
    if suffix in (".csv", ".txt"):
        return _open_csv(path, source)
    raise BadFile("import.file.bad_type", suffix=suffix or "-")


def _open_xlsx(path: Path, source: BinaryIO | None = None) -> Sheet:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    closers: list[Any] = [] if source is None else [source.close]
    file: Path | BinaryIO = path if source is None else source
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise BadFile("import.file.bad_xlsx", reason=type(exc).__name__) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)

    def stream() -> Iterator[tuple[int, list[Any]]]:
        # Read-only mode yields every row in order, filling gaps, so counting gives row numbers.
        number = 1
        try:
            for number, row in enumerate(rows, start=2):
                values = [xml_safe(v) if type(v) is str else v for v in row]
                if any(not is_blank(v) for v in values):
                    yield number, values
        except _XLSX_ERRORS as exc:
            # The sheet's XML is broken further on (a lone surrogate, a control character
            # reference...): name the row it breaks in, not a traceback.
            row_number = _xlsx_error_row(file, sheet, exc) or number + 1
            raise BadFile(
                "import.file.bad_xlsx_row", row=row_number, reason=_xlsx_reason(exc)
            ) from None

    try:
        header = next(rows, None)
    except _XLSX_ERRORS as exc:
        workbook.close()
        raise BadFile("import.file.bad_xlsx_row", row=1, reason=_xlsx_reason(exc)) from None
    if header is None or all(is_blank(v) for v in header):
        workbook.close()
        raise BadFile("import.file.empty", row=1)
    total = (sheet.max_row - 1) if sheet.max_row else None
    names = [xml_safe(cell_text(h)) for h in header]
    return Sheet(path, names, total, stream(), [workbook.close, *closers])


# What openpyxl's streaming reader raises on a sheet that is not well-formed: expat's
# ParseError (a SyntaxError), bad values and broken zip members.
_XLSX_ERRORS = (SyntaxError, ValueError, KeyError, TypeError, OSError, EOFError, zlib.error)
_ROW_TAG = re.compile(r"<(?:\w+:)?row\b[^>]*?\br=\"(\d+)\"")


def _xlsx_reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _xlsx_error_row(path: Path | BinaryIO, sheet: Any, exc: BaseException) -> int | None:
    """The spreadsheet row the XML error ``exc`` lies in: the last ``<row r="N">`` before
    the error's (line, column) in the sheet's XML. None when that cannot be told."""
    position = getattr(exc, "position", None)
    member = getattr(sheet, "_worksheet_path", None)  # openpyxl's read-only sheet knows it
    if not position or not isinstance(member, str):
        return None
    line, column = position
    found: int | None = None
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member.lstrip("/")) as xml:
            for number, raw in enumerate(xml, start=1):
                # expat counts columns in characters: decode before cutting.
                text = raw.decode("utf-8", "replace")
                if number == line:
                    text = text[:column]
                for match in _ROW_TAG.finditer(text):
                    found = int(match.group(1))
                if number == line:
                    return found
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, zlib.error):
        return None
    return None


def _count_lines(raw: BinaryIO) -> int:
    """The file's newlines, read from the start; leaves it at the start."""
    count = 0
    raw.seek(0)
    while chunk := raw.read(1 << 20):
        count += chunk.count(b"\n")
    raw.seek(0)
    return count


def _first_bad_utf8_line(raw: BinaryIO) -> int:
    # UTF-8 never has a newline byte inside a character, so decoding line by line finds the
    # line the reader stumbled on.
    raw.seek(0)
    for number, line in enumerate(raw, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return 1


def _xml_safe_lines(lines: Iterator[str]) -> Iterator[str]:
    """The file's lines without the characters XML forbids (line breaks are kept, so line
    numbers stay true)."""
    search, sub = XML_FORBIDDEN.search, XML_FORBIDDEN.sub
    for line in lines:
        yield sub("", line) if search(line) else line


HEADER_LIMIT = 64 * 1024  # characters of a CSV header line


def _open_csv(path: Path, source: BinaryIO | None = None) -> Sheet:
    raw: BinaryIO = path.open("rb") if source is None else source
    try:
        total = max(_count_lines(raw) - 1, 0)
    except BaseException:
        raw.close()
        raise
    # Text mode decodes in large blocks (much faster than line by line); a bad byte is
    # located afterwards, only when there is one.
    handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    try:
        first = handle.readline(HEADER_LIMIT)
    except UnicodeDecodeError:
        row = _first_bad_utf8_line(raw)
        handle.close()
        raise BadFile("import.file.not_utf8", row=row) from None
    if not first.strip():
        handle.close()
        raise BadFile("import.file.empty", row=1)
    if len(first) >= HEADER_LIMIT:  # no line break in sight: not a header
        handle.close()
        raise BadFile("import.file.bad_csv", row=1, reason=f"> {HEADER_LIMIT} characters")
    # The header has no quoted separators in practice: the more frequent one wins.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        header = [xml_safe(h) for h in next(csv.reader([first], delimiter=delimiter))]
    except csv.Error as exc:
        handle.close()
        raise BadFile("import.file.bad_csv", row=1, reason=str(exc)) from None
    reader = csv.reader(_xml_safe_lines(handle), delimiter=delimiter)

    def stream() -> Iterator[tuple[int, list[Any]]]:
        line = 1  # the header
        while True:
            start = line + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise BadFile("import.file.bad_csv", row=start, reason=str(exc)) from None
            except UnicodeDecodeError:
                raise BadFile("import.file.not_utf8", row=_first_bad_utf8_line(raw)) from None
            line = 1 + reader.line_num
            if "".join(row).strip():  # skip blank lines (and rows of empty cells)
                yield start, row

    return Sheet(path, [cell_text(h) for h in header], total, stream(), [handle.close])
