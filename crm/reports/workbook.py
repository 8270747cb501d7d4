"""The synchronous half of a report: an openpyxl write-only workbook fed chunk by chunk.

Everything here runs in a worker thread (never on the event loop). The data sheet's rows are
serialised straight to a temporary file as they arrive (inline strings), so memory stays flat
as rows grow; openpyxl writes everything else (styles, widths, frozen header, filter, the
Resumen sheet and its chart) and the rows are spliced into its file when the book is saved.
openpyxl's per-cell objects cost ~20 µs a cell, which made a 100k-row report several times
slower than it needs to be; a row here is one string join.
Column headers and workbook labels live here, not in the chat catalog, because they are the
file's format (the issue fixes them) rather than chat text.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.filters import AutoFilter

DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
DATE_FORMAT = "DD/MM/YYYY"
MONEY_FORMAT = '"$" #,##0'
PERCENT_FORMAT = "0.0%"
# Excel's hard limits: rows per sheet (minus the header) and characters per cell.
EXCEL_MAX_ROWS = 1_048_575
EXCEL_MAX_CHARS = 32_767
# Text starting with these is a formula (or DDE payload) to Excel/LibreOffice.
RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

BOLD = Font(bold=True)
# Excel's day 0 for the 1900 date system; serials from 1900-03-01 on are plain day counts.
EXCEL_EPOCH = datetime(1899, 12, 30)
EXCEL_LEAP_BUG_END = datetime(1900, 3, 1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Column:
    """One column: its header in each language, how its cells are written, its width."""

    es: str
    en: str
    kind: str  # text | int | datetime | date | money | percent
    width: float

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.es


# Filled by crm.reports.registry.register: each report kind's columns.
COLUMNS: dict[str, tuple[Column, ...]] = {}

LABELS: dict[str, dict[str, str]] = {
    "es": {
        # Data sheets are named by their report kind (crm.reports.registry.register).
        "sheet.summary": "Resumen",
        "summary.report": "Informe",
        "summary.period": "Periodo",
        "summary.filters": "Filtros",
        "summary.requested_by": "Solicitado por",
        "summary.generated": "Generado",
        "summary.rows": "Filas",
        "summary.total_balance": "Saldo total",
        "summary.none": "Ninguno",
        "summary.cutoff": "Saldos al corte de hoy (el periodo no aplica a la cartera)",
        "summary.no_data": "Sin datos",
        "breakdown.count": "Cantidad",
        "breakdown.documents": "Documentos",
        "breakdown.balance": "Saldo",
        "chart.state": "Por estado",
        "chart.agent": "Por responsable",
        "chart.aging": "Saldo por rango de vencimiento",
        "status.active": "Activo",
        "status.closed": "Cerrado",
        "status.discarded": "Descartado",
        "bucket.current": "Corriente",
        "event.created": "Creado",
        "event.postponed": "Pospuesto",
        "event.activity": "Actividad",
        "event.observation": "Observación",
        "event.attachment": "Adjunto",
        "event.closed": "Cerrado",
        "event.discarded": "Descartado",
        "event.reassigned": "Reasignado",
        "event.continued": "Continuado",
        "event.promise": "Promesa de pago",
        "event.promise_kept": "Promesa cumplida",
        "event.promise_broken": "Promesa incumplida",
        "event.letter_sent": "Carta enviada",
        "event.imported": "Importado",
        "event.state_changed": "Cambio de estado",
        "file.photo": "Foto",
        "file.document": "Documento",
        "file.location": "Ubicación",
    },
    "en": {
        "sheet.summary": "Summary",
        "summary.report": "Report",
        "summary.period": "Period",
        "summary.filters": "Filters",
        "summary.requested_by": "Requested by",
        "summary.generated": "Generated",
        "summary.rows": "Rows",
        "summary.total_balance": "Total balance",
        "summary.none": "None",
        "summary.cutoff": "Balances as of today (the period does not apply to cartera)",
        "summary.no_data": "No data",
        "breakdown.count": "Count",
        "breakdown.documents": "Documents",
        "breakdown.balance": "Balance",
        "chart.state": "By state",
        "chart.agent": "By owner",
        "chart.aging": "Balance by aging bucket",
        "status.active": "Active",
        "status.closed": "Closed",
        "status.discarded": "Discarded",
        "bucket.current": "Current",
        "event.created": "Created",
        "event.postponed": "Postponed",
        "event.activity": "Activity",
        "event.observation": "Observation",
        "event.attachment": "Attachment",
        "event.closed": "Closed",
        "event.discarded": "Discarded",
        "event.reassigned": "Reassigned",
        "event.continued": "Continued",
        "event.promise": "Payment promise",
        "event.promise_kept": "Promise kept",
        "event.promise_broken": "Promise broken",
        "event.letter_sent": "Letter sent",
        "event.imported": "Imported",
        "event.state_changed": "State changed",
        "file.photo": "Photo",
        "file.document": "Document",
        "file.location": "Location",
    },
}


def label(lang: str, key: str) -> str:
    """A workbook label in ``lang`` (Spanish when the language is unknown)."""
    return LABELS.get(lang, LABELS["es"]).get(key) or LABELS["es"].get(key) or key


def clean_text(value: str) -> str:
    """Text Excel accepts: no control characters, one kind of line break, within the cell
    limit (XML would turn a lone CR into LF anyway; doing it here keeps the file honest)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _ILLEGAL.sub("", value)
    return value[:EXCEL_MAX_CHARS]


