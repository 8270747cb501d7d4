"""Excel reports: argument parsing, role scoping, streamed queries, and scheduled delivery.

A report is built in two halves: rows are fetched here on the event loop in chunks from a
server-side cursor (``storage.db.read_session``, so SQLite's write lock is never held), and
each chunk is converted and written by :class:`crm.report_workbook.ReportBook` in a worker
thread. Only one chunk is in memory at a time and the event loop is never busy for long.

Periods: ``hoy`` and ``ayer`` are one local day; ``semana`` is Monday of the current week up
to today; ``mes`` is the 1st of the current month up to today; dates are taken as typed (both
ends included). ``agenda`` lists follow-ups active now that are due by the end of the period
(overdue ones included); ``cartera`` is every open document as of today (the period only
names the file).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import os
import re
import shlex
import tempfile
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm import audit, cartera
from crm.context import Crm
from crm.errors import CrmError, InvalidInput, NotAuthorized, NotFound
from crm.formatting import local_datetime
from crm.permissions import can_act_for, owner_filter
from crm.report_workbook import (
    COLUMNS,
    Breakdown,
    ReportBook,
    TooManyRows,
    days_overdue,
    label,
    local_naive,
)
from crm.scope import book_of_user, tercero_visible
from crm.text import nit_base, normalize_text
from crm.users import Actor, actor_from
from storage.db import read_session
from storage.models import (
    Activity,
    Document,
    FollowUp,
    FollowUpEvent,
    FollowUpType,
    State,
    Subscription,
    Tercero,
    User,
)

log = logging.getLogger("crm_bot.reports")

REPORT_KINDS = ("agenda", "seguimientos", "actividades", "cartera", "desempeno", "contactos")
PERIOD_WORDS = ("hoy", "ayer", "semana", "mes")
FILTER_KEYS = ("agente", "tipo", "estado", "nit")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # Telegram's limit for bots sending files
CHUNK = 250  # rows per fetch and per write; smaller chunks keep event-loop stalls short
# Labels of crm.cartera.BUCKETS, in the same order, as the cartera sheet shows them.
BUCKETS = ("Corriente", "1–30", "31–60", "61–90", "> 90")
STATUS_WORDS = {
    "activo": "active",
    "activos": "active",
    "active": "active",
    "abierto": "active",
    "abiertos": "active",
    "open": "active",
    "cerrado": "closed",
    "cerrados": "closed",
    "closed": "closed",
    "descartado": "discarded",
    "descartados": "discarded",
    "discarded": "discarded",
}
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_LOCAL_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


class ReportTooLarge(CrmError):
    """The file would exceed what Telegram accepts (or what one sheet holds)."""

    key = "error.report_too_large"


# --- requests --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRequest:
    """What to report: kind, an inclusive local date range and the filters typed."""

    kind: str
    start: date
    end: date
    period: str = ""
    filters: tuple[tuple[str, str], ...] = ()

    def filter(self, key: str) -> str | None:
        for name, value in self.filters:
            if name == key:
                return value
        return None

    @property
    def filename(self) -> str:
        return f"informe-{self.kind}-{self.start.isoformat()}-{self.end.isoformat()}.xlsx"

    def describe_filters(self) -> str:
        """``agente:LUIS tipo:"Cobro de cartera"`` (empty without filters)."""
        return " ".join(f"{k}:{_quote(v)}" for k, v in self.filters)


def _quote(value: str) -> str:
    return f'"{value}"' if " " in value else value


def period_range(word: str, today: date) -> tuple[date, date]:
    """The inclusive local date range of a period word."""
    if word == "hoy":
        return today, today
    if word == "ayer":
        return today - timedelta(days=1), today - timedelta(days=1)
    if word == "semana":
        return today - timedelta(days=today.weekday()), today
    if word == "mes":
        return today.replace(day=1), today
    raise InvalidInput("error.report_bad_argument", value=html.escape(word))


def default_period(kind: str) -> str:
    return "hoy" if kind == "agenda" else "mes"


def _parse_date(token: str) -> date | None:
    try:
        if _ISO_DATE.match(token):
            y, m, d = (int(p) for p in token.split("-"))
            return date(y, m, d)
        if _LOCAL_DATE.match(token):
            d, m, y = (int(p) for p in token.split("/"))
            return date(y, m, d)
    except ValueError:
        raise InvalidInput("error.report_bad_date", value=html.escape(token)) from None
    return None


def _checked_date(token: str) -> date | None:
    value = _parse_date(token)
    if value is not None and not 2000 <= value.year <= 2100:
        # Almost surely a typo; and the day after 9999-12-31 cannot even be computed.
        raise InvalidInput("error.report_bad_date", value=html.escape(token))
    return value


def split_args(args: str | Sequence[str]) -> list[str]:
    """Words of a command line; quotes group words (``tipo:"Cobro de cartera"``)."""
    text = args if isinstance(args, str) else " ".join(args)
    # Phones turn straight quotes into curly ones.
    text = text.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    try:
        return shlex.split(text)
    except ValueError:
        raise InvalidInput("error.report_bad_argument", value=html.escape(text)) from None


def parse_filters(tokens: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``agente:CODE``-style filters; a bare word continues the previous filter's value, so
    ``tipo:Cobro de cartera`` works without quotes."""
    filters: list[list[str]] = []
    for token in tokens:
        key, sep, value = token.partition(":")
        key = normalize_text(key)
        if sep and key in FILTER_KEYS:
            if any(f[0] == key for f in filters):
                raise InvalidInput("error.report_bad_filter", value=html.escape(token))
            filters.append([key, value.strip()])
        elif not sep and filters and filters[-1][0] in ("tipo", "estado"):
            filters[-1][1] = f"{filters[-1][1]} {token}".strip()
        elif sep:
            raise InvalidInput("error.report_bad_filter", value=html.escape(token))
        else:
            raise InvalidInput("error.report_bad_argument", value=html.escape(token))
    for key, value in filters:
        if not value:
            raise InvalidInput("error.report_bad_filter", value=html.escape(f"{key}:"))
    return tuple((k, v) for k, v in filters)


