"""The synchronous half of a report: an openpyxl write-only workbook fed chunk by chunk.

Everything here runs in a worker thread (never on the event loop). Rows are written to disk
as they arrive (openpyxl write-only mode, inline strings), so memory stays flat as rows grow.
Column headers and workbook labels live here, not in the chat catalog, because they are the
file's format (the issue fixes them) rather than chat text.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
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


@dataclass(frozen=True)
class Column:
    """One column: its header in each language, how its cells are written, its width."""

    es: str
    en: str
    kind: str  # text | int | datetime | date | money | percent
    width: float

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.es


FOLLOWUP_COLUMNS = (
    Column("ID", "ID", "int", 8),
    Column("NIT", "NIT", "text", 15),
    Column("Tercero", "Tercero", "text", 32),
    Column("Tipo", "Type", "text", 20),
    Column("Estado", "State", "text", 18),
    Column("Responsable", "Owner", "text", 22),
    Column("Creado", "Created", "datetime", 17),
    Column("Vence", "Due", "datetime", 17),
    Column("Cerrado", "Closed", "datetime", 17),
    Column("Posposiciones", "Postponements", "int", 14),
    Column("Última actividad", "Last activity", "datetime", 17),
    Column("Observaciones", "Notes", "text", 45),
    Column("Seguimiento principal", "Main follow-up", "int", 12),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "seguimientos": FOLLOWUP_COLUMNS,
    "agenda": FOLLOWUP_COLUMNS,
    "actividades": (
        Column("Fecha", "Date", "datetime", 17),
        Column("Seguimiento", "Follow-up", "int", 12),
        Column("NIT", "NIT", "text", 15),
        Column("Tercero", "Tercero", "text", 32),
        Column("Responsable", "Owner", "text", 22),
        Column("Evento", "Event", "text", 18),
        Column("Detalle", "Detail", "text", 60),
    ),
    "cartera": (
        Column("NIT", "NIT", "text", 15),
        Column("Tercero", "Tercero", "text", 32),
        Column("Encargado", "Account manager", "text", 22),
        Column("Documento", "Document", "text", 14),
        Column("Fecha", "Date", "date", 12),
        Column("Vencimiento", "Due date", "date", 12),
        Column("Días vencido", "Days overdue", "int", 12),
        Column("Saldo", "Balance", "money", 16),
        Column("Rango", "Aging", "text", 11),
        Column("Seguimiento activo", "Active follow-up", "int", 12),
    ),
    "desempeno": (
        Column("Responsable", "Owner", "text", 24),
        Column("Abiertos", "Open", "int", 10),
        Column("Vencidos", "Overdue", "int", 10),
        Column("Cerrados", "Closed", "int", 10),
        Column("Descartados", "Discarded", "int", 12),
        Column("Posposiciones", "Postponements", "int", 14),
        Column("Actividades", "Activities", "int", 12),
        Column("Cerrados a tiempo %", "Closed on time %", "percent", 14),
    ),
}

LABELS: dict[str, dict[str, str]] = {
    "es": {
        "sheet.agenda": "Agenda",
        "sheet.seguimientos": "Seguimientos",
        "sheet.actividades": "Actividades",
        "sheet.cartera": "Cartera",
        "sheet.desempeno": "Desempeño",
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
        "file.photo": "Foto",
        "file.document": "Documento",
        "file.location": "Ubicación",
    },
    "en": {
        "sheet.agenda": "Agenda",
        "sheet.seguimientos": "Follow-ups",
        "sheet.actividades": "Activities",
        "sheet.cartera": "Cartera",
        "sheet.desempeno": "Performance",
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
        self.data.append([self._bold(c.header(lang)) for c in self.columns])

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
            self.data.append(
                [
                    self.cell(self.data, v, c.kind)
                    for v, c in zip(values, self.columns, strict=True)
                ]
            )
            self.rows += 1

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
        self.saved = True

    def abandon(self) -> None:
        """After a failure: close the streams and remove their temporary files."""
        if self.saved:
            return
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