class TooManyRows(Exception):
    """The data does not fit one Excel sheet."""


@dataclass
class Breakdown:
    """The Resumen's table and chart: label -> count (and amount for cartera)."""

    title_key: str
    header: str  # the first column's header (a data column's label)
    with_amount: bool = False
    fixed: tuple[str, ...] = ()  # labels always listed, in this order (aging buckets)

    def __post_init__(self) -> None:
        self.counts: dict[str, int] = {k: 0 for k in self.fixed}
        self.amounts: dict[str, Decimal] = {k: Decimal(0) for k in self.fixed}

    def add(self, key: str, amount: Decimal | None = None) -> None:
        self.counts[key] = self.counts.get(key, 0) + 1
        if amount is not None:
            self.amounts[key] = self.amounts.get(key, Decimal(0)) + amount

    def items(self) -> list[tuple[str, int, Decimal | None]]:
        keys = list(self.counts)
        if not self.fixed:
            keys.sort(key=lambda k: (-self.counts[k], k))
        return [
            (k, self.counts[k], self.amounts.get(k) if self.with_amount else None) for k in keys
        ]


class ReportBook:
    """A write-only workbook with one data sheet and the Resumen sheet."""

    def __init__(
        self,
        path: Path,
        kind: str,
        lang: str,
        convert: Callable[[Any], Sequence[Any]],
        account: Callable[[Sequence[Any]], None] | None = None,
    ) -> None:
        self.path = path
        self.kind = kind
        self.lang = lang
        self.columns = COLUMNS[kind]
        self.convert = convert
        self.account = account
        self.rows = 0
        self.saved = False
        self.wb = Workbook(write_only=True)
        self.data = self.wb.create_sheet(label(lang, f"sheet.{kind}"))
        self.summary = self.wb.create_sheet(label(lang, "sheet.summary"))
        # Column widths and frozen panes must be set before the first row is streamed.
        for index, column in enumerate(self.columns, 1):
            self.data.column_dimensions[get_column_letter(index)].width = column.width
        self.data.freeze_panes = "A2"
        self.rows_out = _SheetRows(self.data, [c.kind for c in self.columns])
        self.rows_out.write_header([c.header(lang) for c in self.columns])

    # --- cells ----------------------------------------------------------------------------

    def _bold(self, value: Any, sheet: Any = None) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet or self.data, value)
        cell.font = BOLD
        return cell

    def cell(self, sheet: Any, value: Any, kind: str) -> Any:
        """One value as a cell of the right type and number format."""
        if value is None:
            return None
        if kind == "text" or isinstance(value, str):
            return text_cell(sheet, str(value))
        if kind in ("datetime", "date"):
            cell = WriteOnlyCell(sheet, value)
            cell.number_format = DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT
            return cell
        if kind in ("money", "percent"):
            cell = WriteOnlyCell(sheet, value)
            cell.number_format = MONEY_FORMAT if kind == "money" else PERCENT_FORMAT
            return cell
        return value

    # --- rows -----------------------------------------------------------------------------

    def add(self, records: Iterable[Any]) -> None:
        """Convert and write a chunk of database rows (called in a worker thread)."""
        for record in records:
            values = self.convert(record)
            if self.rows >= EXCEL_MAX_ROWS:
                raise TooManyRows()
            if self.account is not None:
                self.account(values)
            self.rows_out.write(values)
            self.rows += 1
        self.rows_out.flush()

    def finish(
        self,
        facts: Sequence[tuple[str, Any]],
        breakdown: Breakdown | None,
        series: Sequence[tuple[str, Sequence[tuple[str, Any]]]] = (),
    ) -> None:
        """Write the Resumen sheet and save: ``facts`` are (label, value) lines; the chart
        shows ``breakdown`` or, for desempeño, ``series`` (one column per measure)."""
        last = get_column_letter(len(self.columns))
        self.data.auto_filter = AutoFilter(ref=f"A1:{last}{self.rows + 1}")
        sheet = self.summary
        sheet.column_dimensions["A"].width = 26
        sheet.column_dimensions["B"].width = 34
        sheet.column_dimensions["C"].width = 18
        sheet.column_dimensions["D"].width = 14
        row = 0
        for name, value in facts:
            kind = "money" if isinstance(value, Decimal) else "datetime"
            if isinstance(value, int | float | str):
                kind = "number"
            sheet.append([self._bold(name, sheet), self.cell(sheet, value, kind)])
            row += 1
        sheet.append([])
        row += 1
        header_row = row + 1
        if series:
            names = [name for name, _ in series]
            sheet.append([self._bold(n, sheet) for n in ["", *names]])
            categories = [cat for cat, _ in series[0][1]] or [label(self.lang, "summary.no_data")]
            for i, category in enumerate(categories):
                values = [s[1][i][1] if i < len(s[1]) else 0 for s in series]
                sheet.append([text_cell(sheet, category), *values])
            count = len(categories)
            data_cols = (2, 1 + len(series))
            title = label(self.lang, "chart.agent")
        else:
            assert breakdown is not None
            items = breakdown.items() or [(label(self.lang, "summary.no_data"), 0, None)]
            heads = [breakdown.header, label(self.lang, "breakdown.count")]
            if breakdown.with_amount:
                heads = [
                    breakdown.header,
                    label(self.lang, "breakdown.documents"),
                    label(self.lang, "breakdown.balance"),
                ]
            sheet.append([self._bold(h, sheet) for h in heads])
            for key, count_, amount in items:
                line = [text_cell(sheet, key), count_]
                if breakdown.with_amount:
                    line.append(self.cell(sheet, amount or Decimal(0), "money"))
                sheet.append(line)
            count = len(items)
            data_cols = (3, 3) if breakdown.with_amount else (2, 2)
            title = label(self.lang, breakdown.title_key)
        chart = BarChart()
        chart.type = "col"
        chart.title = title
        chart.height, chart.width = 8, 16
        chart.add_data(
            Reference(
                sheet,
                min_col=data_cols[0],
                max_col=data_cols[1],
                min_row=header_row,
                max_row=header_row + count,
            ),
            titles_from_data=True,
        )
        chart.set_categories(
            Reference(sheet, min_col=1, min_row=header_row + 1, max_row=header_row + count)
        )
        sheet.add_chart(chart, "F2")
        self.wb.save(self.path)
        self.rows_out.splice_into(self.path)
        self.saved = True

    def abandon(self) -> None:
        """After a failure: close the streams and remove their temporary files."""
        if self.saved:
            return
        self.rows_out.discard()
        for sheet in (self.data, self.summary):
            with contextlib.suppress(Exception):
                if not sheet.closed:
                    sheet.close()
            if sheet._writer is not None:
                Path(sheet._writer.out).unlink(missing_ok=True)
        self.saved = True


