"""``desempeno``: one row per agent of the actor's scope (see queries.performance_rows)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel.charts import BarChart
from crm.reports import queries
from crm.reports.registry import BreakdownLine, ReportKind, register
from crm.reports.rows import Context
from crm.reports.scope import Scope
from crm.reports.workbook import Column, SummaryTable, label


class Desempeno(ReportKind):
    name = "desempeno"
    order = 50
    sheet_es = "desempeño"
    sheet_en = "Performance"
    aliases = ("desempenio",)
    columns = (
        Column("Responsable", "Owner", "text", 24),
        Column("Abiertos", "Open", "int", 10),
        Column("Vencidos", "Overdue", "int", 10),
        Column("Cerrados", "Closed", "int", 10),
        Column("Descartados", "Discarded", "int", 12),
        Column("Posposiciones", "Postponements", "int", 14),
        Column("Actividades", "Activities", "int", 12),
        Column("Cerrados a tiempo %", "Closed on time %", "percent", 14),
        Column("Visitas verificadas", "Verified visits", "int", 12),
        Column("Recaudado", "Collected", "money", 16),
        Column("Recaudo % cartera inicial", "Collected % of opening", "percent", 14),
        Column("Promesas", "Promises", "int", 10),
        Column("Promesas cumplidas %", "Promises kept %", "percent", 14),
        Column("CEI", "CEI", "decimal", 8),
    )

    async def chunks(
        self, session: AsyncSession, ctx: Context, scope: Scope
    ) -> AsyncIterator[Sequence[Any]]:
        ctx.computed = await queries.performance_rows(session, ctx, scope)
        yield ctx.computed

    def total_row(self, ctx: Context) -> Sequence[Any] | None:
        """The team's totals row, written in bold under the agents' rows."""
        totals = ctx.extra if isinstance(ctx.extra, queries.Performance) else None
        if totals is None or not ctx.computed:
            return None
        return totals.row(label(ctx.lang, "summary.total"))

    def tables(self, ctx: Context) -> list[SummaryTable]:
        lang = ctx.lang
        no_data = label(lang, "summary.no_data")
        rows = [[str(r[0]), r[1], r[2], r[3]] for r in ctx.computed]
        money = [[str(r[0]), r[9]] for r in ctx.computed]
        totals = ctx.extra if isinstance(ctx.extra, queries.Performance) else None
        total = totals.row(label(lang, "summary.total")) if totals is not None else None
        return [
            SummaryTable(
                label(lang, "chart.agent"),
                ["", *(self.header(i, lang) for i in (1, 2, 3))],
                rows or [[no_data, 0, 0, 0]],
                ("text", "int", "int", "int"),
                chart=(1, 2, 3),
                total=list(total[:4]) if total is not None else None,
            ),
            SummaryTable(
                label(lang, "chart.recaudo_agent"),
                ["", self.header(9, lang)],
                money or [[no_data, 0]],
                ("text", "money"),
                chart=(1,),
                total=[total[0], total[9]] if total is not None else None,
            ),
        ]

    def picture(self, ctx: Context) -> BarChart | None:
        """Recaudo per agent, with the team's CEI underneath."""
        tables = self.tables(ctx)
        table = tables[1]
        totals = ctx.extra if isinstance(ctx.extra, queries.Performance) else None
        cei = totals.movement.cei if totals is not None else None
        shown = f"{cei:.1f}".replace(".", ",") if cei is not None else "—"
        return BarChart(
            table.title,
            tuple(str(r[0]) for r in table.rows),
            tuple(r[1] for r in table.rows),
            money=True,
            subtitle=f"CEI {label(ctx.lang, 'summary.total').lower()}: {shown}",
        )

    def chat_breakdown(self, ctx: Context) -> tuple[Any, ...]:

        return tuple(BreakdownLine(str(r[0]), int(r[3])) for r in ctx.computed)


register(Desempeno())