def parse_request(args: str | Sequence[str], today: date) -> ReportRequest:
    """``TIPO [PERIODO] [filtros]`` → a request; InvalidInput shows the right form."""
    tokens = split_args(args)
    if not tokens:
        raise InvalidInput("error.report_bad_kind", value="")
    kind = normalize_text(tokens[0])
    if kind == "desempenio":
        kind = "desempeno"
    if kind not in REPORT_KINDS:
        raise InvalidInput("error.report_bad_kind", value=html.escape(tokens[0]))
    rest = tokens[1:]
    period = ""
    start = end = None
    if rest and normalize_text(rest[0]) in PERIOD_WORDS:
        period = normalize_text(rest.pop(0))
        start, end = period_range(period, today)
    elif rest and (first := _checked_date(rest[0])) is not None:
        rest.pop(0)
        start = end = first
        if rest and (second := _checked_date(rest[0])) is not None:
            rest.pop(0)
            end = second
        if end < start:
            raise InvalidInput(
                "error.report_range_reversed", start=start.isoformat(), end=end.isoformat()
            )
        period = start.isoformat() if start == end else f"{start.isoformat()} {end.isoformat()}"
    if start is None or end is None:
        period = default_period(kind)
        start, end = period_range(period, today)
    filters = parse_filters(rest)
    _check_filters_apply(kind, filters)
    return ReportRequest(kind, start, end, period, filters)


def request_for(kind: str, period: str, today: date) -> ReportRequest:
    """A request from the /informe buttons (kind and period word, no filters)."""
    if kind not in REPORT_KINDS or period not in PERIOD_WORDS:
        raise InvalidInput("error.report_bad_kind", value=html.escape(kind))
    start, end = period_range(period, today)
    return ReportRequest(kind, start, end, period)


def _check_filters_apply(kind: str, filters: Sequence[tuple[str, str]]) -> None:
    if kind == "cartera":
        for key, _ in filters:
            if key in ("tipo", "estado"):
                raise InvalidInput("error.report_filter_not_for", name=key, kind=kind)


# --- scope and filters -----------------------------------------------------------------------


@dataclass
class Scope:
    """The WHERE clauses every query of one report shares."""

    agent: User | None = None
    type_id: int | None = None
    state_id: int | None = None
    status: str | None = None
    nit: str | None = None


