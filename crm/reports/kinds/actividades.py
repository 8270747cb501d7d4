"""``actividades``: every event logged on the actor's follow-ups within the period."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crm.kernel.formatting import local_datetime
from crm.reports import queries
from crm.reports.registry import ReportKind, register
from crm.reports.rows import Context
from crm.reports.scope import Scope
from crm.reports.workbook import Breakdown, Column, label, local_naive


def event_detail(ctx: Context, row: Any) -> str | None:
    """The event's detail column: the move of a postponement, the activity, the state..."""
    tz = ctx.crm.tz
    text = row.text
    if row.kind == "postponed" and row.to_due is not None:
        moved = f"{local_datetime(row.from_due, tz)} → {local_datetime(row.to_due, tz)}".strip()
        return f"{moved} · {text}" if text else moved
    head = None
    if row.kind == "activity":
        head = row.activity
    elif row.kind in ("closed", "discarded", "state_changed"):
        head = row.state
    elif row.kind == "attachment":
        head = label(ctx.lang, f"file.{row.file_kind}") if row.file_kind else None
        if row.latitude is not None and row.longitude is not None:
            head = f"{head} {row.latitude:.5f}, {row.longitude:.5f}"
    parts = [p for p in (head, text) if p]
    return ": ".join(parts) if parts else None


class Actividades(ReportKind):
    name = "actividades"
    order = 30
    sheet_es = "actividades"
    sheet_en = "Activities"
    columns = (
        Column("Fecha", "Date", "datetime", 17),
        Column("Seguimiento", "Follow-up", "int", 12),
        Column("NIT", "NIT", "text", 15),
        Column("Tercero", "Tercero", "text", 32),
        Column("Responsable", "Owner", "text", 22),
        Column("Evento", "Event", "text", 18),
        Column("Detalle", "Detail", "text", 60),
    )

    def breakdown(self, lang: str) -> Breakdown | None:
        return Breakdown("chart.agent", self.header(4, lang))

    def convert(self, ctx: Context, row: Any) -> Sequence[Any]:
        return (
            local_naive(row.at, ctx.crm.tz),
            row.followup_id,
            row.nit,
            row.tercero,
            row.owner,
            label(ctx.lang, f"event.{row.kind}"),
            event_detail(ctx, row),
        )

    def account(self, ctx: Context, values: Sequence[Any]) -> None:
        assert ctx.breakdown is not None
        ctx.breakdown.add(values[4])

    def query(self, ctx: Context, scope: Scope) -> Any:
        return queries.events_query(ctx, scope)


register(Actividades())