def text_cell(sheet: Any, value: str) -> Any:
    """A string cell that Excel and LibreOffice never evaluate, whatever it starts with."""
    risky = value.startswith(RISKY_START)
    value = clean_text(value)
    if not risky and not value.startswith(RISKY_START):
        return value
    cell = WriteOnlyCell(sheet, value)
    # openpyxl turns "=..." into a formula on assignment; force it back to a string and mark
    # it quote-prefixed so editing the cell in Excel keeps it text too.
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def local_naive(value: datetime | None, tz: Any) -> datetime | None:
    """A UTC instant as the naive local wall time Excel cells need."""
    if value is None:
        return None
    return value.astimezone(tz).replace(tzinfo=None)


def days_overdue(due: date, today: date) -> int:
    return max(0, (today - due).days)


class _SheetRows:
    """The data sheet's ``<sheetData>`` as XML text in a temporary file, one row at a time.

    Cells are written as openpyxl would write them (inline strings, numbers, dates as serials
    with the column's number format, quote-prefixed risky text), with the style ids taken
    from openpyxl so the workbook's styles part lists them."""

    def __init__(self, sheet: Any, kinds: Sequence[str]) -> None:
        self.sheet = sheet
        self.kinds = list(kinds)
        self.letters = [get_column_letter(i) for i in range(1, len(kinds) + 1)]
        self.bold = _style_id(sheet, font=BOLD)
        self.quoted = _style_id(sheet, quotePrefix=True)
        self.formats = {
            fmt: _style_id(sheet, number_format=fmt)
            for fmt in (DATETIME_FORMAT, DATE_FORMAT, MONEY_FORMAT, PERCENT_FORMAT)
        }
        self.number = {
            "money": self.formats[MONEY_FORMAT],
            "percent": self.formats[PERCENT_FORMAT],
        }
        fd, name = tempfile.mkstemp(prefix="informe-rows-", suffix=".xml")
        self.path = Path(name)
        self.out = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self.pending: list[str] = []
        self.count = 0

    def write_header(self, titles: Sequence[str]) -> None:
        self.count += 1
        cells = "".join(
            f'<c r="{letter}1" t="inlineStr" s="{self.bold}"><is>{_inline(title)}</is></c>'
            for letter, title in zip(self.letters, titles, strict=True)
        )
        self.pending.append(f'<row r="1">{cells}</row>')

    def write(self, values: Sequence[Any]) -> None:
        """One data row; ``None`` cells are left out."""
        self.count += 1
        r = str(self.count)
        parts = [f'<row r="{r}">']
        append = parts.append
        for letter, kind, value in zip(self.letters, self.kinds, values, strict=True):
            if value is None:
                continue
            if kind == "text" or isinstance(value, str):
                text = str(value)
                risky = text.startswith(RISKY_START)
                text = clean_text(text)
                if not text:
                    continue  # openpyxl writes "" as an empty cell too
                if risky or text.startswith(RISKY_START):
                    append(
                        f'<c r="{letter}{r}" t="inlineStr" s="{self.quoted}">'
                        f"<is>{_inline(text)}</is></c>"
                    )
                else:
                    append(f'<c r="{letter}{r}" t="inlineStr"><is>{_inline(text)}</is></c>')
            elif isinstance(value, datetime):
                append(
                    f'<c r="{letter}{r}" t="n" s="{self.formats[DATETIME_FORMAT]}">'
                    f"<v>{_serial(value)}</v></c>"
                )
            elif isinstance(value, date):
                append(
                    f'<c r="{letter}{r}" t="n" s="{self.formats[DATE_FORMAT]}">'
                    f"<v>{_serial(datetime(value.year, value.month, value.day))}</v></c>"
                )
            elif isinstance(value, bool):
                append(f'<c r="{letter}{r}" t="b"><v>{int(value)}</v></c>')
            else:
                style = self.number.get(kind)
                shown = str(value) if isinstance(value, int) else _number(value)
                if style is None:
                    append(f'<c r="{letter}{r}" t="n"><v>{shown}</v></c>')
                else:
                    append(f'<c r="{letter}{r}" t="n" s="{style}"><v>{shown}</v></c>')
        append("</row>")
        self.pending.append("".join(parts))

    def flush(self) -> None:
        self.out.write("".join(self.pending))
        self.pending.clear()

    def splice_into(self, book: Path) -> None:
        """Put the rows into the empty ``<sheetData>`` openpyxl saved for the data sheet."""
        self.flush()
        self.out.close()
        member = self.sheet.path.lstrip("/")
        spliced = book.with_name(book.name + ".part")
        try:
            with (
                zipfile.ZipFile(book) as source,
                zipfile.ZipFile(
                    spliced, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True
                ) as target,
            ):
                for info in source.infolist():
                    if info.filename != member:
                        target.writestr(info, source.read(info))
                        continue
                    xml = source.read(info).decode("utf-8")
                    match = _EMPTY_SHEET_DATA.search(xml)
                    if match is None:  # pragma: no cover - openpyxl changed its output
                        raise RuntimeError("no empty sheetData in the data sheet")
                    with (
                        target.open(member, "w", force_zip64=True) as dest,
                        self.path.open("rb") as rows,
                    ):
                        dest.write(f"{xml[: match.start()]}<sheetData>".encode())
                        shutil.copyfileobj(rows, dest, 1 << 20)
                        dest.write(f"</sheetData>{xml[match.end() :]}".encode())
            os.replace(spliced, book)
        finally:
            spliced.unlink(missing_ok=True)
            self.path.unlink(missing_ok=True)

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self.out.close()
        self.path.unlink(missing_ok=True)


_EMPTY_SHEET_DATA = re.compile(r"<sheetData\s*/>|<sheetData>\s*</sheetData>")


def _style_id(sheet: Any, **style: Any) -> int:
    """The workbook's style index for a cell style (registering it with openpyxl)."""
    cell = WriteOnlyCell(sheet)
    for name, value in style.items():
        setattr(cell, name, value)
    return int(cell.style_id)


def _inline(text: str) -> str:
    """An inline string's ``<t>``, escaped, keeping edge spaces as openpyxl does."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if text != text.strip():
        return f'<t xml:space="preserve">{escaped}</t>'
    return f"<t>{escaped}</t>"


def _serial(value: datetime) -> str:
    """A naive datetime as Excel's serial day number, formatted as openpyxl does."""
    late = value >= EXCEL_LEAP_BUG_END
    return _number((value - EXCEL_EPOCH) / DAY if late else to_excel(value))


def _number(value: Any) -> str:
    # openpyxl's safe_string: 16 significant digits; NaN and infinities stay empty.
    number = float(value)
    return f"{number:.16g}" if math.isfinite(number) else ""
