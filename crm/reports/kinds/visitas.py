"""``visitas``: every visit started in the period (crm/visits.py), with a Resumen per agent:
visits, % verified, visits per day (with at least one visit) and average duration."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crm.reports.registry import BreakdownLine, ReportKind, register
from crm.reports.rows import Context
from crm.reports.scope import Scope, followup_conditions
from crm.reports.workbook import LABELS, Column
from crm.route import visit_report

SUMMARY = {
    "es": ("Visitas", "% verificadas", "Visitas por día", "Duración media (min)"),
    "en": ("Visits", "% verified", "Visits per day", "Average duration (min)"),
}


class Visitas(ReportKind):
    name = "visitas"
    order = 60
    sheet_es = "visitas"
    sheet_en = "Visits"
    columns = tuple(
        Column(es, en, kind, width)
        for es, en, kind, width in zip(
            visit_report.HEADERS["es"],
            visit_report.HEADERS["en"],
            ("datetime", "text", "text", "text", "int", "text", "int", "int"),
            (17, 22, 15, 32, 12, 11, 13, 14),
            strict=True,
        )
    )

    def convert(self, ctx: Context, row: Any) -> Sequence[Any]:
        return visit_report.convert(row, ctx.crm.tz, ctx.lang)

    def account(self, ctx: Context, values: Sequence[Any]) -> None:
        ctx.computed.append(tuple(values))

    def query(self, ctx: Context, scope: Scope) -> Any:
        start, end = ctx.bounds()
        return visit_report.visits_query(
            ctx.actor, start, end, followup_conditions(ctx.actor, scope)
        )

    def series(self, ctx: Context) -> list[tuple[str, list[tuple[str, Any]]]]:
        """The Resumen per agent: one row per agent, one column per measure."""
        heads = SUMMARY.get(ctx.lang, SUMMARY["es"])
        summary = visit_report.summarize(ctx.computed, ctx.lang)
        return [
            (heads[0], [(s.agent, s.visits) for s in summary]),
            (heads[1], [(s.agent, round(100 * s.verified_share, 1)) for s in summary]),
            (heads[2], [(s.agent, round(s.per_day, 1)) for s in summary]),
            (
                heads[3],
                [
                    (s.agent, round(s.average_minutes, 1) if s.average_minutes is not None else 0)
                    for s in summary
                ],
            ),
        ]

    def chat_breakdown(self, ctx: Context) -> tuple[Any, ...]:

        return tuple(
            BreakdownLine(s.agent, s.visits)
            for s in visit_report.summarize(ctx.computed, ctx.lang)
        )


register(Visitas())
# The actividades sheet names visit events too.
LABELS["es"]["event.visit"] = "Visita"
LABELS["en"]["event.visit"] = "Visit"
