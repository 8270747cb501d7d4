"""Shared pieces of the row converters, which run in the worker thread."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm.cobranza import cartera
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.reports.request import ReportRequest
from crm.reports.workbook import Breakdown, label

# Labels of crm.cartera.BUCKETS, in the same order, as the cartera sheet shows them.
BUCKETS = ("Corriente", "1–30", "31–60", "61–90", "> 90")


@dataclass
class Context:
    """One report being built: who asked, for what, and what the kind accumulates."""

    crm: Crm
    actor: Actor
    request: ReportRequest
    lang: str
    today: date
    breakdown: Breakdown | None = None
    total: Decimal = field(default_factory=lambda: Decimal(0))
    # Rows a kind computed whole (desempeño) and keeps for its chart and chat summary.
    computed: list[tuple[Any, ...]] = field(default_factory=list)
    # Whatever else a kind accumulates while rows are written (its own type).
    extra: Any = None
    now: datetime = field(init=False)
    extra_dialect: str = "sqlite"  # the database the rows come from (set by the kind)

    def __post_init__(self) -> None:
        self.now = self.crm.now()

    def bounds(self) -> tuple[datetime, datetime]:
        """The request's local days as a half-open UTC range."""
        return self.crm.local_midnight(self.request.start), self.crm.local_midnight(
            self.request.end + timedelta(days=1)
        )


def status_label(lang: str, status: str, state: str | None) -> str:
    return state or label(lang, f"status.{status}")


def aging_bucket(days: int) -> str:
    """The cartera aging bucket of a number of days past due (the rule of crm.cartera)."""
    return BUCKETS[cartera.BUCKETS.index(cartera.bucket_of(days))]


def bucket_label(lang: str, bucket: str) -> str:
    return label(lang, "bucket.current") if bucket == BUCKETS[0] else bucket


def utc(value: datetime | str | None) -> datetime | None:
    """A UTC instant from the database: a datetime, or SQLite's naive UTC ISO text."""
    if value is None or value.__class__ is not str:
        return value  # type: ignore[return-value]
    parsed = datetime.fromisoformat(value)  # type: ignore[arg-type]
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
