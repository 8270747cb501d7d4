"""Distances between Colombian points and the route heuristic against exhaustive search."""

from __future__ import annotations

import math
import random
from decimal import Decimal

import pytest

from crm.kernel.geo import Point, check_pair, distance_km, distance_m, in_colombia, parse_degrees
from crm.kernel.parsing import BadValue
from crm.route import order as route

BOGOTA = Point(4.5981, -74.0760)  # Plaza de Bolívar
MEDELLIN = Point(6.2518, -75.5636)  # Parque Berrío
CALI = Point(3.4516, -76.5320)  # Plaza de Caicedo
BARRANQUILLA = Point(10.9685, -74.7813)
LETICIA = Point(-4.2153, -69.9406)
SAN_ANDRES = Point(12.5847, -81.7006)


def _cosines_km(a: Point, b: Point) -> float:
    """The spherical law of cosines: an independent formula for the same great circle."""
    la, lb = math.radians(a.latitude), math.radians(b.latitude)
    dl = math.radians(b.longitude - a.longitude)
    c = math.sin(la) * math.sin(lb) + math.cos(la) * math.cos(lb) * math.cos(dl)
    return 6371.0088 * math.acos(min(1.0, c))


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (BOGOTA, MEDELLIN, 246.8),  # published straight-line figures: ~246 km
        (BOGOTA, CALI, 300.8),  # ~300 km
        (BOGOTA, BARRANQUILLA, 712.6),  # ~712 km
    ],
)
def test_haversine_between_colombian_cities(a: Point, b: Point, km: float) -> None:
    assert distance_km(a, b) == pytest.approx(km, rel=0.002)
    assert distance_km(a, b) == pytest.approx(_cosines_km(a, b), rel=1e-6)
    assert distance_km(b, a) == pytest.approx(distance_km(a, b))


def test_short_distances_in_metres() -> None:
    # One hundredth of a degree of latitude is 1,112 m on the mean sphere.
    assert distance_m(Point(4.60, -74.08), Point(4.61, -74.08)) == pytest.approx(1111.95, abs=0.1)
    # A block in Bogotá: ~100 m east.
    assert distance_m(Point(4.6097, -74.0817), Point(4.6097, -74.0808)) == pytest.approx(
        99.8, abs=0.5
    )
    assert distance_m(BOGOTA, BOGOTA) == 0


def test_coordinates_must_be_a_pair_inside_colombia() -> None:
    for city in (BOGOTA, MEDELLIN, LETICIA, SAN_ANDRES, BARRANQUILLA):
        assert in_colombia(city)
    assert check_pair(None, None) is None
    assert check_pair(4.6, -74.08) == Point(4.6, -74.08)
    with pytest.raises(BadValue) as exc:
        check_pair(4.6, None)
    assert exc.value.key == "import.problem.coordinates_pair"
    for lat, lon in ((-74.08, 4.6), (40.4, -3.7), (4.6, 74.08), (20.0, -75.0)):
        with pytest.raises(BadValue) as exc:
            check_pair(lat, lon)
        assert exc.value.key == "import.problem.outside_colombia"
    assert parse_degrees("4,6097") == pytest.approx(4.6097)
    assert parse_degrees(" -74.0817 ") == pytest.approx(-74.0817)
    assert parse_degrees(6) == 6.0
    for bad in ("norte", "4.6.1", "nan", "inf", True):
        with pytest.raises(BadValue):
            parse_degrees(bad)


def _stop(key: int, lat: float, lon: float, overdue: int = 0, balance: int = 0) -> route.Stop:
    return route.Stop(key, Point(lat, lon), overdue, Decimal(balance))


def test_a_line_of_stops_is_walked_in_order() -> None:
    here = Point(4.600, -74.080)
    stops = [_stop(k, 4.600 + 0.005 * k, -74.080) for k in (3, 1, 4, 2)]
    planned = route.plan(here, stops, speed_kmh=20)
    assert [leg.stop.key for leg in planned.legs] == [1, 2, 3, 4]
    assert planned.total_km == pytest.approx(4 * 0.556, abs=0.01)
    assert [round(leg.km_from_previous, 2) for leg in planned.legs] == [0.56] * 4
    # 2.22 km at 20 km/h: 6.7 minutes to the last stop.
    assert planned.legs[-1].eta_minutes == 7
    assert planned.legs[0].eta_minutes == 2


