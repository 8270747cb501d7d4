"""The report kinds: each lives in a module of :mod:`crm.reports.kinds` and registers itself.

A kind says what its sheet is called, its columns, which rows it reads and how one database
row becomes one sheet row; :func:`crm.reports.build.build_report` does the rest (scope, the
worker thread, the Resumen sheet, the size limit). Adding a report is adding a module there
(plus its ``report.kind.NAME`` and ``report.by.NAME`` chat texts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from crm.kernel.charts import BarChart
from crm.reports.workbook import COLUMNS, LABELS, Breakdown, Column, SummaryTable, label

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from crm.reports.rows import Context
    from crm.reports.scope import Scope

CHUNK = 100  # rows per fetch and per write; smaller chunks keep event-loop stalls short


@dataclass(frozen=True)
class BreakdownLine:
    """One line of a report's breakdown shown in the chat (label, count, amount)."""

    label: str
    count: int
    amount: Decimal | None = None


class ReportKind:
    """One report: override :meth:`query` (streamed) or :meth:`chunks` (computed rows)."""

    name: ClassVar[str]
    order: ClassVar[int] = 100  # position in /informe's menu and in the usage text
    sheet_es: ClassVar[str]  # the data sheet's name in Spanish
    sheet_en: ClassVar[str]  # ... and in English
    columns: ClassVar[tuple[Column, ...]]
    aliases: ClassVar[tuple[str, ...]] = ()  # other typed words for it (already normalised)
    default_period: ClassVar[str] = "mes"
    refused_filters: ClassVar[tuple[str, ...]] = ()  # filters that make no sense for it

    def header(self, index: int, lang: str) -> str:
        return self.columns[index].header(lang)

    def breakdown(self, lang: str) -> Breakdown | None:
        """The Resumen's table and chart, filled by :meth:`account` row by row."""
        return None

    def convert(self, ctx: Context, row: Any) -> Sequence[Any]:
        """One database row as the sheet's values (runs in the worker thread)."""
        return tuple(row)

    def account(self, ctx: Context, values: Sequence[Any]) -> None:
        """Count one written row into the Resumen (runs in the worker thread)."""

    def query(self, ctx: Context, scope: Scope) -> Any:
        raise NotImplementedError

    async def chunks(
        self, session: AsyncSession, ctx: Context, scope: Scope
    ) -> AsyncIterator[Sequence[Any]]:
        """The rows in chunks; by default :meth:`query` streamed from a server-side cursor."""
        result = await session.stream(self.query(ctx, scope).execution_options(yield_per=CHUNK))
        async for chunk in result.partitions(CHUNK):
            yield chunk

    def total_row(self, ctx: Context) -> Sequence[Any] | None:
        """A bold totals row under the data rows (not counted as a row)."""
        return None

    def facts(self, ctx: Context) -> list[tuple[str, Any]]:
        """Lines added under the Resumen's standard facts."""
        return []

    def series(self, ctx: Context) -> list[tuple[str, list[tuple[str, Any]]]]:
        """Measures per category, charted side by side (one column each): a simpler way
        to give the Resumen one table (see :meth:`tables`)."""
        return []

    def tables(self, ctx: Context) -> list[SummaryTable]:
        """The Resumen's tables (each charted beside it): by default :meth:`series` as one
        table, else the breakdown."""
        series = self.series(ctx)
        if series:
            return [series_table(ctx.lang, series)]
        return [ctx.breakdown.table(ctx.lang)] if ctx.breakdown is not None else []

    def chat_breakdown(self, ctx: Context) -> tuple[BreakdownLine, ...]:
        """The lines the chat summary lists (by default the Resumen's breakdown)."""

        if ctx.breakdown is None:
            return ()
        return tuple(BreakdownLine(k, c, a) for k, c, a in ctx.breakdown.items())

    def picture(self, ctx: Context) -> BarChart | None:
        """The chart sent with the file in the chat: by default the Resumen's first table."""
        tables = self.tables(ctx)
        if not tables or not tables[0].chart:
            return None
        table = tables[0]
        column = table.chart[0]
        return BarChart(
            table.title,
            tuple(str(r[0]) for r in table.rows),
            tuple(r[column] for r in table.rows),
            money=table.kinds[column] == "money",
        )

    def total(self, ctx: Context) -> Decimal | None:
        """A total amount for the chat summary (cartera's balance)."""
        return None


def series_table(
    lang: str, series: Sequence[tuple[str, Sequence[tuple[str, Any]]]]
) -> SummaryTable:
    """Series (name, [(category, value)]) as one Resumen table: a column per series."""
    names = [name for name, _ in series]
    categories = [category for category, _ in series[0][1]]
    rows = [
        [category, *(s[1][i][1] if i < len(s[1]) else 0 for s in series)]
        for i, category in enumerate(categories)
    ]
    return SummaryTable(
        label(lang, "chart.agent"),
        ["", *names],
        rows or [[label(lang, "summary.no_data"), *(0 for _ in series)]],
        ("text", *("number" for _ in series)),
        chart=tuple(range(1, len(series) + 1)),
    )


_KINDS: dict[str, ReportKind] = {}


def register(kind: ReportKind) -> ReportKind:
    """Make ``kind`` known to /informe, the CLI and subscriptions."""
    if kind.name in _KINDS:
        raise ValueError(f"report kind {kind.name!r} registered twice")
    _KINDS[kind.name] = kind
    COLUMNS[kind.name] = kind.columns
    LABELS["es"][f"sheet.{kind.name}"] = kind.sheet_es
    LABELS["en"][f"sheet.{kind.name}"] = kind.sheet_en
    return kind


def names() -> tuple[str, ...]:
    """Every registered kind, in menu order."""
    return tuple(k.name for k in sorted(_KINDS.values(), key=lambda k: (k.order, k.name)))


def get(name: str) -> ReportKind:
    return _KINDS[name]


def find(word: str) -> ReportKind | None:
    """The kind named or aliased by an already normalised word."""
    if word in _KINDS:
        return _KINDS[word]
    for kind in _KINDS.values():
        if word in kind.aliases:
            return kind
    return None
