"""Plain, frozen views returned by use cases (never ORM rows)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from storage.models import FollowUpStatus
from storage.models import Role as Role  # re-exported: handlers compare roles by name


@dataclass(frozen=True)
class TerceroBrief:
    id: int
    nit: str
    name: str
    phones: tuple[str, ...]
    address: str | None
    city: str | None


@dataclass(frozen=True)
class DocumentBrief:
    id: int
    doc_type: str
    number: str
    date: dt.date
    due_date: dt.date | None
    value: Decimal
    balance: Decimal

    @property
    def label(self) -> str:
        return f"{self.doc_type}-{self.number}"


@dataclass(frozen=True)
class CatalogItem:
    id: int
    name: str
    kind: str  # default hours for types, meaning for states, effect for activities
    active: bool = True
    hours: int = 0


@dataclass(frozen=True)
class EventView:
    id: int
    followup_id: int
    kind: str
    at: datetime
    actor_name: str | None
    from_due: datetime | None = None
    to_due: datetime | None = None
    activity: str | None = None
    activity_effect: str | None = None
    state: str | None = None
    text: str | None = None
    file_id: str | None = None
    file_kind: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    # Visits (kind "visit"): distance to the tercero, verified, end.
    distance_m: int | None = None
    verified: bool | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class FollowUpView:
    id: int
    version: int
    status: str
    tercero: TerceroBrief
    type_id: int
    type_name: str
    type_hours: int
    state: str | None
    due_at: datetime
    owner_id: int
    owner_name: str
    owner_code: str
    note: str | None
    document: DocumentBrief | None
    parent_id: int | None
    root_id: int | None
    created_at: datetime
    closed_at: datetime | None
    postpone_count: int
    events: tuple[EventView, ...] = ()
    # The follow-up that continued this one (a closed follow-up continues at most once).
    continued_by: int | None = None

    @property
    def is_active(self) -> bool:
        return self.status == FollowUpStatus.ACTIVE

    @property
    def main_id(self) -> int:
        """The id of the main (root) follow-up of this lineage."""
        return self.root_id or self.id


@dataclass(frozen=True)
class LineageView:
    """The whole lineage from the main follow-up: each follow-up with its events in order."""

    root_id: int
    followups: tuple[FollowUpView, ...]
