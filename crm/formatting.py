"""Colombian formats for money and dates, and relative times, in Spanish and English."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo


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


def local_time(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%H:%M")


def relative(value: datetime, now: datetime, lang: str = "es") -> str:
    """``hace 3 h`` / ``en 2 días`` (or English), rounded to the largest useful unit."""
    delta = value - now
    past = delta < timedelta(0)
    seconds = abs(delta.total_seconds())
    if seconds < 3600:
        amount, unit = max(1, int(seconds // 60)), "min"
    elif seconds < 48 * 3600:
        amount, unit = int(seconds // 3600), "h"
    else:
        amount = int(seconds // 86400)
        unit = (
            ("día" if amount == 1 else "días")
            if lang == "es"
            else ("day" if amount == 1 else "days")
        )
    if lang == "es":
        return f"hace {amount} {unit}" if past else f"en {amount} {unit}"
    return f"{amount} {unit} ago" if past else f"in {amount} {unit}"