async def _resolve(session: AsyncSession, actor: Actor, request: ReportRequest) -> Scope:
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
        scope.type_id = _match_name(name, types, "error.report_unknown_type")
    if (name := request.filter("estado")) is not None:
        word = normalize_text(name)
        if word in STATUS_WORDS:
            scope.status = STATUS_WORDS[word]
        else:
            states = (await session.execute(select(State.id, State.name))).all()
            scope.state_id = _match_name(name, states, "error.report_unknown_state")
    if (nit := request.filter("nit")) is not None:
        scope.nit = nit_base(nit)
    return scope


def _match_name(typed: str, rows: Sequence[Any], error_key: str) -> int:
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


def _followup_conditions(actor: Actor, scope: Scope) -> list[ColumnElement[bool]]:
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


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakdownLine:
    label: str
    count: int
    amount: Decimal | None = None


@dataclass(frozen=True)
class ReportFile:
    """A finished workbook on disk; the caller sends it and then calls :meth:`discard`."""

    path: Path
    filename: str
    kind: str
    start: date
    end: date
    period: str
    filters: str
    rows: int
    size: int
    breakdown: tuple[BreakdownLine, ...] = ()
    total: Decimal | None = None

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class _Context:
    """What the row converters need (they run in the worker thread)."""

    crm: Crm
    lang: str
    today: date
    breakdown: Breakdown | None = None
    total: Decimal = field(default_factory=lambda: Decimal(0))


# --- row converters (worker thread) ----------------------------------------------------------


def _status_label(lang: str, status: str, state: str | None) -> str:
    return state or label(lang, f"status.{status}")


def _followup_row(ctx: _Context, row: Any) -> tuple[Any, ...]:
    tz = ctx.crm.tz
    return (
        row.id,
        row.nit,
        row.tercero,
        row.type_name,
        _status_label(ctx.lang, row.status, row.state),
        row.owner,
        local_naive(row.created_at, tz),
        local_naive(row.due_at, tz),
        local_naive(row.closed_at, tz),
        row.postpone_count,
        local_naive(row.last_event, tz),
        row.note,
        row.root_id or row.id,
    )


def _event_detail(ctx: _Context, row: Any) -> str | None:
    tz = ctx.crm.tz
    text = row.text
    if row.kind == "postponed" and row.to_due is not None:
        moved = f"{local_datetime(row.from_due, tz)} → {local_datetime(row.to_due, tz)}".strip()
        return f"{moved} · {text}" if text else moved
    head = None
    if row.kind == "activity":
        head = row.activity
    elif row.kind in ("closed", "discarded"):
        head = row.state
    elif row.kind == "attachment":
        head = label(ctx.lang, f"file.{row.file_kind}") if row.file_kind else None
        if row.latitude is not None and row.longitude is not None:
            head = f"{head} {row.latitude:.5f}, {row.longitude:.5f}"
    parts = [p for p in (head, text) if p]
    return ": ".join(parts) if parts else None


def _event_row(ctx: _Context, row: Any) -> tuple[Any, ...]:
    return (
        local_naive(row.at, ctx.crm.tz),
        row.followup_id,
        row.nit,
        row.tercero,
        row.owner,
        label(ctx.lang, f"event.{row.kind}"),
        _event_detail(ctx, row),
    )


def aging_bucket(days: int) -> str:
    """The cartera aging bucket of a number of days past due (the rule of crm.cartera)."""
    return BUCKETS[cartera.BUCKETS.index(cartera.bucket_of(days))]


def _bucket_label(lang: str, bucket: str) -> str:
    return label(lang, "bucket.current") if bucket == BUCKETS[0] else bucket


def _cartera_row(ctx: _Context, row: Any) -> tuple[Any, ...]:
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
        _bucket_label(ctx.lang, aging_bucket(days)),
        row.followup_id,
    )


# --- queries ---------------------------------------------------------------------------------


def _bounds(crm: Crm, request: ReportRequest) -> tuple[datetime, datetime]:
    return crm.local_midnight(request.start), crm.local_midnight(request.end + timedelta(days=1))


