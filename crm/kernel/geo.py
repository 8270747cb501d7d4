"""Points on the map: great-circle distances and the coordinates a tercero may carry.

Coordinates are decimal degrees (WGS 84, as Telegram and every phone's map app use them). A
tercero's coordinates must fall inside Colombia's bounding box (San Andrés and Providencia
included): a pin in the sea off Africa is a swapped or mistyped column, not a customer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Protocol

from crm.kernel.parsing import BadValue, cell_text

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG), metres

# Colombia's mainland spans about -4.23..12.46 N and -79.0..-66.85 E; San Andrés and
# Providencia reach 13.4 N and -81.74 E. A small margin keeps border towns inside.
COLOMBIA_LAT = (-4.3, 13.6)
COLOMBIA_LON = (-82.0, -66.8)


class LocationSource(StrEnum):
    """Where a tercero's coordinates came from."""

    ERP = "erp"  # the terceros import (columns latitud / longitud)
    VISIT = "visit"  # an agent saved it from a visit ("Guardar como ubicación del tercero")
    SHARED = "shared"  # a supervisor or admin shared it from the tercero card


class LocationStatus(StrEnum):
    """Whether a tercero's coordinates may verify a visit."""

    CONFIRMED = "confirmed"  # the ERP's, or set or confirmed by a supervisor or admin
    PROPOSED = "proposed"  # an agent saved it from a visit: a supervisor must confirm it


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


def distance_m(a: Point, b: Point) -> float:
    """The great-circle (haversine) distance between two points, in metres."""
    lat1, lat2 = math.radians(a.latitude), math.radians(b.latitude)
    dlat = lat2 - lat1
    dlon = math.radians(b.longitude - a.longitude)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_km(a: Point, b: Point) -> float:
    return distance_m(a, b) / 1000


def in_colombia(point: Point) -> bool:
    return (
        COLOMBIA_LAT[0] <= point.latitude <= COLOMBIA_LAT[1]
        and COLOMBIA_LON[0] <= point.longitude <= COLOMBIA_LON[1]
    )


def parse_degrees(value: Any) -> float:
    """One coordinate cell: a decimal number of degrees (``4.6097`` or ``4,6097``)."""
    if isinstance(value, bool):
        raise BadValue("import.problem.bad_coordinate", value=str(value))
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = cell_text(value).replace(" ", "")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(Decimal(text))
        except (InvalidOperation, ValueError) as exc:
            raise BadValue("import.problem.bad_coordinate", value=cell_text(value)[:40]) from exc
    if not math.isfinite(number):
        raise BadValue("import.problem.bad_coordinate", value=cell_text(value)[:40])
    return number


def check_pair(latitude: float | None, longitude: float | None) -> Point | None:
    """Both coordinates or neither; inside Colombia. BadValue names the problem."""
    if latitude is None and longitude is None:
        return None
    if latitude is None or longitude is None:
        raise BadValue("import.problem.coordinates_pair")
    point = Point(latitude, longitude)
    if not in_colombia(point):
        raise BadValue(
            "import.problem.outside_colombia",
            latitude=f"{latitude:.5f}",
            longitude=f"{longitude:.5f}",
        )
    return point


class ImportRow(Protocol):
    """The part of an import row (crm/erp/) the location columns need."""

    def get(self, name: str, parse: Callable[[Any], Any] = ...) -> Any: ...

    def fail(self, name: str, key: str, **params: Any) -> None: ...


def import_location(row: ImportRow) -> dict[str, Any]:
    """The terceros import's ``latitud`` / ``longitud``: the columns to write, or nothing when
    the row has neither (a location saved from a visit is then kept). Problems go to the row."""
    lat = row.get("latitud", parse_degrees)
    lon = row.get("longitud", parse_degrees)
    if (lat is None) != (lon is None) and not row_failed(row):
        row.fail("longitud" if lon is None else "latitud", "import.problem.coordinates_pair")
        return {}
    if lat is None or lon is None:
        return {}
    try:
        point = check_pair(lat, lon)
    except BadValue as exc:
        row.fail("latitud", exc.key, **exc.params)
        return {}
    assert point is not None
    return {
        "latitude": point.latitude,
        "longitude": point.longitude,
        "location_source": LocationSource.ERP.value,
        "location_status": LocationStatus.CONFIRMED.value,
        "location_by_id": None,
        "location_at": None,
    }


def row_failed(row: ImportRow) -> bool:
    return bool(getattr(row, "errors", None))
