"""The order of the day's stops: short driving, with the cartera's urgent ones early.

The rule (README "Ruta del día"): every stop gets a priority ``p`` between 0 and 1,

    p = 0.5 · min(days overdue, 30) / 30  +  0.5 · balance / largest balance of the day

and the route (an open path from where the agent stands, no return) minimises

    total km  +  PRIORITY_WEIGHT · Σ p_i · (km driven before reaching stop i)

with ``PRIORITY_WEIGHT = 0.25``: reaching a stop of priority 1 one kilometre sooner is worth
250 m of extra driving, so an overdue stop with a large balance comes earlier only when the
detour is small. With every priority 0 this is the shortest open path.

The heuristic: nearest neighbour (by distance, and a second start that also weighs priority),
each improved by 2-opt (reverse a stretch) and or-opt (move one to three consecutive stops
elsewhere) until no move lowers the objective; the better of the two wins. ``exact_order``
(exhaustive search with pruning) is there for tests and the benchmark.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from crm.kernel.geo import Point, distance_km

PRIORITY_WEIGHT = 0.25
OVERDUE_CAP_DAYS = 30
MAX_MOVES = 2000
KICKS = 8
_EPS = 1e-9


@dataclass(frozen=True)
class Stop:
    """One place to visit; ``key`` is the caller's (a follow-up id)."""

    key: int
    point: Point
    days_overdue: int = 0
    balance: Decimal = Decimal(0)


@dataclass(frozen=True)
class Leg:
    stop: Stop
    km_from_previous: float
    km_so_far: float
    eta_minutes: int


@dataclass(frozen=True)
class Route:
    legs: tuple[Leg, ...]
    total_km: float
    objective: float


def priorities(stops: Sequence[Stop]) -> list[float]:
    """Each stop's priority in [0, 1] (see the module docstring)."""
    largest = max((s.balance for s in stops), default=Decimal(0))
    result = []
    for s in stops:
        overdue = min(max(s.days_overdue, 0), OVERDUE_CAP_DAYS) / OVERDUE_CAP_DAYS
        share = float(s.balance / largest) if largest > 0 and s.balance > 0 else 0.0
        result.append(0.5 * overdue + 0.5 * share)
    return result


def distance_matrix(start: Point, stops: Sequence[Stop]) -> list[list[float]]:
    """Kilometres between every pair; index 0 is the start, stop i is index i + 1."""
    points = [start, *(s.point for s in stops)]
    return [[distance_km(a, b) for b in points] for a in points]


def objective(
    order: Sequence[int], dist: Sequence[Sequence[float]], prio: Sequence[float], weight: float
) -> float:
    """Total km + weight · Σ p · km before the stop; ``order`` holds matrix indexes (1..n)."""
    prev = 0
    travelled = 0.0
    waited = 0.0
    for node in order:
        travelled += dist[prev][node]
        waited += prio[node] * travelled
        prev = node
    return travelled + weight * waited


def _nearest_neighbour(
    dist: Sequence[Sequence[float]], prio: Sequence[float], weight: float
) -> list[int]:
    """Greedy: the next stop is the closest, its distance discounted by its priority."""
    left = set(range(1, len(dist)))
    order: list[int] = []
    current = 0
    while left:
        nxt = min(left, key=lambda j: (dist[current][j] / (1 + weight * prio[j]), j))
        order.append(nxt)
        left.remove(nxt)
        current = nxt
    return order


class _Tables:
    """Prefix sums over one order that price a 2-opt or segment-swap move in O(1)."""

    def __init__(
        self, order: Sequence[int], dist: Sequence[Sequence[float]], prio: Sequence[float]
    ) -> None:
        n = len(order)
        self.order = order
        # e[k]: edge arriving at position k (from the start for k = 0); e[n] = 0 (open end).
        e = [0.0] * (n + 1)
        prev = 0
        for k, node in enumerate(order):
            e[k] = dist[prev][node]
            prev = node
        # p_before[t] = priority of positions < t; s_from[t] = priority of positions >= t.
        p_before = [0.0] * (n + 1)
        for k, node in enumerate(order):
            p_before[k + 1] = p_before[k] + prio[node]
        total = p_before[n]
        self.e = e
        self.p_before = p_before
        self.s_from = [total - p for p in p_before]
        # sums over edges k < t of e[k], and of e[k] · p_before[k]
        ea = [0.0] * (n + 2)
        eb = [0.0] * (n + 2)
        for k in range(n + 1):
            ea[k + 1] = ea[k] + e[k]
            eb[k + 1] = eb[k] + e[k] * p_before[k]
        self.ea = ea
        self.eb = eb

    def edges(self, lo: int, hi: int) -> float:
        """Length of the edges inside positions lo..hi (edges lo+1..hi)."""
        return self.ea[hi + 1] - self.ea[lo + 1]