def _followups_query(crm: Crm, actor: Actor, request: ReportRequest, scope: Scope) -> Any:
    owner = aliased(User)
    last_event = (
        select(func.max(FollowUpEvent.at))
        .where(FollowUpEvent.followup_id == FollowUp.id)
        .correlate(FollowUp)
        .scalar_subquery()
    )
    start, end = _bounds(crm, request)
    conditions = _followup_conditions(actor, scope)
    if request.kind == "agenda":
        conditions += [FollowUp.status == "active", FollowUp.due_at < end]
        order = (FollowUp.due_at, FollowUp.id)
    else:
        conditions.append(
            or_(
                and_(FollowUp.created_at >= start, FollowUp.created_at < end),
                and_(FollowUp.due_at >= start, FollowUp.due_at < end),
                and_(FollowUp.closed_at >= start, FollowUp.closed_at < end),
            )
        )
        order = (FollowUp.id,)  # type: ignore[assignment]
    return (
        select(
            FollowUp.id,
            Tercero.nit,
            Tercero.name.label("tercero"),
            FollowUpType.name.label("type_name"),
            State.name.label("state"),
            FollowUp.status,
            owner.name.label("owner"),
            FollowUp.created_at,
            FollowUp.due_at,
            FollowUp.closed_at,
            FollowUp.postpone_count,
            last_event.label("last_event"),
            FollowUp.note,
            FollowUp.root_id,
        )
        .join(Tercero, Tercero.id == FollowUp.tercero_id)
        .join(FollowUpType, FollowUpType.id == FollowUp.type_id)
        .join(owner, owner.id == FollowUp.owner_id)
        .outerjoin(State, State.id == FollowUp.state_id)
        .where(*conditions)
        .order_by(*order)
    )


def _events_query(crm: Crm, actor: Actor, request: ReportRequest, scope: Scope) -> Any:
    owner = aliased(User)
    event_state = aliased(State)
    start, end = _bounds(crm, request)
    return (
        select(
            FollowUpEvent.at,
            FollowUpEvent.followup_id,
            Tercero.nit,
            Tercero.name.label("tercero"),
            owner.name.label("owner"),
            FollowUpEvent.kind,
            Activity.name.label("activity"),
            event_state.name.label("state"),
            FollowUpEvent.text,
            FollowUpEvent.from_due,
            FollowUpEvent.to_due,
            FollowUpEvent.file_kind,
            FollowUpEvent.latitude,
            FollowUpEvent.longitude,
        )
        .join(FollowUp, FollowUp.id == FollowUpEvent.followup_id)
        .join(Tercero, Tercero.id == FollowUp.tercero_id)
        .join(owner, owner.id == FollowUp.owner_id)
        .outerjoin(Activity, Activity.id == FollowUpEvent.activity_id)
        .outerjoin(event_state, event_state.id == FollowUpEvent.state_id)
        .where(
            FollowUpEvent.at >= start,
            FollowUpEvent.at < end,
            *_followup_conditions(actor, scope),
        )
        .order_by(FollowUpEvent.at, FollowUpEvent.id)
    )


def _cartera_query(actor: Actor, scope: Scope) -> Any:
    encargado = aliased(User)
    by_document = (
        select(func.min(FollowUp.id))
        .where(FollowUp.document_id == Document.id, FollowUp.status == "active")
        .correlate(Document)
        .scalar_subquery()
    )
    # The same book as /cartera (encargado, or owner of a follow-up on the tercero) and the
    # same coverage rule as its "sin seguimiento" mark (an active follow-up on the document).
    conditions = [Document.balance > 0, tercero_visible(actor, Document.tercero_id)]
    if scope.agent is not None:
        conditions.append(Document.tercero_id.in_(book_of_user(scope.agent.id)))
    if scope.nit is not None:
        conditions.append(Tercero.nit_base == scope.nit)
    return (
        select(
            Tercero.nit,
            Tercero.name.label("tercero"),
            encargado.name.label("encargado"),
            Document.doc_type,
            Document.number,
            Document.date,
            Document.due_date,
            Document.balance,
            by_document.label("followup_id"),
        )
        .join(Tercero, Tercero.id == Document.tercero_id)
        .outerjoin(encargado, encargado.id == Tercero.encargado_id)
        .where(*conditions)
        .order_by(Tercero.name, Document.due_date, Document.id)
    )


