"""The words typed after /informe (or chosen with buttons) parsed into a
:class:`~crm.reports.request.ReportRequest`: the report kind, the period and the filters.

This is the only module of the package that reads chat words, so it can be swapped for the
shared input grammar without touching the queries or the workbook.

Periods: ``hoy`` and ``ayer`` are one local day; ``semana`` is Monday of the current week up
to today; ``mes`` is the 1st of the current month up to today; dates are taken as typed (both
ends included).
"""

from __future__ import annotations

import html
import shlex
from collections.abc import Sequence
from datetime import date, timedelta

from crm.kernel import input as grammar
from crm.kernel.errors import InvalidInput
from crm.kernel.text import normalize_text
from crm.reports import registry
from crm.reports.request import FILTER_KEYS, PERIOD_WORDS, ReportRequest


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


# The shared grammar's refusals, in the words of /informe (their texts show its usage).
_REPORT_KEYS = {
    "error.input_bad_date": "error.report_bad_date",
    "error.input_year_range": "error.report_bad_date",
    "error.input_range_reversed": "error.report_range_reversed",
    "error.input_bad_days": "error.report_bad_argument",
}


def parse_request(args: str | Sequence[str], today: date) -> ReportRequest:
    """``TIPO [PERIODO] [filtros]`` → a request; InvalidInput shows the right form. PERIODO is
    any period of the shared grammar (``crm/input.py``): ``hoy``, ``ayer``, ``mañana``,
    ``semana``, ``mes``, ``7d``/``7 días``, a day or two days."""
    tokens = split_args(args)
    if not tokens:
        raise InvalidInput("error.report_bad_kind", value="")
    kind = kind_named(tokens[0])
    try:
        period, rest = grammar.parse_period(tokens[1:], today)
    except InvalidInput as exc:
        key = _REPORT_KEYS.get(exc.key, exc.key)
        value = exc.params.get("value") or " ".join(tokens[1:3])
        if key == "error.report_range_reversed":
            raise InvalidInput(key, **exc.params) from None
        raise InvalidInput(key, value=html.escape(str(value))) from None
    if period is not None and (period.start is None or period.end is None):
        # vencidos / todos are agenda words: a report covers dates.
        raise InvalidInput("error.report_bad_argument", value=html.escape(tokens[1]))
    filters = parse_filters(rest)
    if period is None:
        word = default_period(kind)
        start, end = period_range(word, today)
        return build_request(kind, start, end, filters, word)
    assert period.start is not None and period.end is not None
    return build_request(kind, period.start, period.end, filters, period.label)


def build_request(
    kind: str,
    start: date,
    end: date,
    filters: Sequence[tuple[str, str]] = (),
    period: str = "",
) -> ReportRequest:
    """A request from typed parts (the CLI, subscriptions): the kind by name, an inclusive
    range inside 2000–2099, filters checked against the kind."""
    kind = kind_named(kind)
    for day in (start, end):
        if not grammar.MIN_YEAR <= day.year <= grammar.MAX_YEAR:
            raise InvalidInput("error.report_bad_date", value=day.isoformat())
    if end < start:
        raise InvalidInput(
            "error.report_range_reversed", start=start.isoformat(), end=end.isoformat()
        )
    checked = tuple((normalize_text(k), v) for k, v in filters)
    for key, value in checked:
        if key not in FILTER_KEYS or not value.strip():
            raise InvalidInput("error.report_bad_filter", value=html.escape(f"{key}:{value}"))
    check_filters_apply(kind, checked)
    if not period:
        period = start.isoformat() if start == end else f"{start.isoformat()} {end.isoformat()}"
    return ReportRequest(kind, start, end, period, checked)


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
