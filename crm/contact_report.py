"""The Ley 2300 compliance report: ``/informe contactos [PERIODO] [filtros]``.

One row per contact attempt in the period (registered, blocked by the guard, or registered by
a supervisor's exception), with the columns ``Fecha``, ``Responsable``, ``NIT``, ``Tercero``,
``Canal``, ``Resultado``, ``Cumple``, ``Motivo``; the Resumen counts per agent the contacts made
(exceptions included), the attempts the guard blocked and the exceptions. Scope as every
report: agents their own attempts, supervisors their team's, admins everyone's.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from sqlalchemy import select

from crm import ley2300
from crm.context import Crm
from crm.errors import InvalidInput
from crm.permissions import owner_filter
from crm.report_workbook import DATETIME_FORMAT, EXCEL_MAX_ROWS, clean_text, local_naive
from crm.users import Actor
from storage.db import read_session
from storage.models import ContactAttempt, FollowUp, Tercero, User

KIND = "contactos"
CHUNK = 500
HEADERS = ("Fecha", "Responsable", "NIT", "Tercero", "Canal", "Resultado", "Cumple", "Motivo")
WIDTHS = (17, 22, 15, 32, 11, 17, 8, 60)
SUMMARY_HEADERS = {
    "es": ("Responsable", "Contactos", "Intentos bloqueados", "Excepciones"),
    "en": ("Owner", "Contacts", "Blocked attempts", "Exceptions"),
}
WORDS: dict[str, dict[str, str]] = {
    "es": {
        "sheet": "contactos",
        "summary": "Resumen",
        "report": "Informe",
        "period": "Periodo",
        "filters": "Filtros",
        "none": "Ninguno",
        "requested_by": "Solicitado por",
        "generated": "Generado",
        "rows": "Filas",
        "week": "Semana contada: calendario (lunes a domingo). El bot es una herramienta, "
        "no asesoría legal.",
        "yes": "Sí",
        "no": "No",
        "blocked": "bloqueado",
        "not_protected": "Ley 2300 no aplica (persona jurídica o ley desactivada)",
        "override": "Excepción de {who}: {reason}",
        "sunday": "Domingo",
        "holiday": "Festivo ({day}, {holiday})",
        "hours": "Fuera de horario ({when})",
        "when.before": "antes de las {limit}",
        "when.after": "después de las {limit}",
        "when.sat_before": "sábado antes de las {limit}",
        "when.sat_after": "sábado después de las {limit}",
        "today": "Ya hubo un contacto hoy ({time}, {who}, {channel})",
        "week_rule": "Esta semana ya se usó {channel}",
        "channel": "Canal no autorizado",
    },
    "en": {
        "sheet": "contactos",
        "summary": "Summary",
        "report": "Report",
        "period": "Period",
        "filters": "Filters",
        "none": "None",
        "requested_by": "Requested by",
        "generated": "Generated",
        "rows": "Rows",
        "week": "Week counted: calendar (Monday to Sunday). The bot is a tool, not legal advice.",
        "yes": "Yes",
        "no": "No",
        "blocked": "blocked",
        "not_protected": "Ley 2300 does not apply (legal person or law switched off)",
        "override": "Exception by {who}: {reason}",
        "sunday": "Sunday",
        "holiday": "Public holiday ({day}, {holiday})",
        "hours": "Outside hours ({when})",
        "when.before": "before {limit}",
        "when.after": "after {limit}",
        "when.sat_before": "Saturday before {limit}",
        "when.sat_after": "Saturday after {limit}",
        "today": "Already contacted today ({time}, {who}, {channel})",
        "week_rule": "{channel} was already used this week",
        "channel": "Channel not authorised",
    },
}
BOLD = Font(bold=True)


def word(lang: str, key: str, **params: str) -> str:
    text = WORDS.get(lang, WORDS["es"])[key]
    return text.format(**params) if params else text


def rule_text(lang: str, rule: str, detail: str | None) -> str:
    """The guard's reason, as the card says it (without the ⛔)."""
    params = ley2300.display_params(json.loads(detail) if detail else {}, lang)
    if rule == ley2300.Rule.HOURS:
        when = word(lang, f"when.{params.get('when', 'after')}", limit=params.get("limit", ""))
        return word(lang, "hours", when=when)
    if rule == ley2300.Rule.WEEK:
        return word(lang, "week_rule", channel=params.get("channel", ""))
    key = rule if rule in WORDS["es"] else "channel"
    try:
        return word(lang, key, **params)
    except KeyError:
        return word(lang, key, **{k: "" for k in ("day", "holiday", "time", "who", "channel")})


