"""The ``visitas`` report's rows and its Resumen per agent (wired as a report kind in
crm/reports/kinds/visitas.py): every visit of the period, who made it, how far from the
tercero, whether it was verified and how long it lasted."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import aliased

from crm.kernel.actor import Actor
from crm.kernel.permissions import owner_filter
from crm.route.visits import VISIT
from storage.models import FollowUp, FollowUpEvent, Tercero, User

# The sheet's columns, exactly as issue 15 names them (Spanish; English beside).
HEADERS = {
    "es": (
        "Fecha",
        "Responsable",
        "NIT",
        "Tercero",
        "Seguimiento",
        "Verificada",
        "Distancia (m)",
        "Duración (min)",
    ),
    "en": (
        "Date",
        "Owner",
        "NIT",
        "Tercero",
        "Follow-up",
        "Verified",
        "Distance (m)",
        "Duration (min)",
    ),
}
YES_NO = {"es": ("Sí", "No"), "en": ("Yes", "No")}


def visits_query(
    actor: Actor,
    start: datetime,
    end: datetime,
    conditions: Iterable[ColumnElement[bool]] = (),
    agent_id: int | None = None,
) -> Any:
    """Visits started in [start, end) on follow-ups within the actor's scope (plus the
    report's follow-up ``conditions``); ``agent_id``: only the visits that agent made."""
    visitor = aliased(User)
    query = (
        select(
            FollowUpEvent.at,
            visitor.name.label("agent"),
            Tercero.nit,
            Tercero.name.label("tercero"),
            FollowUp.id.label("followup_id"),
            FollowUpEvent.verified,
            FollowUpEvent.distance_m,
            FollowUpEvent.ended_at,
        )
        .join(FollowUp, FollowUp.id == FollowUpEvent.followup_id)
        .join(Tercero, Tercero.id == FollowUp.tercero_id)
        .outerjoin(visitor, visitor.id == FollowUpEvent.actor_id)
        .where(
            FollowUpEvent.kind == VISIT,
            FollowUpEvent.at >= start,
            FollowUpEvent.at < end,
            owner_filter(actor, FollowUp.owner_id),
            *conditions,
        )
        .order_by(FollowUpEvent.at, FollowUpEvent.id)
    )
    if agent_id is not None:
        query = query.where(FollowUpEvent.actor_id == agent_id)
    return query


def minutes(start: datetime, end: datetime | None) -> int | None:
    if end is None:
        return None
    return max(0, round((end - start).total_seconds() / 60))


def convert(row: Any, tz: ZoneInfo, lang: str) -> tuple[Any, ...]:
    """One visit as the sheet's values (Fecha is local and naive, as Excel wants it)."""
    yes, no = YES_NO.get(lang, YES_NO["es"])
    return (
        row.at.astimezone(tz).replace(tzinfo=None),
        row.agent or "",
        row.nit,
        row.tercero,
        row.followup_id,
        yes if row.verified else no,
        row.distance_m,
        minutes(row.at, row.ended_at),
    )


@dataclass(frozen=True)
class AgentSummary:
    agent: str
    visits: int
    verified_share: float  # 0..1
    per_day: float  # visits per day with at least one visit
    average_minutes: float | None  # over the visits that were closed


def summarize(values: Sequence[Sequence[Any]], lang: str = "es") -> list[AgentSummary]:
    """The Resumen per agent from the sheet's rows (as :func:`convert` made them)."""
    yes = YES_NO.get(lang, YES_NO["es"])[0]
    by_agent: dict[str, list[Sequence[Any]]] = {}
    for row in values:
        by_agent.setdefault(str(row[1]), []).append(row)
    result = []
    for agent in sorted(by_agent):
        rows = by_agent[agent]
        days = {row[0].date() for row in rows}
        durations = [row[7] for row in rows if row[7] is not None]
        result.append(
            AgentSummary(
                agent=agent,
                visits=len(rows),
                verified_share=sum(1 for row in rows if row[5] == yes) / len(rows),
                per_day=len(rows) / len(days),
                average_minutes=sum(durations) / len(durations) if durations else None,
            )
        )
    return result
