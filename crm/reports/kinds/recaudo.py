"""``recaudo``: money collected in the period, one row per balance decrease a documentos
import recorded (``crm.balances``), credited to the document's encargado at that moment."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from crm.cobranza import balances
from crm.kernel.scope import tercero_visible
from crm.reports.registry import BreakdownLine, ReportKind, register
from crm.reports.rows import Context
from crm.reports.scope import Scope
from crm.reports.workbook import Column, SummaryTable, label, local_naive
from storage.models import BalanceChange, Document, Tercero, User

ZERO = Decimal("0.00")


@dataclass
class Collected:
    """The Resumen's sums: per encargado (documents, amount) and per local day."""

    agents: dict[str, list[Any]] = field(default_factory=dict)
    days: dict[date, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO


class Recaudo(ReportKind):
    name = "recaudo"
    order = 45
    sheet_es = "recaudo"
    sheet_en = "Collections"
    refused_filters = ("tipo", "estado")
    columns = (
        Column("Fecha", "Date", "datetime", 17),
        Column("NIT", "NIT", "text", 15),
        Column("Tercero", "Tercero", "text", 32),
        Column("Encargado", "Account manager", "text", 22),
        Column("Documento", "Document", "text", 14),
        Column("Saldo anterior", "Previous balance", "money", 16),
        Column("Saldo nuevo", "New balance", "money", 16),
        Column("Recaudado", "Collected", "money", 16),
    )

    def query(self, ctx: Context, scope: Scope) -> Any:
        encargado = aliased(User)
        start, end = ctx.bounds()
        conditions = [
            balances.in_period(start, end),
            BalanceChange.old_balance > BalanceChange.new_balance,
            tercero_visible(ctx.actor, Document.tercero_id),
        ]
        if scope.agent is not None:
            conditions.append(BalanceChange.encargado_id == scope.agent.id)
        if scope.nit is not None:
            conditions.append(Tercero.nit_base == scope.nit)
        return (
            select(
                BalanceChange.at,
                Tercero.nit,
                Tercero.name.label("tercero"),
                encargado.name.label("encargado"),
                Document.doc_type,
                Document.number,
                BalanceChange.old_balance,
                BalanceChange.new_balance,
            )
            .join(Document, Document.id == BalanceChange.document_id)
            .join(Tercero, Tercero.id == Document.tercero_id)
            .outerjoin(encargado, encargado.id == BalanceChange.encargado_id)
            .where(*conditions)
            .order_by(BalanceChange.at, BalanceChange.id)
        )

    def convert(self, ctx: Context, row: Any) -> Sequence[Any]:
        old, new = row.old_balance or ZERO, row.new_balance
        return (
            local_naive(row.at, ctx.crm.tz),
            row.nit,
            row.tercero,
            row.encargado or label(ctx.lang, "summary.no_encargado"),
            f"{row.doc_type}-{row.number}",
            old,
            new,
            old - new,
        )

    def _sums(self, ctx: Context) -> Collected:
        if not isinstance(ctx.extra, Collected):
            ctx.extra = Collected()
        return ctx.extra

    def account(self, ctx: Context, values: Sequence[Any]) -> None:
        sums = self._sums(ctx)
        amount = values[7]
        agent = sums.agents.setdefault(values[3], [0, ZERO])
        agent[0] += 1
        agent[1] += amount
        day = values[0].date()
        sums.days[day] = sums.days.get(day, ZERO) + amount
        sums.total += amount

    def tables(self, ctx: Context) -> list[SummaryTable]:
        sums, lang = self._sums(ctx), ctx.lang
        no_data = label(lang, "summary.no_data")
        total = label(lang, "summary.total")
        agents = sorted(sums.agents.items(), key=lambda kv: (-kv[1][1], kv[0]))
        by_agent = [[name, n, amount] for name, (n, amount) in agents]
        by_day = [[f"{d:%d/%m/%Y}", amount] for d, amount in sorted(sums.days.items())]
        count = sum(n for n, _ in sums.agents.values())
        return [
            SummaryTable(
                label(lang, "chart.recaudo_agent"),
                [
                    self.header(3, lang),
                    label(lang, "breakdown.documents"),
                    self.header(7, lang),
                ],
                by_agent or [[no_data, 0, ZERO]],
                ("text", "int", "money"),
                chart=(2,),
                total=[total, count, sums.total],
            ),
            SummaryTable(
                label(lang, "chart.recaudo_day"),
                [self.header(0, lang), self.header(7, lang)],
                by_day or [[no_data, ZERO]],
                ("text", "money"),
                chart=(1,),
                total=[total, sums.total],
            ),
        ]

    def facts(self, ctx: Context) -> list[tuple[str, Any]]:
        return [(label(ctx.lang, "summary.collected"), self._sums(ctx).total)]

    def chat_breakdown(self, ctx: Context) -> tuple[Any, ...]:

        agents = sorted(self._sums(ctx).agents.items(), key=lambda kv: (-kv[1][1], kv[0]))
        return tuple(BreakdownLine(name, n, amount) for name, (n, amount) in agents)


register(Recaudo())
