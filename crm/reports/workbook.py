"""The synchronous half of a report: an xlsxwriter ``constant_memory`` workbook fed chunk by
chunk.

Everything here runs in a worker thread (never on the event loop). xlsxwriter streams each
finished row of the data sheet to its temporary file, so memory stays flat as rows grow; its
own features give the number formats, wrapped text, one font family, frozen header,
autofilter, print setup, the Resumen tables and their charts (value axes from zero).
Column headers and workbook labels live here, not in the chat catalog, because they are the
file's format (the issue fixes them) rather than chat text.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
DATE_FORMAT = "DD/MM/YYYY"
MONEY_FORMAT = '"$" #,##0'
MONEY_CENTS_FORMAT = '"$" #,##0.00'
PERCENT_FORMAT = "0.0%"
DECIMAL_FORMAT = "0.0"
FONT = "Calibri"
# Excel's hard limits: rows per sheet (minus the header) and characters per cell.
EXCEL_MAX_ROWS = 1_048_575
EXCEL_MAX_CHARS = 32_767
# Text starting with these is a formula (or DDE payload) to Excel/LibreOffice.
RISKY_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


@dataclass(frozen=True)
class Column:
    """One column: its header in each language, how its cells are written, its width."""

    es: str
    en: str
    kind: str  # text | int | decimal | datetime | date | money | percent
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
        "summary.total": "Total",
        "summary.overdue": "Vencidos",
        "summary.collected": "Total recaudado",
        "summary.more": "… y {n} observaciones más antiguas",
        "summary.no_encargado": "Sin encargado",
        "footer": "&L&A&CPágina &P de &N",
        "age.current": "Al día",
        "chart.age": "Por días de mora",
        "chart.recaudo_agent": "Recaudado por encargado",
        "chart.recaudo_day": "Recaudado por día",
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
        "event.contact": "Contacto",
        "event.payment_reported": "Pago reportado",
        "event.payment_confirmed": "Pago confirmado",
        "event.payment_unseen": "Pago no visto en cartera",
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
        "summary.total": "Total",
        "summary.overdue": "Overdue",
        "summary.collected": "Total collected",
        "summary.more": "… and {n} older observations",
        "summary.no_encargado": "No account manager",
        "footer": "&L&A&CPage &P of &N",
        "age.current": "Not overdue",
        "chart.age": "By days overdue",
        "chart.recaudo_agent": "Collected by account manager",
        "chart.recaudo_day": "Collected by day",
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
        "event.contact": "Contact",
        "event.payment_reported": "Payment reported",
        "event.payment_confirmed": "Payment confirmed",
        "event.payment_unseen": "Payment not seen in cartera",
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
class SummaryTable:
    """One table of the Resumen sheet, charted beside it.

    ``kinds`` are the columns' cell kinds (as :class:`Column`); ``chart`` the indexes of the
    columns drawn as series (none: no chart); ``total`` an optional last row, in bold."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    kinds: Sequence[str]
    chart: Sequence[int] = (1,)
    total: Sequence[Any] | None = None
    widths: Sequence[float] = ()


@dataclass
class Breakdown:
    """A Resumen table: label -> count (and amount for cartera)."""

    title_key: str
    header: str  # the first column's header (a data column's label)
    with_amount: bool = False
    fixed: tuple[str, ...] = ()  # labels always listed, in this order (aging buckets)
    counts: dict[str, int] = field(init=False)
    amounts: dict[str, Decimal] = field(init=False)

    def __post_init__(self) -> None:
        self.counts = {k: 0 for k in self.fixed}
        self.amounts = {k: Decimal(0) for k in self.fixed}

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

    def table(self, lang: str) -> SummaryTable:
        """The breakdown as a Resumen table with its totals row and chart."""
        items = self.items()
        total_label = label(lang, "summary.total")
        if self.with_amount:
            rows: list[list[Any]] = [[k, c, a or Decimal(0)] for k, c, a in items]
            return SummaryTable(
                label(lang, self.title_key),
                [
                    self.header,
                    label(lang, "breakdown.documents"),
                    label(lang, "breakdown.balance"),
                ],
                rows or [[label(lang, "summary.no_data"), 0, Decimal(0)]],
                ("text", "int", "money"),
                chart=(2,),
                total=[
                    total_label,
                    sum(r[1] for r in rows),
                    sum((r[2] for r in rows), Decimal(0)),
                ],
            )
        rows = [[k, c] for k, c, _ in items]
        return SummaryTable(
            label(lang, self.title_key),
            [self.header, label(lang, "breakdown.count")],
            rows or [[label(lang, "summary.no_data"), 0]],
            ("text", "int"),
            total=[total_label, sum(r[1] for r in rows)],
        )


