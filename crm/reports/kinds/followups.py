"""``seguimientos`` (follow-ups created, due or closed in the period) and ``agenda`` (active
follow-ups due by the end of the period, overdue ones included)."""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel.charts import BarChart
from crm.kernel.formatting import local_datetime
from crm.reports import queries
from crm.reports.registry import ReportKind, register
from crm.reports.rows import Context, aging_bucket, status_label, utc
from crm.reports.scope import Scope
from crm.reports.workbook import Breakdown, Column, SummaryTable, label, local_naive
from storage.models import FollowUpStatus

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
    Column("Días de mora", "Days overdue", "int", 10),
    Column("Documento", "Document", "text", 14),
    Column("Saldo documento", "Document balance", "money", 16),
)
MAX_OBSERVATIONS = 20  # entries in one Observaciones cell (newest first), then "+N more"
DAY = timedelta(days=1)


def days_late(now: datetime, due: datetime) -> int:
    """Whole days a follow-up is overdue, counting a started day (1 hour late is 1 day);
    0 when it is not overdue."""
    if due >= now:
        return 0
    return math.ceil((now - due) / DAY)


def age_label(lang: str, days: int) -> str:
    bucket = aging_bucket(days) if days > 0 else "current"
    return label(lang, "age.current") if bucket == "current" else bucket


def parse_observations(value: str | None) -> list[tuple[datetime, str]]:
    """The aggregated ``[at, id, text]`` triples, newest first (ties: the later id first)."""
    if not value or value == "[]":
        return []
    items = json.loads(value)
    items.sort(key=lambda item: (item[0], item[1]), reverse=True)
    found = []
    for at, _, text in items:
        when = datetime.fromisoformat(at)
        found.append((when if when.tzinfo else when.replace(tzinfo=UTC), text))
    return found


def observations_text(
    ctx: Context, note: str | None, created: datetime, logged: Sequence[tuple[datetime, str]]
) -> str | None:
    """Every observation, newest first, each with its local time; the creation note last."""
    entries = [(at, text) for at, text in logged]
    if note:
        entries.append((created, note))
    if not entries:
        return None
    tz = ctx.crm.tz
    shown = [f"{local_datetime(at, tz)} — {text}" for at, text in entries[:MAX_OBSERVATIONS]]
    if len(entries) > MAX_OBSERVATIONS:
        shown.append(label(ctx.lang, "summary.more").format(n=len(entries) - MAX_OBSERVATIONS))
    return "\n".join(shown)


class Seguimientos(ReportKind):
    name = "seguimientos"
    order = 20
    sheet_es = "seguimientos"
    sheet_en = "Follow-ups"
    columns = FOLLOWUP_COLUMNS

    def breakdown(self, lang: str) -> Breakdown | None:
        return Breakdown("chart.state", self.header(4, lang))

    async def chunks(
        self, session: AsyncSession, ctx: Context, scope: Scope
    ) -> AsyncIterator[Sequence[Any]]:
        ctx.extra_dialect = (await session.connection()).dialect.name
        async for chunk in super().chunks(session, ctx, scope):
            yield chunk

    def convert(self, ctx: Context, row: Any) -> Sequence[Any]:
        logged = parse_observations(row.observations)
        tz = ctx.crm.tz
        created, due = utc(row.created_at), utc(row.due_at)
        assert created is not None and due is not None
        late = days_late(ctx.now, due) if row.status == FollowUpStatus.ACTIVE else 0
        document = f"{row.doc_type}-{row.doc_number}" if row.doc_type else None
        return (
            row.id,
            row.nit,
            row.tercero,
            row.type_name,
            status_label(ctx.lang, row.status, row.state),
            row.owner,
            local_naive(created, tz),
            local_naive(due, tz),
            local_naive(utc(row.closed_at), tz),
            row.postpone_count,
            local_naive(utc(row.last_event), tz),
            observations_text(ctx, row.note, created, logged),
            row.root_id or row.id,
            late,
            document,
            row.doc_balance,
        )

    def _ages(self, ctx: Context) -> Breakdown:
        if not isinstance(ctx.extra, Breakdown):
            ctx.extra = Breakdown(
                "chart.age",
                self.header(13, ctx.lang),
                fixed=tuple(age_label(ctx.lang, d) for d in (0, 1, 31, 61, 91)),
            )
        return ctx.extra

    def account(self, ctx: Context, values: Sequence[Any]) -> None:
        assert ctx.breakdown is not None
        ctx.breakdown.add(values[4])
        self._ages(ctx).add(age_label(ctx.lang, values[13]))

    def tables(self, ctx: Context) -> list[SummaryTable]:
        return [*super().tables(ctx), self._ages(ctx).table(ctx.lang)]

    def picture(self, ctx: Context) -> BarChart | None:
        """The follow-ups by days overdue (the agenda's aging at a glance)."""
        table = self._ages(ctx).table(ctx.lang)
        return BarChart(
            table.title,
            tuple(str(r[0]) for r in table.rows),
            tuple(r[1] for r in table.rows),
            subtitle=f"{label(ctx.lang, 'summary.overdue')}: {self.facts(ctx)[0][1]}",
        )

    def facts(self, ctx: Context) -> list[tuple[str, Any]]:
        ages = self._ages(ctx)
        overdue = sum(n for key, n in ages.counts.items() if key != ages.fixed[0])
        return [(label(ctx.lang, "summary.overdue"), overdue)]

    def query(self, ctx: Context, scope: Scope) -> Any:
        return queries.followups_query(ctx, scope, ctx.extra_dialect)


class Agenda(Seguimientos):
    name = "agenda"
    order = 10
    sheet_es = "agenda"
    sheet_en = "Agenda"
    default_period = "hoy"


register(Agenda())
register(Seguimientos())