@dataclass(frozen=True)
class AgentCounts:
    name: str
    contacts: int
    blocked: int
    overrides: int


def _row(lang: str, tz: Any, r: Any) -> tuple[Any, ...]:
    motive: str | None
    if r.outcome == "blocked":
        complies, result = word(lang, "no"), word(lang, "blocked")
        motive = rule_text(lang, r.rule or "", r.rule_detail)
    elif r.outcome == "override":
        complies, result = word(lang, "no"), r.result
        reason = word(lang, "override", who=r.actor or "", reason=r.override_reason or "")
        motive = f"{rule_text(lang, r.rule or '', r.rule_detail)} · {reason}"
    else:
        complies, result = word(lang, "yes"), r.result
        motive = None if r.protected else word(lang, "not_protected")
    return (
        local_naive(r.at, tz),
        r.actor,
        r.nit,
        r.tercero,
        ley2300.channel_label(r.channel),
        result,
        complies,
        motive,
    )


def _query(crm: Crm, actor: Actor, request: Any, scope: Any) -> Any:
    start = crm.local_midnight(request.start)
    end = crm.local_midnight(request.end + timedelta(days=1))
    query = (
        select(
            ContactAttempt.at,
            User.name.label("actor"),
            User.id.label("actor_id"),
            Tercero.nit,
            Tercero.name.label("tercero"),
            ContactAttempt.channel,
            ContactAttempt.result,
            ContactAttempt.outcome,
            ContactAttempt.rule,
            ContactAttempt.rule_detail,
            ContactAttempt.override_reason,
            ContactAttempt.protected,
        )
        .join(Tercero, Tercero.id == ContactAttempt.tercero_id)
        .outerjoin(User, User.id == ContactAttempt.actor_id)
        .where(
            ContactAttempt.at >= start,
            ContactAttempt.at < end,
            owner_filter(actor, ContactAttempt.actor_id),
        )
        .order_by(ContactAttempt.at, ContactAttempt.id)
    )
    if scope.agent is not None:
        query = query.where(ContactAttempt.actor_id == scope.agent.id)
    if scope.nit is not None:
        query = query.where(Tercero.nit_base == scope.nit)
    if scope.type_id is not None:
        query = query.where(
            ContactAttempt.followup_id.in_(
                select(FollowUp.id).where(FollowUp.type_id == scope.type_id)
            )
        )
    return query


