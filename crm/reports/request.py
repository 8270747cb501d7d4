"""What a report is asked for: the words typed after /informe (or chosen with buttons) parsed
into a :class:`ReportRequest`.

This is the only module of the package that reads chat words, so it can be swapped for the
shared input grammar without touching the queries or the workbook.

Periods: ``hoy`` and ``ayer`` are one local day; ``semana`` is Monday of the current week up
to today; ``mes`` is the 1st of the current month up to today; dates are taken as typed (both
ends included).
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from crm.errors import InvalidInput
from crm.reports import registry
from crm.text import normalize_text

PERIOD_WORDS = ("hoy", "ayer", "semana", "mes")
FILTER_KEYS = ("agente", "tipo", "estado", "nit")
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
        return describe_filters(self.filters)


def describe_filters(filters: Sequence[Sequence[str]]) -> str:
    return " ".join(f"{k}:{quote(v)}" for k, v in filters)


def quote(value: str) -> str:
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
    known = registry.find(kind)
    return known.default_period if known is not None else "mes"


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


def kind_named(word: str) -> str:
    """The report kind a typed word names (accents, case and aliases forgiven)."""
    found = registry.find(normalize_text(word))
    if found is None:
        raise InvalidInput("error.report_bad_kind", value=html.escape(word))
    return found.name


def parse_request(args: str | Sequence[str], today: date) -> ReportRequest:
    """``TIPO [PERIODO] [filtros]`` → a request; InvalidInput shows the right form."""
    tokens = split_args(args)
    if not tokens:
        raise InvalidInput("error.report_bad_kind", value="")
    kind = kind_named(tokens[0])
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
    check_filters_apply(kind, filters)
    return ReportRequest(kind, start, end, period, filters)


def request_for(kind: str, period: str, today: date) -> ReportRequest:
    """A request from the /informe buttons (kind and period word, no filters)."""
    if kind not in registry.names() or period not in PERIOD_WORDS:
        raise InvalidInput("error.report_bad_kind", value=html.escape(kind))
    start, end = period_range(period, today)
    return ReportRequest(kind, start, end, period)


def check_filters_apply(kind: str, filters: Sequence[tuple[str, str]]) -> None:
    """Refuse a filter the report kind cannot honour (``tipo`` on cartera)."""
    refused = registry.get(kind).refused_filters
    for key, _ in filters:
        if key in refused:
            raise InvalidInput("error.report_filter_not_for", name=key, kind=kind)