def test_priority_wins_a_small_detour_but_not_a_large_one() -> None:
    here = Point(4.600, -74.080)
    near = _stop(1, 4.605, -74.080)  # 556 m north, no priority
    # Just beyond it, overdue with a large balance: visiting it first costs ~110 m extra.
    urgent_close = _stop(2, 4.606, -74.080, overdue=30, balance=9_000_000)
    order = [leg.stop.key for leg in route.plan(here, [near, urgent_close]).legs]
    assert order == [1, 2]  # on the way: distance order is also the best
    # Urgent stop 600 m south, plain stop 556 m north: the urgent one goes first anyway.
    south = _stop(3, 4.5946, -74.080, overdue=30, balance=9_000_000)
    north = _stop(4, 4.6050, -74.080)
    assert [leg.stop.key for leg in route.plan(here, [north, south]).legs] == [3, 4]
    # The same map without priority: the nearer one first.
    plain_south = _stop(5, 4.5946, -74.080)
    north_closer = _stop(6, 4.6050, -74.080)
    assert [leg.stop.key for leg in route.plan(here, [plain_south, north_closer]).legs] == [6, 5]
    # A large detour: the urgent stop 5 km away waits until the two near ones are done.
    far = _stop(7, 4.555, -74.080, overdue=30, balance=9_000_000)
    a, b = _stop(8, 4.602, -74.080), _stop(9, 4.604, -74.080)
    assert [leg.stop.key for leg in route.plan(here, [far, a, b]).legs] == [8, 9, 7]


def test_priorities_are_between_zero_and_one() -> None:
    stops = [
        _stop(1, 4.6, -74.0, 0, 0),
        _stop(2, 4.6, -74.0, 15, 500),
        _stop(3, 4.6, -74, 90, 1000),
    ]
    assert route.priorities(stops) == [0.0, pytest.approx(0.5), pytest.approx(1.0)]
    assert route.plan(Point(4.6, -74.0), []).legs == ()


@pytest.mark.parametrize("seed", range(12))
def test_within_ten_percent_of_the_exhaustive_optimum(seed: int) -> None:
    """Random instances of 1-9 stops around Bogotá, mixed priorities: the heuristic's objective
    is within 10% of the optimum found by exhaustive search (same objective)."""
    rng = random.Random(seed)
    for _ in range(8):
        n = rng.randint(1, 9)
        here = Point(4.65 + rng.uniform(-0.05, 0.05), -74.08 + rng.uniform(-0.05, 0.05))
        stops = [
            _stop(
                i,
                4.65 + rng.uniform(-0.06, 0.06),
                -74.08 + rng.uniform(-0.06, 0.06),
                rng.choice([0, 0, 2, 10, 45]),
                rng.randint(0, 8_000_000),
            )
            for i in range(n)
        ]
        dist = route.distance_matrix(here, stops)
        prio = [0.0, *route.priorities(stops)]
        order, cost = route.order_indexes(dist, prio)
        assert sorted(order) == list(range(1, n + 1))
        assert cost == pytest.approx(route.objective(order, dist, prio, route.PRIORITY_WEIGHT))
        best_order, best = route.exact_order(dist, prio)
        assert best == pytest.approx(route.objective(best_order, dist, prio, 0.25))
        assert cost <= best * 1.10 + 1e-9


def test_exhaustive_search_is_really_the_optimum_on_small_maps() -> None:
    import itertools

    rng = random.Random(99)
    for n in range(1, 7):
        stops = [
            _stop(i, 4.6 + rng.uniform(-0.03, 0.03), -74.08 + rng.uniform(-0.03, 0.03), i * 7, i)
            for i in range(n)
        ]
        dist = route.distance_matrix(Point(4.6, -74.08), stops)
        prio = [0.0, *route.priorities(stops)]
        every = min(
            route.objective(p, dist, prio, 0.25) for p in itertools.permutations(range(1, n + 1))
        )
        assert route.exact_order(dist, prio)[1] == pytest.approx(every)