async def _performance_rows(
    session: AsyncSession, crm: Crm, actor: Actor, request: ReportRequest, scope: Scope
) -> list[tuple[Any, ...]]:
    """One row per agent: open and overdue now; closed, discarded, postponements and
    activities within the period; share of the period's closes done by the due time."""
    now = crm.now()
    start, end = _bounds(crm, request)
    conditions = _followup_conditions(actor, scope)
    closed_in = and_(FollowUp.closed_at >= start, FollowUp.closed_at < end)

    def count(condition: ColumnElement[bool]) -> Any:
        return func.sum(case((condition, 1), else_=0))

    followup_counts = {
        r[0]: r[1:]
        for r in (
            await session.execute(
                select(
                    FollowUp.owner_id,
                    count(FollowUp.status == "active"),
                    count(and_(FollowUp.status == "active", FollowUp.due_at < now)),
                    count(and_(FollowUp.status == "closed", closed_in)),
                    count(and_(FollowUp.status == "discarded", closed_in)),
                    count(
                        and_(
                            FollowUp.status == "closed",
                            closed_in,
                            FollowUp.closed_at <= FollowUp.due_at,
                        )
                    ),
                )
                .where(*conditions)
                .group_by(FollowUp.owner_id)
            )
        ).all()
    }
    event_counts = {
        r[0]: r[1:]
        for r in (
            await session.execute(
                select(
                    FollowUp.owner_id,
                    count(FollowUpEvent.kind == "postponed"),
                    count(FollowUpEvent.kind == "activity"),
                )
                .join(FollowUp, FollowUp.id == FollowUpEvent.followup_id)
                .where(FollowUpEvent.at >= start, FollowUpEvent.at < end, *conditions)
                .group_by(FollowUp.owner_id)
            )
        ).all()
    }
    user_conditions = [owner_filter(actor, User.id)]
    if scope.agent is not None:
        user_conditions.append(User.id == scope.agent.id)
    users = (
        await session.execute(select(User).where(*user_conditions).order_by(User.name))
    ).scalars()
    rows = []
    for user in users:
        opened, overdue, closed, discarded, on_time = (
            int(v or 0) for v in followup_counts.get(user.id, (0, 0, 0, 0, 0))
        )
        postponed, activities = (int(v or 0) for v in event_counts.get(user.id, (0, 0)))
        numbers = (opened, overdue, closed, discarded, postponed, activities)
        is_agent = user.role == "agent" and user.active
        if not is_agent and not any(numbers):
            continue
        rate = on_time / closed if closed else None
        rows.append((user.name, *numbers, rate))
    return rows


# --- building --------------------------------------------------------------------------------