class _Book:
    """A write-only workbook: the contactos sheet streamed, then the Resumen."""

    def __init__(self, path: Path, lang: str) -> None:
        self.path = path
        self.lang = lang
        self.wb = Workbook(write_only=True)
        self.data = self.wb.create_sheet(word(lang, "sheet"))
        self.summary = self.wb.create_sheet(word(lang, "summary"))
        for index, width in enumerate(WIDTHS, 1):
            self.data.column_dimensions[get_column_letter(index)].width = width
        self.data.freeze_panes = "A2"
        self.data.append([self._bold(self.data, h) for h in HEADERS])
        self.rows = 0

    @staticmethod
    def _bold(sheet: Any, value: Any) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value)
        cell.font = BOLD
        return cell

    def add(self, rows: Sequence[tuple[Any, ...]]) -> None:
        for values in rows:
            if self.rows >= EXCEL_MAX_ROWS:
                raise InvalidInput("error.report_too_large")
            cells: list[Any] = []
            for value in values:
                if isinstance(value, datetime):
                    cell = WriteOnlyCell(self.data, value)
                    cell.number_format = DATETIME_FORMAT
                    cells.append(cell)
                elif isinstance(value, str):
                    cells.append(clean_text(value))
                else:
                    cells.append(value)
            self.data.append(cells)
            self.rows += 1

    def finish(self, facts: Sequence[tuple[str, Any]], counts: Sequence[AgentCounts]) -> None:
        self.data.auto_filter = AutoFilter(ref=f"A1:H{self.rows + 1}")
        sheet = self.summary
        for col, width in zip("ABCD", (26, 34, 20, 14), strict=True):
            sheet.column_dimensions[col].width = width
        for name, value in facts:
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = DATETIME_FORMAT
                value = cell
            sheet.append([self._bold(sheet, name), value])
        sheet.append([])
        sheet.append(
            [self._bold(sheet, h) for h in SUMMARY_HEADERS.get(self.lang, SUMMARY_HEADERS["es"])]
        )
        for c in counts:
            sheet.append([c.name, c.contacts, c.blocked, c.overrides])
        self.wb.save(self.path)


async def build(
    crm: Crm,
    actor: Actor,
    request: Any,
    lang: str = "es",
    *,
    directory: Path | None = None,
    limit: int | None = None,
) -> Any:
    """Build the contactos workbook; returns a crm.reports.ReportFile."""
    from crm.reports import BreakdownLine, ReportFile, ReportTooLarge, _resolve

    if request.filter("estado") is not None:
        raise InvalidInput("error.report_filter_not_for", name="estado", kind=KIND)
    fd, name = tempfile.mkstemp(prefix="informe-", suffix=".xlsx", dir=directory)
    os.close(fd)
    path = Path(name)
    book = _Book(path, lang)
    per_agent: dict[str, list[int]] = {}
    try:
        async with read_session(crm.sessions) as session:
            scope = await _resolve(session, actor, request)
            result = await session.stream(
                _query(crm, actor, request, scope).execution_options(yield_per=CHUNK)
            )
            async for chunk in result.partitions(CHUNK):
                rows = []
                for r in chunk:
                    counts = per_agent.setdefault(r.actor or "—", [0, 0, 0])
                    if r.outcome == "blocked":
                        counts[1] += 1
                    else:
                        counts[0] += 1
                        counts[2] += r.outcome == "override"
                    rows.append(_row(lang, crm.tz, r))
                await asyncio.to_thread(book.add, rows)
        agents = [AgentCounts(k, *v) for k, v in sorted(per_agent.items())]
        period = f"{request.start:%d/%m/%Y} – {request.end:%d/%m/%Y}"
        if request.period and not request.period[0].isdigit():
            period = f"{request.period} ({period})"
        who = f"{actor.name} ({actor.code})" if actor.code else actor.name
        facts: list[tuple[str, Any]] = [
            (word(lang, "report"), KIND),
            (word(lang, "period"), period),
            (word(lang, "filters"), request.describe_filters() or word(lang, "none")),
            (word(lang, "requested_by"), who),
            (word(lang, "generated"), local_naive(crm.now(), crm.tz)),
            (word(lang, "rows"), book.rows),
            ("", word(lang, "week")),
        ]
        await asyncio.to_thread(book.finish, facts, agents)
        size = path.stat().st_size
        if limit is not None and size > limit:
            raise ReportTooLarge()
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return ReportFile(
        path=path,
        filename=request.filename,
        kind=KIND,
        start=request.start,
        end=request.end,
        period=request.period,
        filters=request.describe_filters(),
        rows=book.rows,
        size=size,
        breakdown=tuple(
            BreakdownLine(a.name, a.contacts)
            for a in sorted(agents, key=lambda a: (-a.contacts, a.name))
        ),
    )
