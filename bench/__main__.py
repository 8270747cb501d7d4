"""Run every benchmark on generated data and print the results table.

    python -m bench            # all of them (~4 minutes on 2 cores, + ~7 for imports linearity)
    python -m bench agenda cpu # only some

Each module in BENCHMARKS exposes ``run() -> list[Result]``; figures are measured side by side
with their baseline in the same run and reported as ratios (see docs/BENCHMARKS.md).
"""

from __future__ import annotations

import importlib
import sys
import time

from bench.common import Result, machine, table

BENCHMARKS = ("agenda", "cpu", "report", "imports", "fanout", "route", "contention", "ocr")


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
        return 2
    print(f"machine: {machine()}")
    results: list[Result] = []
    started = time.perf_counter()
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        t0 = time.perf_counter()
        print(f"\n== {name} …", flush=True)
        results.extend(module.run())
        print(f"   ({time.perf_counter() - t0:.0f} s)", flush=True)
    print(f"\nall benchmarks: {time.perf_counter() - started:.0f} s\n")
    print(table(results))
    return 0 if all(r.met is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