async def build_report(
    crm: Crm,
    actor: Actor,
    request: ReportRequest,
    lang: str = "es",
    *,
    directory: Path | None = None,
    max_bytes: int | None = None,
    unlimited: bool = False,
) -> ReportFile:
    """Build the workbook for ``request`` within the actor's scope (agents their own book,
    supervisors their team, admins everyone); refuse files Telegram would not accept
    (``unlimited`` for files that stay on disk, e.g. the CLI)."""
    limit = None if unlimited else (max_bytes or MAX_UPLOAD_BYTES)
    _check_filters_apply(request.kind, request.filters)
    if request.kind == "contactos":  # the Ley 2300 compliance report (its own module)
        from crm import contact_report

        return await contact_report.build(
            crm, actor, request, lang, directory=directory, limit=limit
        )
    ctx = _Context(crm, lang, crm.today())
    kind = request.kind
    convert: Callable[[Any], Sequence[Any]]
    account: Callable[[Sequence[Any]], None] | None = None
    if kind in ("seguimientos", "agenda"):
        ctx.breakdown = Breakdown("chart.state", _header(kind, 4, lang))
        convert = lambda row: _followup_row(ctx, row)  # noqa: E731
        account = lambda values: ctx.breakdown.add(values[4])  # type: ignore[union-attr]  # noqa: E731
    elif kind == "actividades":
        ctx.breakdown = Breakdown("chart.agent", _header(kind, 4, lang))
        convert = lambda row: _event_row(ctx, row)  # noqa: E731
        account = lambda values: ctx.breakdown.add(values[4])  # type: ignore[union-attr]  # noqa: E731
    elif kind == "cartera":
        ctx.breakdown = Breakdown(
            "chart.aging",
            _header(kind, 8, lang),
            with_amount=True,
            fixed=tuple(_bucket_label(lang, b) for b in BUCKETS),
        )
        convert = lambda row: _cartera_row(ctx, row)  # noqa: E731

        def account(values: Sequence[Any]) -> None:
            ctx.total += values[7]
            ctx.breakdown.add(values[8], values[7])  # type: ignore[union-attr]

    else:
        convert = tuple

    fd, name = tempfile.mkstemp(prefix="informe-", suffix=".xlsx", dir=directory)
    os.close(fd)
    path = Path(name)
    book = ReportBook(path, kind, lang, convert, account)
    try:
        perf_rows: list[tuple[Any, ...]] = []
        async with read_session(crm.sessions) as session:
            scope = await _resolve(session, actor, request)
            if kind == "desempeno":
                perf_rows = await _performance_rows(session, crm, actor, request, scope)
                await asyncio.to_thread(book.add, perf_rows)
            else:
                if kind == "actividades":
                    query = _events_query(crm, actor, request, scope)
                elif kind == "cartera":
                    query = _cartera_query(actor, scope)
                else:
                    query = _followups_query(crm, actor, request, scope)
                result = await session.stream(query.execution_options(yield_per=CHUNK))
                async for chunk in result.partitions(CHUNK):
                    await asyncio.to_thread(book.add, chunk)
        facts = _facts(crm, actor, request, lang, book.rows, ctx)
        series: list[tuple[str, list[tuple[str, Any]]]] = []
        if kind == "desempeno":
            heads = [_header(kind, i, lang) for i in (1, 2, 3)]
            series = [(heads[j], [(str(r[0]), r[1 + j]) for r in perf_rows]) for j in range(3)]
        await asyncio.to_thread(book.finish, facts, ctx.breakdown, series)
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise ReportTooLarge()
    except TooManyRows:
        book.abandon()
        path.unlink(missing_ok=True)
        raise ReportTooLarge() from None
    except BaseException:
        book.abandon()
        path.unlink(missing_ok=True)
        raise
    if kind == "desempeno":
        breakdown = tuple(BreakdownLine(str(r[0]), int(r[3])) for r in perf_rows)
    else:
        assert ctx.breakdown is not None
        breakdown = tuple(BreakdownLine(k, c, a) for k, c, a in ctx.breakdown.items())
    return ReportFile(
        path=path,
        filename=request.filename,
        kind=kind,
        start=request.start,
        end=request.end,
        period=request.period,
        filters=request.describe_filters(),
        rows=book.rows,
        size=size,
        breakdown=breakdown,
        total=ctx.total if kind == "cartera" else None,
    )


def _header(kind: str, index: int, lang: str) -> str:
    return COLUMNS[kind][index].header(lang)


def _facts(
    crm: Crm, actor: Actor, request: ReportRequest, lang: str, rows: int, ctx: _Context
) -> list[tuple[str, Any]]:
    period = f"{request.start:%d/%m/%Y} – {request.end:%d/%m/%Y}"
    if request.period in PERIOD_WORDS:
        period = f"{request.period} ({period})"
    who = f"{actor.name} ({actor.code})" if actor.code else actor.name
    facts: list[tuple[str, Any]] = [
        (label(lang, "summary.report"), label(lang, f"sheet.{request.kind}")),
        (label(lang, "summary.period"), period),
        (
            label(lang, "summary.filters"),
            request.describe_filters() or label(lang, "summary.none"),
        ),
        (label(lang, "summary.requested_by"), who),
        (label(lang, "summary.generated"), local_naive(crm.now(), crm.tz)),
        (label(lang, "summary.rows"), rows),
    ]
    if request.kind == "cartera":
        facts.append((label(lang, "summary.total_balance"), ctx.total))
        facts.append(("", label(lang, "summary.cutoff")))
    return facts


# --- subscriptions ---------------------------------------------------------------------------

FREQUENCIES = {"diario": "daily", "daily": "daily", "semanal": "weekly", "weekly": "weekly"}
MAX_SUBSCRIPTIONS = 20
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    report: str
    frequency: str  # daily | weekly
    at_time: str
    filters: str
    next_run_at: datetime


@dataclass(frozen=True)
class Delivery:
    """One scheduled report to send: the file, or the reason it could not be made."""

    subscription_id: int
    telegram_id: int
    lang: str
    kind: str
    report: ReportFile | None
    error: CrmError | None = None


