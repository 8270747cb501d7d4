"""``desempeno``: one row per agent of the actor's scope (see queries.performance_rows)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.reports import queries
from crm.reports.registry import ReportKind, register
from crm.reports.rows import Context
from crm.reports.scope import Scope
from crm.reports.workbook import Column


class Desempeno(ReportKind):
    name = "desempeno"
    order = 50
    sheet_es = "desempeno"
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
    )

    async def chunks(
        self, session: AsyncSession, ctx: Context, scope: Scope
    ) -> AsyncIterator[Sequence[Any]]:
        ctx.computed = await queries.performance_rows(session, ctx, scope)
        yield ctx.computed

    def series(self, ctx: Context) -> list[tuple[str, list[tuple[str, Any]]]]:
        heads = [self.header(i, ctx.lang) for i in (1, 2, 3)]
        return [(heads[j], [(str(r[0]), r[1 + j]) for r in ctx.computed]) for j in range(3)]

    def chat_breakdown(self, ctx: Context) -> tuple[Any, ...]:
        from crm.reports.build import BreakdownLine

        return tuple(BreakdownLine(str(r[0]), int(r[3])) for r in ctx.computed)


register(Desempeno())
