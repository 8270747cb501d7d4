"""The Ley 2300 de 2023 contact guard ("dejen de fregar"), as pure rules over local time.

Who is protected is ``CRM_LEY_2300``: ``naturales`` (default) protects terceros marked ``N``
and those the ERP gave no ``tipo_persona`` for; ``todos`` protects everyone; ``no`` nobody.
For a protected tercero a contact is allowed only:

- Monday to Friday 07:00–19:00 and Saturday 08:00–15:00 (local time, ``CRM_TIMEZONE``; the
  end minute itself is outside: 19:00 and 15:00 are already too late);
- never on a Sunday or a Colombian public holiday (the maintained ``holidays`` calendar, with
  the Emiliani "observed" Mondays);
- at most once a local day, whoever made the contact;
- through a single channel per **calendar week** (Monday to Sunday, local time);
- through a channel the tercero authorised (``canales_autorizados``; none given = any).

The bot is a tool, not legal advice: these are the rules as the team configured them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays


class Channel(StrEnum):
    LLAMADA = "llamada"
    WHATSAPP = "whatsapp"
    SMS = "sms"
    CORREO = "correo"
    VISITA = "visita"


class ContactResult(StrEnum):
    """Stored as the words the team uses (the contactos report shows them as they are)."""

    CONTESTO = "contestó"
    NO_CONTESTO = "no contestó"
    NUMERO_ERRADO = "número errado"
    PROMESA = "promesa de pago"
    PAGO_REPORTADO = "pago reportado"
    OTRO = "otro"


class Rule(StrEnum):
    """Why a contact is not allowed; each has a text ``ley.<value>``."""

    SUNDAY = "sunday"
    HOLIDAY = "holiday"
    HOURS = "hours"
    TODAY = "today"
    WEEK = "week"
    CHANNEL = "channel"


class Protection(StrEnum):
    NATURALES = "naturales"
    TODOS = "todos"
    NO = "no"


CHANNELS = tuple(Channel)
CHANNEL_LABELS = {
    Channel.LLAMADA: "llamada",
    Channel.WHATSAPP: "WhatsApp",
    Channel.SMS: "SMS",
    Channel.CORREO: "correo",
    Channel.VISITA: "visita",
}
RESULTS = tuple(ContactResult)
WEEKDAY_WINDOW = (time(7, 0), time(19, 0))
SATURDAY_WINDOW = (time(8, 0), time(15, 0))
SATURDAY, SUNDAY = 5, 6


@dataclass(frozen=True)
class PriorContact:
    """A contact that counts for the daily and weekly rules (registered or overridden)."""

    at: datetime
    actor_name: str
    channel: str


@dataclass(frozen=True)
class Verdict:
    """The guard's answer; ``rule`` is None when allowed. ``params`` fill the rule's text."""

    protected: bool
    rule: Rule | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # Channels a contact could use today (empty when the day itself is closed).
    channels: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.rule is None


# --- parsing what the ERP sends --------------------------------------------------------------

_SPLIT = re.compile(r"[;,/|]")
_CHANNEL_WORDS = {
    "llamada": Channel.LLAMADA,
    "llamadas": Channel.LLAMADA,
    "telefono": Channel.LLAMADA,
    "teléfono": Channel.LLAMADA,
    "whatsapp": Channel.WHATSAPP,
    "wa": Channel.WHATSAPP,
    "sms": Channel.SMS,
    "mensaje de texto": Channel.SMS,
    "correo": Channel.CORREO,
    "email": Channel.CORREO,
    "e-mail": Channel.CORREO,
    "visita": Channel.VISITA,
    "visitas": Channel.VISITA,
}


class BadChannels(ValueError):
    def __init__(self, value: str) -> None:
        super().__init__(value)
        self.value = value


def parse_channels(text: str) -> str:
    """``llamada;WhatsApp`` -> ``llamada;whatsapp`` (canonical order); BadChannels names the
    first unknown word."""
    found: set[Channel] = set()
    for part in _SPLIT.split(text):
        word = " ".join(part.strip().lower().split())
        if not word:
            continue
        channel = _CHANNEL_WORDS.get(word)
        if channel is None:
            raise BadChannels(part.strip())
        found.add(channel)
    return ";".join(c.value for c in CHANNELS if c in found)


def parse_person_type(text: str) -> str:
    """``N`` / ``natural`` -> "N", ``J`` / ``jurídica`` -> "J"; ValueError otherwise."""
    word = text.strip().upper()
    if word in ("N", "NATURAL", "PERSONA NATURAL"):
        return "N"
    if word in ("J", "JURIDICA", "JURÍDICA", "PERSONA JURIDICA", "PERSONA JURÍDICA"):
        return "J"
    raise ValueError(text)


def authorised(canales: str | None) -> tuple[str, ...]:
    """The channels a tercero authorised; every channel when the ERP gave none."""
    if not canales:
        return tuple(c.value for c in CHANNELS)
    wanted = set(canales.split(";"))
    return tuple(c.value for c in CHANNELS if c.value in wanted)


def is_protected(setting: str, tipo_persona: str | None) -> bool:
    """Whether the law's rules apply to a tercero under ``CRM_LEY_2300``."""
    if setting == Protection.NO:
        return False
    if setting == Protection.TODOS:
        return True
    return tipo_persona != "J"


# --- the calendar ----------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _calendar(language: str) -> holidays.HolidayBase:
    return holidays.country_holidays("CO", language="en_US" if language == "en" else "es")


def holiday_name(day: date, language: str = "es") -> str | None:
    """The Colombian public holiday on ``day`` (without "(observado)" or a leading article),
    or None."""
    name = _calendar(language).get(day)
    if name is None:
        return None
    name = re.sub(r"\s*\((observado|observed)\)", "", str(name), flags=re.I).strip()
    return re.sub(r"^(La|El)\s+", "", name)