def next_occurrence(frequency: str, at: time, after: datetime, crm: Crm) -> datetime:
    """The first local ``at`` strictly after ``after`` (weekly: on a Monday), in UTC."""
    local_day = after.astimezone(crm.tz).date()
    if frequency == "weekly":
        local_day -= timedelta(days=local_day.weekday())
    step = timedelta(days=7 if frequency == "weekly" else 1)
    candidate = datetime.combine(local_day, at, crm.tz)
    while candidate <= after:
        local_day += step
        candidate = datetime.combine(local_day, at, crm.tz)
    return candidate.astimezone(after.tzinfo)


def _parse_time(token: str) -> time:
    match = re.fullmatch(r"(\d{1,2})[:.h](\d{2})", token.strip().lower())
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise InvalidInput("error.subscribe_bad_time", value=html.escape(token))
    return time(int(match[1]), int(match[2]))


def subscription_request(
    report: str, frequency: str, at_time: str, filters: Sequence[tuple[str, str]], today: date
) -> ReportRequest:
    """The period a delivery covers: the agenda as it stands; a daily delivery before noon
    covers yesterday, at noon or later today; a weekly one (Mondays) the previous week."""
    if report in ("agenda", "cartera"):
        word = "hoy"
        start, end = period_range(word, today)
    elif frequency == "weekly":
        end = today - timedelta(days=today.weekday() + 1)
        start, word = end - timedelta(days=6), ""
    else:
        word = "ayer" if time.fromisoformat(at_time) < time(12) else "hoy"
        start, end = period_range(word, today)
    return ReportRequest(report, start, end, word, tuple(filters))


def _view(sub: Subscription) -> SubscriptionView:
    filters = tuple(tuple(f) for f in json.loads(sub.filters or "[]"))
    text = " ".join(f"{k}:{_quote(v)}" for k, v in filters)
    return SubscriptionView(sub.id, sub.report, sub.frequency, sub.at_time, text, sub.next_run_at)


async def subscribe(crm: Crm, actor: Actor, args: str | Sequence[str]) -> SubscriptionView:
    """``TIPO diario|semanal HH:MM [filtros]``: deliver a report on a schedule (weekly on
    Mondays) in the local time zone; the filters are checked against the actor's scope now."""
    if actor.id is None:
        raise InvalidInput("error.subscribe_needs_user")
    tokens = split_args(args)
    if len(tokens) < 3:
        raise InvalidInput("error.subscribe_usage")
    report = normalize_text(tokens[0])
    if report not in REPORT_KINDS:
        raise InvalidInput("error.report_bad_kind", value=html.escape(tokens[0]))
    frequency = FREQUENCIES.get(normalize_text(tokens[1]))
    if frequency is None:
        raise InvalidInput("error.subscribe_bad_frequency", value=html.escape(tokens[1]))
    at = _parse_time(tokens[2])
    filters = parse_filters(tokens[3:])
    _check_filters_apply(report, filters)
    now = crm.now()
    async with crm.sessions.begin() as session:
        # Resolving now refuses unknown names and agents outside the actor's scope.
        await _resolve(
            session, actor, ReportRequest(report, crm.today(), crm.today(), "", filters)
        )
        existing = await session.scalar(
            select(func.count(Subscription.id)).where(
                Subscription.user_id == actor.id, Subscription.active.is_(True)
            )
        )
        if (existing or 0) >= MAX_SUBSCRIPTIONS:
            raise InvalidInput("error.subscribe_limit", limit=MAX_SUBSCRIPTIONS)
        sub = Subscription(
            user_id=actor.id,
            report=report,
            frequency=frequency,
            at_time=at.strftime("%H:%M"),
            filters=json.dumps([list(f) for f in filters], ensure_ascii=False),
            next_run_at=next_occurrence(frequency, at, now, crm),
            active=True,
        )
        session.add(sub)
        await session.flush()
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="subscription",
            entity_id=sub.id,
            action="create",
            after={
                "report": report,
                "frequency": frequency,
                "at": sub.at_time,
                "filters": filters,
            },
        )
        return _view(sub)


async def list_subscriptions(crm: Crm, actor: Actor) -> list[SubscriptionView]:
    """The actor's active subscriptions, soonest first."""
    if actor.id is None:
        return []
    async with crm.sessions() as session:
        subs = (
            await session.scalars(
                select(Subscription)
                .where(Subscription.user_id == actor.id, Subscription.active.is_(True))
                .order_by(Subscription.next_run_at, Subscription.id)
            )
        ).all()
    return [_view(s) for s in subs]


