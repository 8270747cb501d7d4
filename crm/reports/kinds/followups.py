"""``seguimientos`` (follow-ups created, due or closed in the period) and ``agenda`` (active
follow-ups due by the end of the period, overdue ones included)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crm.reports import queries
from crm.reports.registry import ReportKind, register
from crm.reports.rows import Context, status_label
from crm.reports.scope import Scope
from crm.reports.workbook import Breakdown, Column, local_naive

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


class Seguimientos(ReportKind):
    name = "seguimientos"
    order = 20
    sheet_es = "seguimientos"
    sheet_en = "Follow-ups"
    columns = FOLLOWUP_COLUMNS

    def breakdown(self, lang: str) -> Breakdown | None:
        return Breakdown("chart.state", self.header(4, lang))

    def convert(self, ctx: Context, row: Any) -> Sequence[Any]:
        tz = ctx.crm.tz
        return (
            row.id,
            row.nit,
            row.tercero,
            row.type_name,
            status_label(ctx.lang, row.status, row.state),
            row.owner,
            local_naive(row.created_at, tz),
            local_naive(row.due_at, tz),
            local_naive(row.closed_at, tz),
            row.postpone_count,
            local_naive(row.last_event, tz),
            row.note,
            row.root_id or row.id,
        )

    def account(self, ctx: Context, values: Sequence[Any]) -> None:
        assert ctx.breakdown is not None
        ctx.breakdown.add(values[4])

    def query(self, ctx: Context, scope: Scope) -> Any:
        return queries.followups_query(ctx, scope)


class Agenda(Seguimientos):
    name = "agenda"
    order = 10
    sheet_es = "agenda"
    sheet_en = "Agenda"
    default_period = "hoy"


register(Agenda())
register(Seguimientos())
