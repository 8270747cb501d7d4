"""The agenda: a user's active follow-ups split into overdue / today / upcoming, filtered by
period, type, state and (for supervisors and admins) agent. SQL filters, orders and pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, case, func, null, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from crm.followups.lifecycle import list_states, list_types
from crm.kernel import input as grammar
from crm.kernel import paging
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized
from crm.kernel.permissions import owner_filter
from crm.kernel.text import normalize_text
from crm.kernel.views import CatalogItem
from crm.route.visits import visits_on_route
from storage.models import (
    FollowUp,
    FollowUpStatus,
    FollowUpType,
    State,
    Tercero,
    User,
    UTCDateTime,
)

PAGE_SIZE = 8
PERIODS = ("all", "today", "overdue", "day", "range")
SECTIONS = ("overdue", "today", "upcoming")
# A range longer than this is almost surely a typo (and would be a huge scan).
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class AgendaFilter:
    """What to show. ``agent_code`` comes from typed text, ``agent_id`` from buttons."""

    period: str = "all"
    start: date | None = None
    end: date | None = None
    type_id: int | None = None
    state_id: int | None = None
    agent_id: int | None = None
    agent_code: str | None = None

    def with_(self, **changes: object) -> AgendaFilter:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class AgendaItem:
    id: int
    version: int
    section: str  # overdue | today | upcoming
    due_at: datetime
    tercero_name: str
    type_name: str
    state: str | None
    note: str | None
    owner_code: str


@dataclass(frozen=True)
class AgendaAgent:
    id: int
    code: str
    name: str


@dataclass(frozen=True)
class Agenda:
    """One page of the agenda, with the totals per section for the whole filter."""

    filter: AgendaFilter
    items: tuple[AgendaItem, ...]
    page: int
    pages: int
    total: int
    counts: tuple[tuple[str, int], ...]
    now: datetime
    type_name: str | None
    state_name: str | None
    agent: AgendaAgent | None
    team_view: bool  # items of several owners may appear: show the owner code
    # Team views: codes of the owners who registered a visit today (crm/visits.py), "on route".
    on_route: frozenset[str] = frozenset()

    def count(self, section: str) -> int:
        return dict(self.counts).get(section, 0)


# --- parsing (pure) --------------------------------------------------------------------------


def parse_agenda_args(
    text: str | None,
    types: Sequence[CatalogItem],
    states: Sequence[CatalogItem],
    today: date | None = None,
) -> AgendaFilter:
    """A period in the shared grammar (``crm/input.py``: ``hoy``, ``mañana``, ``vencidos``,
    ``semana``, ``7d``, a day, two days…) plus ``tipo:NOMBRE``, ``estado:NOMBRE`` (or
    ``activo``) and ``agente:CODE``, in any order. Names ignore case and accents and may be
    a unique prefix or part; a multi-word name may be quoted or joined with ``_``."""
    result = AgendaFilter()
    words = grammar.split_words(text or "")
    today = today or date.today()
    rest: list[str] = []
    seen_period = False
    while words:
        period, left = grammar.parse_period(words, today)
        if period is not None:
            if seen_period:
                raise InvalidInput("error.agenda_bad_range")
            seen_period = True
            result = _with_period(result, period)
            words = left
            continue
        rest.append(words.pop(0))
    for token in rest:
        key, sep, value = token.partition(":")
        lowered = normalize_text(key)
        if sep and lowered in ("tipo", "type"):
            typed = grammar.match_name(value, types, "error.agenda_unknown_type")
            result = result.with_(type_id=typed)
        elif sep and lowered in ("estado", "state"):
            status = grammar.status_word(value)
            if status == "active":
                continue  # the agenda is the active follow-ups
            if status is not None:
                raise InvalidInput("error.agenda_only_active", value=normalize_text(value))
            state = grammar.match_name(value, states, "error.agenda_unknown_state")
            result = result.with_(state_id=state)
        elif sep and lowered in ("agente", "agent"):
            if not value.strip():
                raise InvalidInput("error.agenda_bad_arg", value=token)
            result = result.with_(agent_code=value.strip().upper())
        else:
            raise InvalidInput("error.agenda_bad_arg", value=token)
    check_period(result)
    return result


def _with_period(flt: AgendaFilter, period: grammar.Period) -> AgendaFilter:
    if period.kind in ("today", "overdue", "all"):
        return flt.with_(period=period.kind)
    if period.kind == "day":
        return flt.with_(period="day", start=period.start, end=period.end)
    return flt.with_(period="range", start=period.start, end=period.end)


def check_period(flt: AgendaFilter) -> None:
    """Refuse an inverted or absurdly long range, and unknown period names."""
    if flt.period not in PERIODS:
        raise InvalidInput("error.agenda_bad_range")
    if flt.period in ("day", "range"):
        if flt.start is None or flt.end is None or flt.start > flt.end:
            raise InvalidInput("error.agenda_bad_range")
        if (flt.end - flt.start).days > MAX_RANGE_DAYS:
            raise InvalidInput("error.agenda_bad_range")


# --- the use case ----------------------------------------------------------------------------


async def agenda_filters_catalog(crm: Crm) -> tuple[list[CatalogItem], list[CatalogItem]]:
    """The types and states a filter may name (active ones)."""
    return await list_types(crm), await list_states(crm)


async def agents_in_scope(crm: Crm, actor: Actor) -> list[AgendaAgent]:
    """Active users whose follow-ups the actor may see: supervisor own + team; admin all;
    an agent only themself."""
    async with crm.read() as session:
        query = (
            select(User)
            .where(User.active.is_(True), owner_filter(actor, User.id))
            .order_by(User.name)
        )
        users = (await session.scalars(query)).all()
    return [AgendaAgent(u.id, u.code, u.name) for u in users]


async def check_filter(crm: Crm, actor: Actor, flt: AgendaFilter) -> None:
    """Refuse a filter naming an agent outside the actor's scope (the filter menus carry it)."""
    async with crm.read() as session:
        await _resolve_agent(session, actor, flt)