async def cancel_subscription(crm: Crm, actor: Actor, subscription_id: int) -> SubscriptionView:
    """Stop a subscription (its owner or an admin)."""
    now = crm.now()
    async with crm.sessions.begin() as session:
        sub = await session.get(Subscription, subscription_id, with_for_update=True)
        if sub is None or not sub.active:
            raise NotFound()
        if sub.user_id != actor.id and not actor.is_admin:
            raise NotAuthorized()
        sub.active = False
        sub.claimed_by = None
        sub.claimed_until = None
        audit.record(
            session,
            at=now,
            actor_id=actor.id,
            entity="subscription",
            entity_id=sub.id,
            action="cancel",
            before={"active": True},
            after={"active": False},
        )
        return _view(sub)


async def _claim(crm: Crm, subscription_id: int, instance: str, lease: timedelta) -> bool:
    """Take the delivery with a conditional UPDATE; exactly one instance gets rowcount 1."""
    now = crm.now()
    async with crm.sessions.begin() as session:
        result = await session.execute(
            update(Subscription)
            .where(
                Subscription.id == subscription_id,
                Subscription.active.is_(True),
                Subscription.next_run_at <= now,
                or_(Subscription.claimed_until.is_(None), Subscription.claimed_until < now),
            )
            .values(claimed_by=instance, claimed_until=now + lease)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def _advance(crm: Crm, sub: Subscription, instance: str) -> None:
    now = crm.now()
    following = next_occurrence(sub.frequency, time.fromisoformat(sub.at_time), now, crm)
    async with crm.sessions.begin() as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.id == sub.id, Subscription.claimed_by == instance)
            .values(next_run_at=following, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )


async def due_subscriptions(
    crm: Crm,
    instance: str,
    deliver: Callable[[Delivery], Awaitable[None]],
    *,
    default_lang: str = "es",
    lease: timedelta = LEASE,
    limit: int = 20,
) -> int:
    """Deliver every subscription whose time has come, each by exactly one instance: claim,
    build, ``deliver``, then move ``next_run_at`` on. A delivery that crashes is retried when
    its lease ends; missed runs (bot down) are delivered once, not once per missed day."""
    now = crm.now()
    async with crm.sessions() as session:
        candidates = (
            await session.scalars(
                select(Subscription.id)
                .where(
                    Subscription.active.is_(True),
                    Subscription.next_run_at <= now,
                    or_(Subscription.claimed_until.is_(None), Subscription.claimed_until < now),
                )
                .order_by(Subscription.next_run_at, Subscription.id)
                .limit(limit)
            )
        ).all()
    delivered = 0
    for subscription_id in candidates:
        if not await _claim(crm, subscription_id, instance, lease):
            continue
        async with crm.sessions() as session:
            sub = await session.get(Subscription, subscription_id)
            user = await session.get(User, sub.user_id) if sub else None
        assert sub is not None
        if user is None or not user.active:
            await _retire(crm, subscription_id)
            continue
        actor = actor_from(user)
        lang = user.language if user.language in ("es", "en") else default_lang
        filters = [tuple(f) for f in json.loads(sub.filters or "[]")]
        request = subscription_request(
            sub.report, sub.frequency, sub.at_time, filters, crm.today()
        )  # type: ignore[arg-type]
        report: ReportFile | None = None
        try:
            try:
                report = await build_report(crm, actor, request, lang)
                delivery = Delivery(sub.id, user.telegram_id, lang, sub.report, report)
            except CrmError as exc:
                # The user lost access to a filter or the file grew too big: say so once.
                delivery = Delivery(sub.id, user.telegram_id, lang, sub.report, None, exc)
            await deliver(delivery)
        except Exception:
            log.exception("subscription %s: delivery failed; retried after the lease", sub.id)
            continue
        finally:
            if report is not None:
                report.discard()
        await _advance(crm, sub, instance)
        delivered += 1
    return delivered


async def _retire(crm: Crm, subscription_id: int) -> None:
    async with crm.sessions.begin() as session:
        await session.execute(
            update(Subscription)
            .where(Subscription.id == subscription_id)
            .values(active=False, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
