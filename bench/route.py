"""Benchmark 6: ordering the day's route (crm/route.py).

    python -m bench route

On 25-stop instances around Bogotá (fixed seeds, mixed overdue days and balances):
- the time ``crm.route.plan`` takes (target: at most 100 ms per route);
- with priorities off (weight 0, the shortest open path), our total km against OR-Tools'
  routing solver (guided local search, 2 s per instance; the ``bench`` extra installs it),
  target within 10%;
- with priorities on (the objective /ruta uses), our objective against the best of a much
  longer search (the same local search with 400 kicks), as a check that the short search
  does not leave much on the table.
"""

from __future__ import annotations

import os
import random
import time
from decimal import Decimal

from bench.common import Result, median, percentile
from crm.kernel.geo import Point
from crm.route import order as route

STOPS = 25
INSTANCES = 20
ORTOOLS_SECONDS = 2
TARGET_MS = 100.0


def instance(seed: int, n: int = STOPS) -> tuple[Point, list[route.Stop]]:
    """``n`` stops within ~10 km of central Bogotá; a third overdue, balances to $ 20 M."""
    rng = random.Random(seed)
    here = Point(4.65 + rng.uniform(-0.03, 0.03), -74.08 + rng.uniform(-0.03, 0.03))
    stops = [
        route.Stop(
            i,
            Point(4.65 + rng.uniform(-0.09, 0.09), -74.08 + rng.uniform(-0.09, 0.09)),
            rng.choice([0, 0, 0, 1, 5, 20, 60]),
            Decimal(rng.randint(0, 20_000_000)),
        )
        for i in range(n)
    ]
    return here, stops


def ortools_open_path(dist: list[list[float]]) -> float | None:
    """OR-Tools' shortest open path from node 0 over every node (km), or None without it."""
    try:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2
    except ImportError:
        return None
    n = len(dist)
    end = n  # a dummy end node at distance 0 from everything: the path is open
    metres = [[round(d * 1000) for d in row] + [0] for row in dist] + [[0] * (n + 1)]
    manager = pywrapcp.RoutingIndexManager(n + 1, 1, [0], [end])
    model = pywrapcp.RoutingModel(manager)

    def cost(i: int, j: int) -> int:
        return metres[manager.IndexToNode(i)][manager.IndexToNode(j)]

    callback = model.RegisterTransitCallback(cost)
    model.SetArcCostEvaluatorOfAllVehicles(callback)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.seconds = ORTOOLS_SECONDS
    solution = model.SolveWithParameters(params)
    if solution is None:
        return None
    order = []
    index = model.Start(0)
    while not model.IsEnd(index):
        node = manager.IndexToNode(index)
        if node != 0:
            order.append(node)
        index = solution.Value(model.NextVar(index))
    return route.objective(order, dist, [0.0] * n, 0.0)


def run() -> list[Result]:
    times: list[float] = []
    cpu: list[float] = []
    distance_ratios: list[float] = []
    priority_ratios: list[float] = []
    have_ortools = True
    for seed in range(INSTANCES):
        here, stops = instance(seed)
        started, started_cpu = time.perf_counter(), time.process_time()
        route.plan(here, stops)
        cpu.append((time.process_time() - started_cpu) * 1000)
        times.append((time.perf_counter() - started) * 1000)

        dist = route.distance_matrix(here, stops)
        prio = [0.0, *route.priorities(stops)]
        ours_km = route.order_indexes(dist, prio, 0.0)[1]
        theirs = ortools_open_path(dist)
        if theirs is None:
            have_ortools = False
        else:
            distance_ratios.append(ours_km / theirs)

        ours = route.order_indexes(dist, prio)[1]
        kicks, route.KICKS = route.KICKS, 400
        try:
            long_search = route.order_indexes(dist, prio)[1]
        finally:
            route.KICKS = kicks
        priority_ratios.append(ours / long_search)
        print(
            f"   seed {seed:2}: {times[-1]:6.1f} ms ({cpu[-1]:5.1f} ms CPU)"
            + (f" · km vs OR-Tools {distance_ratios[-1]:.3f}" if theirs else "")
            + f" · objective vs long search {priority_ratios[-1]:.3f}",
            flush=True,
        )
    results = [
        Result(
            "route: order 25 stops (CPU time)",
            f"median {median(cpu):.1f} ms, p95 {percentile(cpu, 95):.1f} ms, "
            f"max {max(cpu):.1f} ms",
            "—",
            "—",
            f"≤ {TARGET_MS:.0f} ms",
            max(cpu) <= TARGET_MS,
            [
                f"{INSTANCES} instances; wall clock median {median(times):.1f} ms, p95 "
                f"{percentile(times, 95):.1f} ms, max {max(times):.1f} ms on a machine shared "
                f"with other engineers (load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
            ],
        )
    ]
    if have_ortools:
        results.append(
            Result(
                "route: km vs OR-Tools (25 stops, no priority)",
                f"mean {sum(distance_ratios) / len(distance_ratios):.3f}",
                f"OR-Tools GLS {ORTOOLS_SECONDS} s",
                f"worst {max(distance_ratios):.3f}",
                "≤ 1.10",
                max(distance_ratios) <= 1.10,
            )
        )
    else:
        results.append(
            Result(
                "route: km vs OR-Tools",
                "not run",
                "ortools not installed",
                "—",
                "≤ 1.10",
                None,
                ['pip install -e ".[bench]"'],
            )
        )
    results.append(
        Result(
            "route: objective vs 400-kick search (25 stops, priority on)",
            f"mean {sum(priority_ratios) / len(priority_ratios):.3f}",
            "same heuristic, 50× the kicks",
            f"worst {max(priority_ratios):.3f}",
            "≤ 1.10",
            max(priority_ratios) <= 1.10,
        )
    )
    return results


if __name__ == "__main__":
    from bench.common import table

    print(table(run()))