def _best_move(
    order: list[int],
    dist: Sequence[Sequence[float]],
    prio: Sequence[float],
    weight: float,
) -> list[int] | None:
    """The first improving 2-opt or segment swap (or-opt: one side at most 3 stops)."""
    n = len(order)
    tb = _Tables(order, dist, prio)
    e, s_from, p_before, ea, eb = tb.e, tb.s_from, tb.p_before, tb.ea, tb.eb
    w = weight
    total = s_from[0]
    # The open end as a node at distance 0 from everything (the last column of ``ext``).
    ext = [*order, -1]
    rows = [dist[node] for node in order]

    # 2-opt: reverse positions i..j.
    for i in range(n - 1):
        before = dist[order[i - 1]] if i else dist[0]
        row_i = rows[i]
        w_in = 1 + w * s_from[i]
        base_in = e[i] * w_in
        ea_i, eb_i, pb_i = ea[i + 1], eb[i + 1], p_before[i]
        for j in range(i + 1, n):
            inner_len = ea[j + 1] - ea_i
            inner_b = eb[j + 1] - eb_i
            w_out = 1 + w * s_from[j + 1]
            after = ext[j + 1]
            old = base_in + inner_len + w * (total * inner_len - inner_b) + e[j + 1] * w_out
            new = (
                before[order[j]] * w_in
                + (w_out - w * pb_i) * inner_len
                + w * inner_b
                + (row_i[after] if after >= 0 else 0.0) * w_out
            )
            if new < old - _EPS:
                return order[:i] + order[i : j + 1][::-1] + order[j + 1 :]
    # segment swap: X = i..j, Y = j+1..k become Y X.
    for i in range(n - 1):
        before = dist[order[i - 1]] if i else dist[0]
        w_in = 1 + w * s_from[i]
        base_in = e[i] * w_in
        first_x = order[i]
        for j in range(i, n - 1):
            long_x = j - i >= 3
            px = p_before[j + 1] - p_before[i]
            x_inner = ea[j + 1] - ea[i + 1]
            old_mid = base_in + e[j + 1] * (1 + w * s_from[j + 1])
            new_in = before[order[j + 1]] * w_in
            row_j = rows[j]
            ea_y = ea[j + 2]
            pb_y = p_before[j + 1]
            last = n if not long_x else min(n, j + 4)
            for k in range(j + 1, last):
                py = p_before[k + 1] - pb_y
                y_inner = ea[k + 1] - ea_y
                w_out = 1 + w * s_from[k + 1]
                after = ext[k + 1]
                old = old_mid + e[k + 1] * w_out
                new = (
                    new_in
                    + w * (px * y_inner - py * x_inner)
                    + dist[order[k]][first_x] * (w_out + w * px)
                    + (row_j[after] if after >= 0 else 0.0) * w_out
                )
                if new < old - _EPS:
                    return order[:i] + order[j + 1 : k + 1] + order[i : j + 1] + order[k + 1 :]
    return None


def _improve(
    order: list[int], dist: Sequence[Sequence[float]], prio: Sequence[float], weight: float
) -> tuple[list[int], float]:
    """2-opt and or-opt moves, first improvement, until none lowers the objective."""
    for _ in range(MAX_MOVES):
        moved = _best_move(order, dist, prio, weight)
        if moved is None:
            break
        order = moved
    return order, objective(order, dist, prio, weight)


def order_indexes(
    dist: Sequence[Sequence[float]], prio: Sequence[float], weight: float = PRIORITY_WEIGHT
) -> tuple[list[int], float]:
    """The heuristic's order of matrix indexes 1..n and its objective."""
    if len(dist) <= 1:
        return [], 0.0
    zero = [0.0] * len(prio)
    starts = [_nearest_neighbour(dist, zero, weight)]
    if weight > 0 and any(prio):
        starts.append(_nearest_neighbour(dist, prio, weight))
    best, best_cost = min(
        (_improve(start, dist, prio, weight) for start in starts), key=lambda r: r[1]
    )
    # Iterated local search: kick the best order (a double bridge) and polish it again; the
    # seed is fixed, so one input always gives one route.
    rng = random.Random(len(best))
    n = len(best)
    for _ in range(KICKS if n > 3 else 0):
        a, b, c = sorted(rng.sample(range(1, n), 3)) if n > 3 else (1, 1, 1)
        kicked = best[:a] + best[c:] + best[b:c] + best[a:b]
        candidate, cost = _improve(kicked, dist, prio, weight)
        if cost < best_cost - _EPS:
            best, best_cost = candidate, cost
    return best, best_cost


def exact_order(
    dist: Sequence[Sequence[float]], prio: Sequence[float], weight: float = PRIORITY_WEIGHT
) -> tuple[list[int], float]:
    """The optimum by exhaustive search (every order, pruned once it costs more than the best
    found): only for a handful of stops (tests, benchmark)."""
    n = len(dist) - 1
    best_cost = math.inf
    best: list[int] = []
    path: list[int] = []
    used = [False] * (n + 1)
    remaining_prio = sum(prio[1:])

    def walk(prev: int, cost: float, weight_left: float) -> None:
        # cost so far; every later edge is paid (1 + weight · priority still unvisited) times.
        nonlocal best_cost, best
        if cost >= best_cost:
            return
        if len(path) == n:
            best_cost, best = cost, list(path)
            return
        for node in range(1, n + 1):
            if not used[node]:
                used[node] = True
                path.append(node)
                walk(
                    node,
                    cost + dist[prev][node] * (1 + weight * weight_left),
                    weight_left - prio[node],
                )
                path.pop()
                used[node] = False

    walk(0, 0.0, remaining_prio)
    return best, best_cost


def plan(
    start: Point,
    stops: Sequence[Stop],
    speed_kmh: float = 20.0,
    weight: float = PRIORITY_WEIGHT,
) -> Route:
    """The day's route from ``start`` over ``stops``, with km and ETA (minutes) per leg."""
    if not stops:
        return Route((), 0.0, 0.0)
    dist = distance_matrix(start, stops)
    prio = [0.0, *priorities(stops)]
    order, cost = order_indexes(dist, prio, weight)
    legs: list[Leg] = []
    prev = 0
    travelled = 0.0
    for node in order:
        step = dist[prev][node]
        travelled += step
        eta = round(travelled / speed_kmh * 60) if speed_kmh > 0 else 0
        legs.append(Leg(stops[node - 1], step, travelled, eta))
        prev = node
    return Route(tuple(legs), travelled, cost)
