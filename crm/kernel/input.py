"""The one input grammar: what a user may type for a day, a period, a due time and a filter.

/agenda, /informe, /nuevo's due, Continuar's typed due, the tercero's Documentos Desde/Hasta
and promise dates all read typed words through here, so what the buttons say ("mañana 8:00",
"en 5 h", "semana") can be typed too, and the same words mean the same everywhere.

Days: ``hoy``, ``ayer``, ``mañana``/``manana`` (English too), ``2026-12-05``, ``05/12/2026``,
``5/12`` (this year), also with ``-`` or ``.``. Periods: a day, ``vencidos``, ``semana``
(Monday of this week to today), ``mes`` (the 1st to today), ``7 días``/``7d`` (the last N days,
today included), ``todos``, or two days (a range). Due times: ``en 5 h``, ``5h``,
``mañana 8:00``, ``mañana`` (8:00), ``hoy 17:00``, ``17:00`` (today, or tomorrow when already
past), a day with or without ``HH:MM`` (8:00). Names (``tipo:``, ``estado:``) ignore case and
accents and may be a unique prefix or a unique part. Years outside 2000–2099 are refused.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from crm.kernel.errors import InvalidInput
from crm.kernel.text import normalize_text

MIN_YEAR, MAX_YEAR = 2000, 2099
MORNING = time(8, 0)
MAX_DUE_HOURS = 720
MAX_LAST_DAYS = 366

TODAY_WORDS = {"hoy": 0, "today": 0, "ayer": -1, "yesterday": -1, "manana": 1, "tomorrow": 1}
OVERDUE_WORDS = ("vencidos", "vencido", "overdue")
ALL_WORDS = ("todos", "todo", "all")
WEEK_WORDS = ("semana", "week")
MONTH_WORDS = ("mes", "month")
DAY_UNITS = ("d", "dia", "dias", "day", "days")
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

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?", re.ASCII)
_HM = re.compile(r"(\d{1,2})[:h.](\d{2})", re.ASCII)
_LAST_DAYS = re.compile(r"(\d{1,3})\s*(d|dias|dia|days|day)", re.ASCII)
_IN_HOURS = re.compile(
    r"(?:en\s+|in\s+|\+)?(\d{1,4})\s*(h|hr|hrs|horas|hora|hours|hour)", re.ASCII
)


# --- words -----------------------------------------------------------------------------------


def split_words(text: str | Sequence[str]) -> list[str]:
    """Words of a command line; quotes group words (``tipo:"Cobro de cartera"``), and the
    curly quotes phones type count as straight ones."""
    raw = text if isinstance(text, str) else " ".join(text)
    raw = raw.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")
    try:
        return shlex.split(raw)
    except ValueError:
        # An unbalanced quote: fall back to plain words rather than refusing everything.
        return raw.replace('"', " ").split()


# --- days ------------------------------------------------------------------------------------


def try_day(text: str, today: date) -> date | None:
    """The day ``text`` names, None when it is not a day at all; InvalidInput when it looks
    like one but does not exist (31/02) or is outside 2000–2099."""
    value = normalize_text(text).strip()
    if value in TODAY_WORDS:
        return today + timedelta(days=TODAY_WORDS[value])
    if m := _ISO.fullmatch(value):
        year, month, day_ = (int(g) for g in m.groups())
    elif m := _DMY.fullmatch(value):
        day_, month = int(m.group(1)), int(m.group(2))
        typed_year = m.group(3)
        if typed_year is None:
            year = today.year
        else:
            year = int(typed_year) + (2000 if len(typed_year) == 2 else 0)
    else:
        return None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput("error.input_year_range", value=text, min=MIN_YEAR, max=MAX_YEAR)
    try:
        return date(year, month, day_)
    except ValueError:
        raise InvalidInput("error.input_bad_date", value=text) from None


def parse_day(text: str, today: date) -> date:
    """A typed day (see the module docstring); InvalidInput explaining the forms otherwise."""
    found = try_day(text, today)
    if found is None:
        raise InvalidInput("error.input_bad_date", value=text)
    return found


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """``word``: today | overdue | all | day | range (with ``start``/``end``, inclusive)."""

    kind: str
    start: date | None = None
    end: date | None = None
    label: str = ""


def parse_period(words: list[str], today: date) -> tuple[Period | None, list[str]]:
    """Read a period from the front of ``words``; returns it (None when there is none) and
    the words left (filters, usually)."""
    rest = list(words)
    if not rest:
        return None, rest
    first = normalize_text(rest[0])
    if first in ("hoy", "today"):
        return Period("today", today, today, "hoy"), rest[1:]
    if first in TODAY_WORDS:  # ayer, mañana (and English): one day, named as typed
        day = today + timedelta(days=TODAY_WORDS[first])
        label = {-1: "ayer", 1: "mañana"}[TODAY_WORDS[first]]
        return Period("day", day, day, label), rest[1:]
    if first in OVERDUE_WORDS:
        return Period("overdue", label="vencidos"), rest[1:]
    if first in ALL_WORDS:
        return Period("all", label="todos"), rest[1:]
    if first in WEEK_WORDS:
        return Period("range", today - timedelta(days=today.weekday()), today, "semana"), rest[1:]
    if first in MONTH_WORDS:
        return Period("range", today.replace(day=1), today, "mes"), rest[1:]
    last = _LAST_DAYS.fullmatch(first)
    consumed = 1
    if last is None and first.isdigit() and len(rest) > 1 and normalize_text(rest[1]) in DAY_UNITS:
        last, consumed = _LAST_DAYS.fullmatch(first + normalize_text(rest[1])), 2
    if last is not None:
        days = int(last.group(1))
        if not 1 <= days <= MAX_LAST_DAYS:
            raise InvalidInput("error.input_bad_days", value=rest[0], max=MAX_LAST_DAYS)
        label = f"{days} días"
        return Period("range", today - timedelta(days=days - 1), today, label), rest[consumed:]
    start = try_day(rest[0], today)
    if start is None:
        return None, rest
    end = try_day(rest[1], today) if len(rest) > 1 else None
    if end is None:
        return Period("day", start, start, start.isoformat()), rest[1:]
    if end < start:
        raise InvalidInput("error.input_range_reversed", start=rest[0], end=rest[1])
    return Period("range", start, end, f"{start.isoformat()} {end.isoformat()}"), rest[2:]


# --- due times -------------------------------------------------------------------------------


def _clock(text: str) -> time | None:
    if m := _HM.fullmatch(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour < 24 and minute < 60:
            return time(hour, minute)
        raise InvalidInput("error.new_bad_due")
    return None


def parse_due(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A typed due (see the module docstring) in ``tz``; it must be in the future. A day
    without a year long past means next year (typed in late December for January)."""
    value = " ".join(normalize_text(text).split())
    if not value:
        raise InvalidInput("error.new_bad_due")
    if m := _IN_HOURS.fullmatch(value):
        hours = int(m.group(1))
        if not 1 <= hours <= MAX_DUE_HOURS:
            raise InvalidInput("error.bad_hours", min=1, max=MAX_DUE_HOURS)
        return now + timedelta(hours=hours)
    local_now = now.astimezone(tz)
    today = local_now.date()
    parts = value.split(" ")
    at = _clock(parts[-1])
    day_words = parts[:-1] if at is not None else parts
    if not day_words:
        # A time alone: today, or tomorrow when that time has already passed.
        assert at is not None
        due = datetime.combine(today, at, tz)
        return due if due > now else due + timedelta(days=1)
    if len(day_words) != 1:
        raise InvalidInput("error.new_bad_due")
    day_text = day_words[0]
    try:
        day = try_day(day_text, today)
    except InvalidInput as exc:
        if exc.key == "error.input_bad_date":  # 30/02: explain the due forms
            raise InvalidInput("error.new_bad_due") from None
        raise
    if day is None:
        raise InvalidInput("error.new_bad_due")
    due = datetime.combine(day, at or MORNING, tz)
    year_typed = _ISO.fullmatch(day_text) or (
        (m := _DMY.fullmatch(day_text)) is not None and m.group(3) is not None
    )
    if not year_typed and day_text not in TODAY_WORDS and due < now - timedelta(days=30):
        try:
            due = due.replace(year=day.year + 1)
        except ValueError:  # 29/02
            raise InvalidInput("error.new_bad_due") from None
    if due <= now:
        raise InvalidInput("error.due_in_past")
    return due


# --- names -----------------------------------------------------------------------------------


class Named(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


def match_name(typed: str, items: Sequence[Named], error_key: str) -> int:
    """The id of the item ``typed`` names: the same name ignoring case and accents, else the
    only one it is a prefix of, else the only one containing it."""
    wanted = normalize_text(typed.replace("_", " ")).strip()
    names = [(normalize_text(i.name), i) for i in items]
    for name, item in names:
        if name == wanted:
            return item.id
    if wanted:
        for found in (
            [i for n, i in names if n.startswith(wanted)],
            [i for n, i in names if wanted in n],
        ):
            if len(found) == 1:
                return found[0].id
            if found:
                break  # ambiguous: say which names there are
    raise InvalidInput(error_key, value=typed, valid=", ".join(i.name for i in items))


def status_word(typed: str) -> str | None:
    """``activo|cerrado|descartado`` (and their plurals, English) as a status, else None."""
    return STATUS_WORDS.get(normalize_text(typed).strip())