class ReportBook:
    """A ``constant_memory`` workbook with one data sheet and the Resumen sheet."""

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
        # xlsxwriter's row files go to a folder of our own, so abandoning removes them all.
        self.tmpdir = tempfile.mkdtemp(prefix="informe-rows-")
        self.wb = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "tmpdir": self.tmpdir,
                "use_zip64": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                # Every cell (the default style included) is top-aligned, so a row with a
                # wrapped multi-line cell still reads across; cells without their own format
                # then need no style attribute at all (less to write per cell).
                "default_format_properties": {"font_name": FONT, "font_size": 11, "valign": "top"},
            },
        )
        self.formats = _Formats(self.wb)
        self.data = self.wb.add_worksheet(label(lang, f"sheet.{kind}"))
        self.summary = self.wb.add_worksheet(label(lang, "sheet.summary"))
        f = self.formats
        self.kinds = [c.kind for c in self.columns]
        self.cell_formats = [f.for_kind(k) for k in self.kinds]
        for index, column in enumerate(self.columns):
            self.data.set_column(index, index, column.width)
        self.data.freeze_panes(1, 0)
        self.data.set_row(0, None, f.header)
        for index, column in enumerate(self.columns):
            self.data.write_string(0, index, column.header(lang), f.header)
        _print_setup(self.data, lang, repeat_header=True)
        _print_setup(self.summary, lang, repeat_header=False)

    # --- rows -----------------------------------------------------------------------------

    # Complex by design: one branch per cell type the workbook writes, on the hot path.
    def add(self, records: Iterable[Any]) -> None:  # noqa: C901
        """Convert and write a chunk of database rows (called in a worker thread)."""
        sheet = self.data
        write_string = sheet.write_string
        write_number = sheet.write_number
        write_datetime = sheet.write_datetime
        f = self.formats
        kinds = self.kinds
        formats = self.cell_formats
        convert, account = self.convert, self.account
        width = range(len(kinds))
        text_plain, text_quoted = f.text, f.text_quoted
        for record in records:
            values = convert(record)
            if self.rows >= EXCEL_MAX_ROWS:
                raise TooManyRows()
            if account is not None:
                account(values)
            r = self.rows + 1
            for c in width:
                value = values[c]
                if value is None:
                    continue
                cls = value.__class__
                if cls is not str and kinds[c] == "text":
                    value, cls = str(value), str
                if cls is str:
                    if not value:
                        continue  # an empty cell, as Excel shows it
                    if len(value) <= EXCEL_MAX_CHARS and value.isprintable():
                        # The common case: nothing to clean, no line break to wrap.
                        quoted = value[0] in "=+-@"
                        write_string(r, c, value, text_quoted if quoted else text_plain)
                        continue
                    risky = value.startswith(RISKY_START)
                    text = clean_text(value)
                    if text:
                        write_string(r, c, text, f.text_for(text, risky))
                elif cls is datetime:
                    write_datetime(r, c, value, f.datetime)
                elif cls is date:
                    write_datetime(r, c, value, f.date)
                elif cls is int:
                    write_number(r, c, value, formats[c])
                elif cls is bool:
                    sheet.write_boolean(r, c, value, f.plain)
                elif kinds[c] == "money":
                    write_number(r, c, float(value), f.money_for(value))
                else:
                    write_number(r, c, float(value), formats[c])
            self.rows = r

    def finish(
        self,
        facts: Sequence[tuple[str, Any]],
        tables: Sequence[SummaryTable] = (),
        total: Sequence[Any] | None = None,
    ) -> None:
        """Write the Resumen sheet and save: ``facts`` are (label, value) lines, then each
        table with its chart beside it; ``total`` is a bold row under the data rows."""
        last = len(self.columns) - 1
        self.data.autofilter(0, 0, self.rows, last)
        if total is not None:
            self._total_row(total)
        sheet, f = self.summary, self.formats
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, 1, 34)
        sheet.set_column(2, 4, 16)
        row = 0
        for name, value in facts:
            sheet.write_string(row, 0, name, f.header)
            if isinstance(value, str):
                sheet.write_string(row, 1, clean_text(value), f.text_for(value, False))
            elif isinstance(value, datetime):
                sheet.write_datetime(row, 1, value, f.datetime_left)
            elif isinstance(value, Decimal):
                sheet.write_number(row, 1, float(value), f.money_for(value, left=True))
            elif value is not None:
                sheet.write_number(row, 1, float(value), f.plain_left)
            row += 1
        chart_row = 0
        for table in tables:
            row += 1
            header_row = row
            for col, head in enumerate(table.headers):
                if head:
                    sheet.write_string(row, col, head, f.header_boxed)
                else:
                    sheet.write_blank(row, col, None, f.header_boxed)
            for values in table.rows:
                row += 1
                self._summary_cells(row, values, table.kinds, bold=False)
            last_data = row
            if table.total is not None:
                row += 1
                self._summary_cells(row, table.total, table.kinds, bold=True)
            if table.chart:
                chart_row = max(chart_row, header_row)
                self._chart(table, header_row, last_data, chart_row)
                chart_row += 18
            row += 1
        self.wb.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.saved = True

    def _total_row(self, values: Sequence[Any]) -> None:
        sheet, f, r = self.data, self.formats, self.rows + 1
        for c, (value, kind) in enumerate(zip(values, self.kinds, strict=True)):
            if value is None:
                sheet.write_blank(r, c, None, f.total)
            elif isinstance(value, str):
                sheet.write_string(r, c, clean_text(value), f.total)
            elif kind == "money":
                sheet.write_number(r, c, float(value), f.summary_money(value, True))
            elif kind == "percent":
                sheet.write_number(r, c, float(value), f.summary_percent(True))
            elif kind == "decimal":
                sheet.write_number(r, c, float(value), f.decimal_total)
            else:
                sheet.write_number(r, c, float(value), f.total)

    def _summary_cells(
        self, row: int, values: Sequence[Any], kinds: Sequence[str], *, bold: bool
    ) -> None:
        sheet, f = self.summary, self.formats
        for col, (value, kind) in enumerate(zip(values, kinds, strict=True)):
            if value is None:
                sheet.write_blank(row, col, None, f.total if bold else f.boxed)
            elif isinstance(value, str):
                sheet.write_string(row, col, clean_text(value), f.total if bold else f.boxed)
            elif kind == "money":
                sheet.write_number(row, col, float(value), f.summary_money(value, bold))
            elif kind == "percent":
                sheet.write_number(row, col, float(value), f.summary_percent(bold))
            else:
                sheet.write_number(row, col, float(value), f.total if bold else f.boxed)

    def _chart(self, table: SummaryTable, header_row: int, last_row: int, at_row: int) -> None:
        name = self.summary.get_name()
        chart = self.wb.add_chart({"type": "column"})
        assert chart is not None
        first = header_row + 1
        last = max(last_row, first)
        for col in table.chart:
            chart.add_series(
                {
                    "name": [name, header_row, col],
                    "categories": [name, first, 0, last, 0],
                    "values": [name, first, col, last, col],
                    "data_labels": {"value": True},
                }
            )
        money = table.kinds[table.chart[0]] == "money"
        chart.set_title({"name": table.title, "name_font": {"name": FONT, "size": 12}})
        chart.set_x_axis({"visible": True, "num_font": {"name": FONT}})
        chart.set_y_axis(
            {
                "min": 0,
                "visible": True,
                "num_format": MONEY_FORMAT if money else "#,##0",
                "major_gridlines": {"visible": True},
                "num_font": {"name": FONT},
            }
        )
        chart.set_legend({"position": "bottom"} if len(table.chart) > 1 else {"none": True})
        chart.set_size({"width": 640, "height": 320})
        self.summary.insert_chart(at_row, 6, chart)

    def abandon(self) -> None:
        """After a failure: drop the half-written workbook and its temporary files."""
        if self.saved:
            return
        for sheet in self.wb.worksheets():
            handle = getattr(sheet, "row_data_fh", None)
            if handle is not None and not handle.closed:
                handle.close()
        shutil.rmtree(self.tmpdir, ignore_errors=True)
        self.saved = True


