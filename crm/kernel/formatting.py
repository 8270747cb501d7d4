"""Colombian formats for money and dates, and relative times, in Spanish and English."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from babel.units import format_unit


def money(amount: Decimal | int | None) -> str:
    """``$ 1.234.567`` (whole pesos; negative as ``-$ 1.234``)."""
    if amount is None:
        return "$ 0"
    value = Decimal(amount).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    sign = "-" if value < 0 else ""
    digits = f"{abs(value):,.0f}".replace(",", ".")
    return f"{sign}$ {digits}"


def day(value: date | None) -> str:
    """``DD/MM/YYYY`` or an empty string."""
    return value.strftime("%d/%m/%Y") if value else ""


def local(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz)


def local_datetime(value: datetime | None, tz: ZoneInfo) -> str:
    """``DD/MM/YYYY HH:MM`` in the configured zone."""
    if value is None:
        return ""
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M")


# Direction words around Babel's amount ("en 4 h", not CLDR's "dentro de 4 h").
_DIRECTION = {"es": ("en {}", "hace {}"), "en": ("in {}", "{} ago")}
# (unit, seconds, shown below this many of the unit, CLDR length): minutes under an hour,
# hours under two days, days from then on.
_Length = Literal["short", "long"]
_UNITS: tuple[tuple[str, int, int | None, _Length], ...] = (
    ("duration-minute", 60, 60, "short"),
    ("duration-hour", 3600, 48, "short"),
    ("duration-day", 86400, None, "long"),
)


@lru_cache(maxsize=4096)
def _amount(amount: int, unit: str, length: _Length, lang: str) -> str:
    # Babel looks the unit pattern up on every call; amounts repeat, so remember them.
    return format_unit(amount, unit, length=length, locale=lang)


def relative(value: datetime, now: datetime, lang: str = "es") -> str:
    """``en 4 h`` / ``hace 2 días`` (or English): rounded to the nearest unit, at least one
    minute; Babel writes the amount with the unit's CLDR name and plural form."""
    delta = value - now
    if lang not in _DIRECTION:
        lang = "es"
    seconds = abs(delta.total_seconds())
    for unit in _UNITS:
        name, size, below, length = unit
        amount = max(1, round(seconds / size))
        if below is None or amount < below:
            break
    text = _amount(amount, name, length, lang)
    future, past = _DIRECTION[lang]
    return (past if delta < timedelta(0) else future).format(text)


def km_text(km: float, lang: str) -> str:
    """``0,4`` / ``12,3`` (a decimal comma in Spanish)."""
    value = f"{km:.1f}"
    return value.replace(".", ",") if lang == "es" else value


def distance_text(metres: float, lang: str) -> str:
    """``40 m`` under a kilometre, else ``2,3 km``."""
    if metres < 1000:
        return f"{round(metres)} m"
    return f"{km_text(metres / 1000, lang)} km"
