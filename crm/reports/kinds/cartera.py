"""``cartera``: every open document as of today (the period only names the file)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from crm.reports import queries
from crm.reports.registry import ReportKind, register
from crm.reports.rows import BUCKETS, Context, aging_bucket, bucket_label
from crm.reports.scope import Scope
from crm.reports.workbook import Breakdown, Column, days_overdue, label


class Cartera(ReportKind):
    name = "cartera"
    order = 40
    sheet_es = "cartera"
    sheet_en = "Cartera"
    refused_filters = ("tipo", "estado")
    columns = (
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
    )

    def breakdown(self, lang: str) -> Breakdown | None:
        return Breakdown(
            "chart.aging",
            self.header(8, lang),
            with_amount=True,
            fixed=tuple(bucket_label(lang, b) for b in BUCKETS),
        )

    def convert(self, ctx: Context, row: Any) -> Sequence[Any]:
        due = row.due_date or row.date
        days = days_overdue(due, ctx.today)
        return (
            row.nit,
            row.tercero,
            row.encargado,
            f"{row.doc_type}-{row.number}",
            row.date,
            row.due_date,
            days,
            row.balance,
            bucket_label(ctx.lang, aging_bucket(days)),
            row.followup_id,
        )

    def account(self, ctx: Context, values: Sequence[Any]) -> None:
        assert ctx.breakdown is not None
        ctx.total += values[7]
        ctx.breakdown.add(values[8], values[7])

    def query(self, ctx: Context, scope: Scope) -> Any:
        return queries.cartera_query(ctx, scope)

    def facts(self, ctx: Context) -> list[tuple[str, Any]]:
        return [
            (label(ctx.lang, "summary.total_balance"), ctx.total),
            ("", label(ctx.lang, "summary.cutoff")),
        ]

    def total(self, ctx: Context) -> Decimal | None:
        return ctx.total


register(Cartera())
