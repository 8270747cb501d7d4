"""Benchmark: the bot's reads and writes while a big documentos import runs (SQLite).

A real `crm-bot import documentos FILE` process loads ROWS documents (default 1M) into a
SQLite file while, in this process, AGENTS simulated agents use the bot's own use cases:
each in a loop opens its agenda (read), a tercero card (read) and, every third turn, presses
"+1 h" on one of its follow-ups (write), with a short random pause. Latencies are measured
while the import runs, and again with no import (the baseline). Targets (issue 12): every
read under 1 s with p99 ≤ 300 ms; every write answered within 3 s, done or "Se está
actualizando la cartera" (Busy), never another error.

    PYTHONPATH=. .venv/bin/python -m bench contention
    PYTHONPATH=. .venv/bin/python -m bench.contention [ROWS]
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.common import Result, percentile
from bench.data import NOW, Scale
from bench.imports import fresh_database, write_csv

ROWS = int(os.environ.get("BENCH_CONTENTION_ROWS", "1000000"))
AGENTS = 50
BASELINE_SECONDS = 10.0
READ_P99_MS, READ_MAX_MS, WRITE_MAX_MS = 300.0, 1000.0, 3000.0


@dataclass
class Sample:
    reads: list[float] = field(default_factory=list)  # ms
    writes: list[float] = field(default_factory=list)  # ms
    outcomes: Counter[str] = field(default_factory=Counter)


async def _agents(url: str, until: object, sample: Sample, seed: int = 3) -> None:
    from sqlalchemy import select

    from crm import terceros
    from crm.followups import agenda
    from crm.followups import lifecycle as followups
    from crm.followups.agenda import AgendaFilter
    from crm.kernel.actor import resolve_actor
    from crm.kernel.clock import FakeClock
    from crm.kernel.context import Crm
    from crm.kernel.errors import Busy, CrmError
    from storage.db import make_engine, make_session_factory
    from storage.models import FollowUp, Tercero

    engine = make_engine(url)
    crm = Crm(make_session_factory(engine), ZoneInfo("America/Bogota"), FakeClock(NOW))
    rng = random.Random(seed)
    try:
        actors = [await resolve_actor(crm, 10_000_003 + i) for i in range(AGENTS)]
        work = []
        async with crm.read() as session:
            for actor in actors:
                assert actor is not None
                fids = (
                    await session.scalars(
                        select(FollowUp.id)
                        .where(FollowUp.owner_id == actor.id, FollowUp.status == "active")
                        .limit(20)
                    )
                ).all()
                tids = (
                    await session.scalars(
                        select(Tercero.id).where(Tercero.encargado_id == actor.id).limit(20)
                    )
                ).all()
                work.append((actor, list(fids), list(tids)))

        async def agent(actor: object, fids: list[int], tids: list[int]) -> None:
            turn = 0
            while not until():  # type: ignore[operator]
                turn += 1
                started = time.perf_counter()
                await agenda.agenda_for(crm, actor, AgendaFilter())  # type: ignore[arg-type]
                sample.reads.append((time.perf_counter() - started) * 1000)
                if tids:
                    started = time.perf_counter()
                    await terceros.get_card(crm, actor, rng.choice(tids))  # type: ignore[arg-type]
                    sample.reads.append((time.perf_counter() - started) * 1000)
                if fids and turn % 3 == 0:
                    started = time.perf_counter()
                    try:
                        await followups.postpone(crm, actor, rng.choice(fids), 1)  # type: ignore[arg-type]
                        sample.outcomes["done"] += 1
                    except Busy:
                        sample.outcomes["busy"] += 1
                    except CrmError as exc:  # e.g. stale version: a clear answer too
                        sample.outcomes[exc.key] += 1
                    except Exception as exc:  # "Algo salió mal" for the user
                        sample.outcomes[f"error:{type(exc).__name__}"] += 1
                    sample.writes.append((time.perf_counter() - started) * 1000)
                await asyncio.sleep(rng.uniform(0.2, 0.8))

        await asyncio.gather(*(agent(*w) for w in work))
    finally:
        await engine.dispose()


def _describe(sample: Sample) -> str:
    reads, writes = sample.reads, sample.writes
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted(sample.outcomes.items()))
    return (
        f"reads n={len(reads)} p50 {percentile(reads, 50):.0f} ms, p99 "
        f"{percentile(reads, 99):.0f} ms, max {max(reads, default=0):.0f} ms; writes "
        f"n={len(writes)} max {max(writes, default=0):.0f} ms ({outcomes})"
    )


def run(rows: int = ROWS) -> list[Result]:
    scale = Scale(agents=AGENTS, terceros=100_000, followups=100_000)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        csv_path = base / "documentos.csv"
        write_csv(csv_path, rows, scale)
        url = fresh_database(base / "crm.db", scale)

        baseline = Sample()
        end = time.monotonic() + BASELINE_SECONDS
        asyncio.run(_agents(url, lambda: time.monotonic() > end, baseline))
        print(f"   no import: {_describe(baseline)}", flush=True)

        env = {**os.environ, "CRM_DATABASE_URL": url, "PYTHONPATH": os.getcwd()}
        started = time.monotonic()
        importer = subprocess.Popen(
            [sys.executable, "-m", "bot", "import", "documentos", str(csv_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        marker = base / "crm.db-importing"
        while not marker.exists() and importer.poll() is None:
            time.sleep(0.05)
        during = Sample()
        asyncio.run(_agents(url, lambda: importer.poll() is not None, during))
        output, _ = importer.communicate()
        seconds = time.monotonic() - started
        if importer.returncode != 0:
            raise RuntimeError(f"import failed: {output[-500:]}")
        print(f"   during a {rows:,}-row import ({seconds:.0f} s): {_describe(during)}")
    bad = {k: v for k, v in during.outcomes.items() if k not in ("done", "busy")}
    met = (
        percentile(during.reads, 99) <= READ_P99_MS
        and max(during.reads, default=0) < READ_MAX_MS
        and max(during.writes, default=0) <= WRITE_MAX_MS
        and not bad
    )
    n = f"{rows / 1e6:g}M" if rows >= 1_000_000 else f"{rows // 1000}k"
    return [
        Result(
            f"1. {AGENTS} agents during a {n} documentos import (SQLite)",
            f"reads p99 {percentile(during.reads, 99):.0f} ms (max "
            f"{max(during.reads, default=0):.0f}); writes max "
            f"{max(during.writes, default=0):.0f} ms, "
            f"{during.outcomes['done']} done / {during.outcomes['busy']} busy",
            f"no import: reads p99 {percentile(baseline.reads, 99):.0f} ms",
            f"{percentile(during.reads, 99) / max(percentile(baseline.reads, 99), 1):.1f}×",
            "reads p99 ≤ 300 ms, max < 1 s; writes ≤ 3 s, done or busy only",
            met,
            notes=[f"other write outcomes: {bad}"] if bad else [],
        )
    ]


if __name__ == "__main__":
    from bench.common import table

    print(table(run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)))
