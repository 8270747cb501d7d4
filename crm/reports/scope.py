"""Who and what a report covers: the typed filters resolved against the actor's scope."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel.actor import Actor
from crm.kernel.errors import InvalidInput, NotAuthorized, NotFound
from crm.kernel.input import STATUS_WORDS
from crm.kernel.permissions import can_act_for, owner_filter
from crm.kernel.text import nit_base, normalize_text
from crm.reports.request import ReportRequest
from storage.models import FollowUp, FollowUpType, State, Tercero, User


@dataclass
class Scope:
    """The WHERE clauses every query of one report shares."""

    agent: User | None = None
    type_id: int | None = None
    state_id: int | None = None
    status: str | None = None
    nit: str | None = None


async def resolve(session: AsyncSession, actor: Actor, request: ReportRequest) -> Scope:
    """The request's filters as ids, refusing unknown names and agents outside the scope."""
    scope = Scope()
    if (code := request.filter("agente")) is not None:
        agent = await session.scalar(select(User).where(User.code == code.strip().upper()))
        if agent is None:
            raise NotFound("error.report_unknown_agent", code=html.escape(code))
        if not await can_act_for(session, actor, agent.id):
            raise NotAuthorized()
        scope.agent = agent
    if (name := request.filter("tipo")) is not None:
        types = (await session.execute(select(FollowUpType.id, FollowUpType.name))).all()
        scope.type_id = match_name(name, types, "error.report_unknown_type")
    if (name := request.filter("estado")) is not None:
        word = normalize_text(name)
        if word in STATUS_WORDS:
            scope.status = STATUS_WORDS[word]
        else:
            states = (await session.execute(select(State.id, State.name))).all()
            scope.state_id = match_name(name, states, "error.report_unknown_state")
    if (nit := request.filter("nit")) is not None:
        scope.nit = nit_base(nit)
    return scope


def match_name(typed: str, rows: Sequence[Any], error_key: str) -> int:
    """Exact accent- and case-insensitive name, else a unique prefix, else a unique part
    ("pedido" finds "Seguimiento a pedido"); otherwise refuse listing the names."""
    wanted = normalize_text(typed.replace("_", " "))
    by_name = {normalize_text(name): row_id for row_id, name in rows}
    if wanted in by_name:
        return by_name[wanted]
    for matches in (
        [row_id for name, row_id in by_name.items() if name.startswith(wanted)],
        [row_id for name, row_id in by_name.items() if wanted in name],
    ):
        if len(matches) == 1:
            return matches[0]
    names = ", ".join(sorted(html.escape(name) for _, name in rows))
    raise InvalidInput(error_key, value=html.escape(typed), names=names)


def followup_conditions(actor: Actor, scope: Scope) -> list[ColumnElement[bool]]:
    """The actor's follow-ups narrowed by the filters."""
    conditions = [owner_filter(actor, FollowUp.owner_id)]
    if scope.agent is not None:
        conditions.append(FollowUp.owner_id == scope.agent.id)
    if scope.type_id is not None:
        conditions.append(FollowUp.type_id == scope.type_id)
    if scope.state_id is not None:
        conditions.append(FollowUp.state_id == scope.state_id)
    if scope.status is not None:
        conditions.append(FollowUp.status == scope.status)
    if scope.nit is not None:
        conditions.append(
            FollowUp.tercero_id.in_(select(Tercero.id).where(Tercero.nit_base == scope.nit))
        )
    return conditions