def window(day: date) -> tuple[time, time] | None:
    """The contact window of a weekday (None on Sundays; holidays are checked apart)."""
    weekday = day.weekday()
    if weekday == SUNDAY:
        return None
    return SATURDAY_WINDOW if weekday == SATURDAY else WEEKDAY_WINDOW


def week_start(day: date) -> date:
    """Monday of ``day``'s calendar week: the weekly channel rule counts from there."""
    return day - timedelta(days=day.weekday())


def time_rule(local: datetime) -> tuple[Rule, dict[str, Any]] | None:
    """The day/hour rule ``local`` breaks, with its text parameters, or None."""
    day = local.date()
    if day.weekday() == SUNDAY:
        return Rule.SUNDAY, {}
    if holiday_name(day) is not None:
        return Rule.HOLIDAY, {"day": day}
    span = window(day)
    assert span is not None
    start, end = span
    if not start <= local.time() < end:
        before = local.time() < start
        side = "before" if before else "after"
        when = f"sat_{side}" if day.weekday() == SATURDAY else side
        return Rule.HOURS, {"when": when, "limit": (start if before else end).strftime("%H:%M")}
    return None


def check(
    now: datetime,
    tz: ZoneInfo,
    *,
    protected: bool,
    canales: str | None,
    prior: Sequence[PriorContact],
    channel: str | None = None,
) -> Verdict:
    """The verdict for a contact now (through ``channel``, or through any channel when None).

    ``prior`` are the tercero's counted contacts of the current calendar week (older ones are
    ignored here anyway)."""
    local = now.astimezone(tz)
    allowed_channels = authorised(canales)
    if not protected:
        channels = tuple(c.value for c in CHANNELS)
        return Verdict(False, channels=channels)
    broken = time_rule(local)
    if broken is not None:
        return Verdict(True, broken[0], broken[1])
    today = local.date()
    this_week = [p for p in prior if week_start(p.at.astimezone(tz).date()) == week_start(today)]
    today_contacts = [p for p in this_week if p.at.astimezone(tz).date() == today]
    if today_contacts:
        first = min(today_contacts, key=lambda p: p.at)
        return Verdict(
            True,
            Rule.TODAY,
            {"at": first.at.astimezone(tz), "who": first.actor_name, "channel": first.channel},
        )
    used = sorted({p.channel for p in this_week})
    open_channels = tuple(c for c in allowed_channels if not used or c in used)
    if channel is None:
        if not open_channels:
            if used:
                return Verdict(True, Rule.WEEK, {"channel": used[0]})
            return Verdict(True, Rule.CHANNEL)
        return Verdict(True, channels=open_channels)
    if channel not in allowed_channels:
        return Verdict(True, Rule.CHANNEL, {"channel": channel}, open_channels)
    if used and channel not in used:
        return Verdict(True, Rule.WEEK, {"channel": used[0]}, open_channels)
    return Verdict(True, channels=(channel,))


def next_allowed(now: datetime, tz: ZoneInfo, contacted_today: bool = False) -> datetime:
    """The first moment from ``now`` at which a protected tercero may be contacted (by day,
    hour, holiday and the daily rule; the weekly channel rule leaves some channel open)."""
    local = now.astimezone(tz)
    if not contacted_today and time_rule(local) is None:
        return now
    day = local.date()
    for offset in range(0, 40):
        candidate_day = day + timedelta(days=offset)
        span = window(candidate_day)
        if span is None or holiday_name(candidate_day) is not None:
            continue
        if offset == 0 and contacted_today:
            continue
        start = datetime.combine(candidate_day, span[0], tz)
        end = datetime.combine(candidate_day, span[1], tz)
        if offset == 0:
            if local >= end:
                continue
            return max(start, now.astimezone(tz))
        return start
    raise AssertionError("no allowed day within 40 days")


def counted(rows: Iterable[tuple[datetime, str, str]]) -> list[PriorContact]:
    """Rows of (at, actor name, channel) as prior contacts."""
    return [PriorContact(at, name, channel) for at, name, channel in rows]


# --- words -----------------------------------------------------------------------------------

MONTHS = {
    "es": ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def channel_label(channel: str) -> str:
    try:
        return CHANNEL_LABELS[Channel(channel)]
    except ValueError:
        return channel


def stored_params(params: dict[str, Any]) -> dict[str, str]:
    """A verdict's parameters as JSON-friendly strings (kept with a blocked attempt)."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, datetime):
            out[key] = value.isoformat(timespec="minutes")
        elif isinstance(value, date):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)[:60]
    return out


def display_params(params: dict[str, Any], lang: str) -> dict[str, str]:
    """A verdict's (or stored) parameters as the words its text shows: ``day`` "8 dic",
    ``holiday`` "Inmaculada Concepción", ``time`` "10:15", ``channel`` "WhatsApp"."""
    out: dict[str, str] = {}
    if "day" in params:
        value = params["day"]
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        month = MONTHS.get(lang, MONTHS["es"])[day.month - 1]
        out["day"] = f"{month} {day.day}" if lang == "en" else f"{day.day} {month}"
        out["holiday"] = holiday_name(day, lang) or ""
    if "at" in params:
        value = params["at"]
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        out["time"] = moment.strftime("%H:%M")
    if "who" in params:
        out["who"] = str(params["who"])
    if "channel" in params:
        out["channel"] = channel_label(str(params["channel"]))
    if "when" in params:
        out["when"] = str(params["when"])
        out["limit"] = str(params.get("limit", ""))
    return out
