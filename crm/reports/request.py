"""What a report is asked for: a :class:`ReportRequest` (kind, period, filters) and the words
it may hold; :mod:`crm.reports.grammar` reads them from a chat message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

PERIOD_WORDS = ("hoy", "ayer", "semana", "mes")
FILTER_KEYS = ("agente", "tipo", "estado", "nit")


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