class _Formats:
    """Every cell format of a report, created once per workbook (one font family)."""

    def __init__(self, wb: Any) -> None:
        add = wb.add_format
        top = {"valign": "top"}
        self.plain = None  # the default style: top-aligned, one font
        self.plain_left = add({**top, "align": "left"})
        self.header = add({"bold": True, "valign": "top", "text_wrap": True})
        self.header_boxed = add({"bold": True, "bottom": 1, "text_wrap": True})
        self.boxed = add({})
        self.total = add({"bold": True, "top": 1})
        self.text = None
        self.text_wrap = add({**top, "text_wrap": True})
        self.text_quoted = add({**top, "quote_prefix": True})
        self.text_quoted_wrap = add({**top, "quote_prefix": True, "text_wrap": True})
        self.datetime = add({**top, "num_format": DATETIME_FORMAT})
        self.datetime_left = add({**top, "num_format": DATETIME_FORMAT, "align": "left"})
        self.date = add({**top, "num_format": DATE_FORMAT})
        self.money = add({**top, "num_format": MONEY_FORMAT})
        self.money_cents = add({**top, "num_format": MONEY_CENTS_FORMAT})
        self.money_left = add({**top, "num_format": MONEY_FORMAT, "align": "left"})
        self.money_cents_left = add({**top, "num_format": MONEY_CENTS_FORMAT, "align": "left"})
        self.percent = add({**top, "num_format": PERCENT_FORMAT})
        self.decimal = add({**top, "num_format": DECIMAL_FORMAT})
        self.decimal_total = add({"num_format": DECIMAL_FORMAT, "bold": True, "top": 1})
        self._summary = {
            (fmt, bold): add({"num_format": fmt, **({"bold": True, "top": 1} if bold else {})})
            for fmt in (MONEY_FORMAT, MONEY_CENTS_FORMAT, PERCENT_FORMAT)
            for bold in (False, True)
        }

    def for_kind(self, kind: str) -> Any:
        return {"percent": self.percent, "money": self.money, "decimal": self.decimal}.get(
            kind, self.plain
        )

    def text_for(self, text: str, risky: bool) -> Any:
        quoted = risky or text.startswith(RISKY_START)
        if "\n" in text:
            return self.text_quoted_wrap if quoted else self.text_wrap
        return self.text_quoted if quoted else self.text

    def money_for(self, value: Any, left: bool = False) -> Any:
        cents = has_cents(value)
        if left:
            return self.money_cents_left if cents else self.money_left
        return self.money_cents if cents else self.money

    def summary_money(self, value: Any, bold: bool) -> Any:
        return self._summary[(MONEY_CENTS_FORMAT if has_cents(value) else MONEY_FORMAT, bold)]

    def summary_percent(self, bold: bool) -> Any:
        return self._summary[(PERCENT_FORMAT, bold)]


def has_cents(value: Any) -> bool:
    """Whether an amount has a fraction of a peso (then its cells show the cents)."""
    if isinstance(value, Decimal):
        return value != value.to_integral_value()
    return float(value) != int(float(value))


def _print_setup(sheet: Any, lang: str, *, repeat_header: bool) -> None:
    """Landscape, one page wide, page numbers in the footer, the header row on every page."""
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.set_footer(label(lang, "footer"))
    if repeat_header:
        sheet.repeat_rows(0)


def local_naive(value: datetime | None, tz: Any) -> datetime | None:
    """A UTC instant as the naive local wall time Excel cells need."""
    if value is None:
        return None
    return value.astimezone(tz).replace(tzinfo=None)


def days_overdue(due: date, today: date) -> int:
    return max(0, (today - due).days)