async def _resolve_agent(
    session: AsyncSession, actor: Actor, flt: AgendaFilter
) -> AgendaAgent | None:
    if flt.agent_id is None and flt.agent_code is None:
        return None
    if actor.is_agent:
        raise NotAuthorized()
    if flt.agent_id is not None:
        user = await session.get(User, flt.agent_id)
    else:
        user = await session.scalar(select(User).where(User.code == flt.agent_code))
        if user is None:
            raise InvalidInput("error.agenda_unknown_agent", code=flt.agent_code)
    if user is None:
        raise NotAuthorized()
    if not actor.is_admin and user.id != actor.id and user.supervisor_id != actor.id:
        raise NotAuthorized()
    return AgendaAgent(user.id, user.code, user.name)


def _bounds(crm: Crm, flt: AgendaFilter, now: datetime) -> tuple[datetime | None, datetime | None]:
    today = now.astimezone(crm.tz).date()
    if flt.period == "today":
        return crm.local_midnight(today), crm.local_midnight(today + timedelta(days=1))
    if flt.period == "overdue":
        return None, now
    if flt.period in ("day", "range"):
        assert flt.start is not None and flt.end is not None
        return crm.local_midnight(flt.start), crm.local_midnight(flt.end + timedelta(days=1))
    return None, None


# The statement depends only on the filter's shape (which conditions apply, whose scope), never
# on its values: it is built once per shape with bind parameters, so each call skips building
# and compiling it (SQLAlchemy's compiled cache finds it by identity).
_Shape = tuple[str, bool, bool, bool, bool]
_STATEMENTS: dict[_Shape, Select[Any]] = {}
_FU = FollowUp.__table__


