"""Helpers shared by the benchmarks: timing, percentiles, the results table."""

from __future__ import annotations

import os
import platform
import resource
import statistics
from dataclasses import dataclass, field


@dataclass
class Result:
    name: str
    ours: str
    baseline: str
    ratio: str
    target: str
    met: bool | None
    notes: list[str] = field(default_factory=list)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: list[float]) -> float:
    return statistics.median(values)


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}"
    )


def table(results: list[Result]) -> str:
    lines = ["| benchmark | ours | baseline | ratio | target | met |", "|---|---|---|---|---|---|"]
    for r in results:
        met = "—" if r.met is None else ("yes" if r.met else "**no**")
        lines.append(f"| {r.name} | {r.ours} | {r.baseline} | {r.ratio} | {r.target} | {met} |")
    notes = [f"- {r.name}: {n}" for r in results for n in r.notes]
    return "\n".join(lines + (["", *notes] if notes else []))