def _agenda_statement(shape: _Shape) -> Select[Any]:
    """One round trip for a whole agenda page: the counts per section over the whole filter,
    LEFT JOINed with the page (so an empty page still brings the counts), and the names of
    the type and state filtered on.

    The page is picked from the (owner_id, status, due_at, id) index alone and only its rows
    are joined with terceros, types, owners and states (a deferred join), so page 100 costs
    about what page 1 does."""
    statement = _STATEMENTS.get(shape)
    if statement is not None:
        return statement
    scope, has_low, has_high, has_type, has_state = shape
    fu = _FU.c
    conditions: list[ColumnElement[bool]] = [fu.status == FollowUpStatus.ACTIVE]
    if scope == "owner":
        conditions.append(fu.owner_id == bindparam("owner_id"))
    elif scope == "team":
        conditions.append(fu.owner_id.in_(team_ids(bindparam("owner_id"))))
    if has_low:
        conditions.append(fu.due_at >= bindparam("low", type_=UTCDateTime))
    if has_high:
        conditions.append(fu.due_at < bindparam("high", type_=UTCDateTime))
    if has_type:
        conditions.append(fu.type_id == bindparam("type_id"))
    if has_state:
        conditions.append(fu.state_id == bindparam("state_id"))
    where = and_(*conditions)
    now = bindparam("now", type_=UTCDateTime)
    tomorrow = bindparam("tomorrow", type_=UTCDateTime)
    counts = (
        select(
            func.count(case((fu.due_at < now, 1))).label("overdue"),
            func.count(case((and_(fu.due_at >= now, fu.due_at < tomorrow), 1))).label("today"),
            func.count(case((fu.due_at >= tomorrow, 1))).label("upcoming"),
        )
        .where(where)
        .subquery("counts")
    )
    page_where = where
    if scope == "team":
        # A team's page walks the active-by-due index in order, filtering owners from the index
        # itself (owner_id + 0 keeps the planner off the per-owner index, whose rows of 20
        # agents it would have to merge with a sort); page 1 reads ~10 pages' worth of entries.
        page_where = and_(
            *conditions[:1],
            fu.owner_id.op("+")(0).in_(team_ids(bindparam("owner_id"))),
            *conditions[2:],
        )
    page_ids = (
        select(fu.id.label("id"))
        .where(page_where)
        .order_by(fu.due_at, fu.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    item = _FU.alias("item")
    ftype = FollowUpType.__table__
    state = State.__table__

    def name_of(table: Any, column: str, key: Any) -> Any:
        # A correlated lookup rather than a join: PostgreSQL plans a query per call (custom
        # plans), and a 7-way join cost ~2 ms of planning alone; these cost next to nothing.
        return select(table.c[column]).where(table.c.id == key).scalar_subquery()

    columns: list[Any] = [
        counts.c.overdue,
        counts.c.today,
        counts.c.upcoming,
        item.c.id,
        item.c.version,
        item.c.due_at,
        name_of(Tercero.__table__, "name", item.c.tercero_id),
        name_of(ftype, "name", item.c.type_id),
        name_of(state, "name", item.c.state_id),
        item.c.note,
        name_of(User.__table__, "code", item.c.owner_id),
        name_of(ftype, "name", bindparam("type_id")) if has_type else null(),
        name_of(state, "name", bindparam("state_id")) if has_state else null(),
    ]
    statement = (
        select(*columns)
        .select_from(counts)
        .outerjoin(page_ids, true())
        .outerjoin(item, item.c.id == page_ids.c.id)
    )
    _STATEMENTS[shape] = statement
    return statement


def team_ids(supervisor_id: Any) -> Select[tuple[int]]:
    """The supervisor and its team, as a subquery of user ids."""
    return select(User.__table__.c.id).where(
        or_(User.__table__.c.id == supervisor_id, User.__table__.c.supervisor_id == supervisor_id)
    )


async def agenda_for(crm: Crm, actor: Actor, flt: AgendaFilter, page: int = 0) -> Agenda:
    """One page of the actor's active follow-ups (supervisor: own + team; admin: all),
    ordered by due time and split into overdue / today / upcoming."""
    check_period(flt)
    now = crm.now()
    tomorrow = crm.local_midnight(now.astimezone(crm.tz).date() + timedelta(days=1))
    low, high = _bounds(crm, flt, now)
    async with crm.read(single=True) as session:
        agent = await _resolve_agent(session, actor, flt)
        params: dict[str, Any] = {
            "now": now,
            "tomorrow": tomorrow,
            "low": low,
            "high": high,
            "type_id": flt.type_id,
            "state_id": flt.state_id,
            "limit": PAGE_SIZE,
        }
        if agent is not None:
            scope, params["owner_id"] = "owner", agent.id
        elif actor.is_admin:
            scope = "all"
        else:
            scope, params["owner_id"] = ("team" if actor.is_supervisor else "owner"), actor.id
        statement = _agenda_statement(
            (
                scope,
                low is not None,
                high is not None,
                flt.type_id is not None,
                flt.state_id is not None,
            )
        )
        connection = await session.connection()
        page = max(0, page)
        rows = (await connection.execute(statement, {**params, "offset": page * PAGE_SIZE})).all()
        overdue, today, upcoming = rows[0][:3]
        total = overdue + today + upcoming
        pages = paging.page_count(total, PAGE_SIZE)
        if page > pages - 1:
            # Asked past the end (the list shrank since the button was drawn): the last page.
            page = pages - 1
            rows = (
                await connection.execute(statement, {**params, "offset": page * PAGE_SIZE})
            ).all()
        on_route: frozenset[str] = frozenset()
        if not actor.is_agent and agent is None:
            on_route = await visits_on_route(session, actor, crm.local_midnight(crm.today()))
    type_name, state_name = rows[0][-2:]
    items = sorted(
        (
            AgendaItem(
                id=fid,
                version=version,
                section="overdue" if due < now else "today" if due < tomorrow else "upcoming",
                due_at=due,
                tercero_name=tercero,
                type_name=ftype,
                state=state,
                note=note,
                owner_code=code,
            )
            for *_counts, fid, version, due, tercero, ftype, state, note, code, _t, _s in rows
            if fid is not None
        ),
        # The page's rows come back in join order: put them back in due order.
        key=lambda item: (item.due_at, item.id),
    )
    resolved = flt.with_(agent_id=agent.id if agent else None, agent_code=None)
    return Agenda(
        filter=resolved,
        items=tuple(items),
        page=page,
        pages=pages,
        total=total,
        counts=(("overdue", overdue), ("today", today), ("upcoming", upcoming)),
        now=now,
        type_name=type_name,
        state_name=state_name,
        agent=agent,
        team_view=not actor.is_agent and agent is None,
        on_route=on_route,
    )


async def agenda_from_text(crm: Crm, actor: Actor, text: str | None, page: int = 0) -> Agenda:
    """``/agenda ARGS``: parse the arguments against the catalogs, then :func:`agenda_for`."""
    # Only ``tipo:`` / ``estado:`` need the catalogs: a bare /agenda skips two queries.
    types, states = await agenda_filters_catalog(crm) if ":" in (text or "") else ([], [])
    flt = parse_agenda_args(text, types, states, crm.today())
    return await agenda_for(crm, actor, flt, page)
