"""Benchmark 4: importing a 1M-row documentos CSV against raw ``sqlite3.executemany``, and
the import's time per row at 100k, 200k and 400k rows on PostgreSQL and SQLite.

Ours is the real path of ``crm-bot import documentos FILE``: ``crm.imports.import_file``
(streamed CSV, every cell parsed and validated, NITs resolved, idempotent upsert, the balance
history, one transaction). The baseline reads the same CSV with the ``csv`` module, maps each
NIT to its tercero with a dict and inserts the rows as they are with one ``executemany`` (no
checks, no upsert). Each contender gets a fresh migrated SQLite file with the same terceros.

The linearity rows import each size into a fresh database holding 100k terceros (a first
import: every document new cartera), then re-import the same documents with every other
saldo halved (recaudo), and compare the time per row with the 100k run's: an import whose
statements grow with the batch (or whose plans scan ``documents``) shows up as a ratio
above 1. PostgreSQL is ``CRM_BENCH_PG`` (its own database ``BENCH_IMPORT_PG_DB``, created
and dropped).

    PYTHONPATH=. .venv/bin/python -m bench imports
    PYTHONPATH=. .venv/bin/python -m bench.imports [ROWS]
    PYTHONPATH=. .venv/bin/python -m bench.imports linear [postgres|sqlite]
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import asyncpg

from bench.common import Result
from bench.data import NOW, Scale, fill_postgres, fill_sqlite, terceros

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
TERCEROS = 100_000
TARGET_SHARE = 0.5
SIZES = tuple(
    int(n) for n in os.environ.get("BENCH_IMPORT_SIZES", "100000,200000,400000").split(",")
)
LINEAR_TOLERANCE = 0.25  # time per row within ±25 % of the smallest size's
PG_ADMIN_DSN = os.environ.get("CRM_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("BENCH_IMPORT_PG_DB", "crm_bench_imports")
HEADER = "nit,tipo,numero,fecha,vencimiento,valor,saldo,detalle\n"
DOC_TYPES = ("FV", "FV", "FV", "NC", "ND", "RC")


def write_csv(
    path: Path, rows: int, scale: Scale, seed: int = 11, *, collect_every: int = 0
) -> None:
    """An ERP export as the ERP writes it: ISO dates, plain decimal amounts. With
    ``collect_every`` the same documents, every n-th saldo halved (a later export)."""
    rng = random.Random(seed)
    nits = [t[1] for t in terceros(scale)]
    first = date(2024, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(HEADER)
        lines = []
        for n in range(1, rows + 1):
            day = first + timedelta(days=rng.randrange(1000))
            value = rng.randrange(10_000, 50_000_000)
            balance = 0 if rng.random() < 0.6 else rng.randrange(0, value)
            if collect_every and n % collect_every == 0:
                balance //= 2
            lines.append(
                f"{nits[rng.randrange(len(nits))]},{DOC_TYPES[n % 6]},{n},{day.isoformat()},"
                f"{(day + timedelta(days=30)).isoformat()},{value // 100}.{value % 100:02d},"
                f"{balance // 100}.{balance % 100:02d},Factura {n}\n"
            )
            if len(lines) == 10_000:
                out.writelines(lines)
                lines = []
        out.writelines(lines)


def fresh_database(path: Path, scale: Scale) -> str:
    from storage.db import make_engine
    from storage.migrate import upgrade

    url = f"sqlite+aiosqlite:///{path}"

    async def migrate() -> None:
        engine = make_engine(url)
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    fill_sqlite(str(path), scale)
    return url


def ours(url: str, csv_path: Path, *, first: bool = True) -> tuple[float, int]:
    seconds, _cpu, rows = asyncio.run(_import(url, csv_path, first=first))
    return seconds, rows


async def _import(url: str, csv_path: Path, *, first: bool = True) -> tuple[float, float, int]:
    """One ``import_file`` of ``csv_path``: wall seconds, CPU seconds (this process's and, on
    PostgreSQL, its server processes'), rows."""
    from crm.erp.importer import import_file
    from crm.kernel.clock import FakeClock
    from crm.kernel.context import Crm
    from storage.db import make_engine, make_session_factory

    engine = make_engine(url)
    crm = Crm(
        sessions=make_session_factory(engine),
        tz=__import__("zoneinfo").ZoneInfo("America/Bogota"),
        clock=FakeClock(NOW),
    )
    try:
        cpu = time.process_time()
        started = time.perf_counter()
        result = await import_file(crm, "documentos", csv_path)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        if engine.dialect.name == "postgresql":
            # The engine is fresh: every server process it opened started with this import.
            cpu += await _server_cpu()
    finally:
        await engine.dispose()
    if not result.written or (first and result.inserted != result.rows):
        raise RuntimeError(f"import failed: {result.bad_rows} bad rows, {result.errors[:3]}")
    return seconds, cpu, result.rows


def raw(db: Path, csv_path: Path) -> tuple[float, int]:
    started = time.perf_counter()
    con = sqlite3.connect(db)
    ids = dict(con.execute("SELECT nit, id FROM terceros"))
    sql = (
        "INSERT INTO documents (tercero_id, doc_type, number, date, due_date, value, balance,"
        " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with csv_path.open(encoding="utf-8", newline="") as handle, con:
        reader = csv.reader(handle)
        next(reader)
        con.executemany(sql, ((ids[r[0]], *r[1:]) for r in reader))
    count = con.execute("SELECT count(*) FROM documents").fetchone()[0]
    con.close()
    return time.perf_counter() - started, int(count)


def run() -> list[Result]:
    return versus_raw(ROWS) + linearity()


def versus_raw(rows: int = ROWS) -> list[Result]:
    """The import of ``rows`` documentos against raw executemany, on SQLite."""
    scale = Scale(agents=20, terceros=TERCEROS, followups=0)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        t0 = time.perf_counter()
        csv_path = base / "documentos.csv"
        write_csv(csv_path, rows, scale)
        url = fresh_database(base / "ours.db", scale)
        fresh_database(base / "raw.db", scale)
        size = csv_path.stat().st_size / 1e6
        print(f"   data: {rows:,} rows ({size:.0f} MB) in {time.perf_counter() - t0:.1f} s")
        raw_seconds, raw_rows = raw(base / "raw.db", csv_path)
        print(f"   raw executemany: {raw_seconds:.1f} s", flush=True)
        our_seconds, our_rows = ours(url, csv_path)
        print(f"   crm-bot import: {our_seconds:.1f} s", flush=True)
    if our_rows != raw_rows:
        raise RuntimeError(f"row counts differ: ours {our_rows}, raw {raw_rows}")
    ours_rate, raw_rate = our_rows / our_seconds, raw_rows / raw_seconds
    share = ours_rate / raw_rate
    n = f"{rows / 1e6:g}M" if rows >= 1_000_000 else f"{rows // 1000}k"
    return [
        Result(
            f"4. import {n} documentos",
            f"{ours_rate:,.0f} rows/s ({our_seconds:.1f} s)",
            f"raw executemany {raw_rate:,.0f} rows/s ({raw_seconds:.1f} s)",
            f"{share:.0%} of raw",
            f"≥ {TARGET_SHARE:.0%} of raw",
            share >= TARGET_SHARE,
        )
    ]


# --- time per row against the import's size --------------------------------------------------


def _pg_dsn() -> str:
    return PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + PG_DB


async def _fresh_postgres(scale: Scale) -> str:
    from storage.db import make_engine
    from storage.migrate import upgrade

    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {PG_DB}")
    finally:
        await admin.close()
    url = "postgresql+asyncpg://" + _pg_dsn().split("://", 1)[1]
    engine = make_engine(url)
    await upgrade(engine)
    await engine.dispose()
    await fill_postgres(_pg_dsn(), scale)
    return url


async def _drop_postgres() -> None:
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
    finally:
        await admin.close()


async def _server_cpu() -> float:
    """CPU seconds of the server processes connected to the benchmark's database (read from
    /proc: the server runs on this machine)."""
    con = await asyncpg.connect(_pg_dsn())
    try:
        pids = await con.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
    finally:
        await con.close()
    ticks = 0
    for row in pids:
        with open(f"/proc/{row['pid']}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _load() -> str:
    return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())


def linearity(engines: tuple[str, ...] = ("postgres", "sqlite")) -> list[Result]:
    """Each size into a fresh database (first import, then a re-import with recaudo); the
    time per row against the smallest size's."""
    scale = Scale(agents=20, terceros=TERCEROS, followups=0)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        files = {}
        for rows in SIZES:
            files[rows] = (base / f"first-{rows}.csv", base / f"again-{rows}.csv")
            write_csv(files[rows][0], rows, scale)
            write_csv(files[rows][1], rows, scale, collect_every=2)
        for engine in engines:
            label = "PostgreSQL" if engine == "postgres" else "SQLite"
            timings: dict[str, dict[int, tuple[float, float]]] = {
                "first import": {},
                "re-import": {},
            }
            for rows in SIZES:
                if engine == "postgres":
                    url = asyncio.run(_fresh_postgres(scale))
                else:
                    db = base / f"linear-{rows}.db"
                    url = fresh_database(db, scale)
                try:
                    load = _load()
                    first = asyncio.run(_import(url, files[rows][0]))[:2]
                    again = asyncio.run(_import(url, files[rows][1], first=False))[:2]
                finally:
                    if engine == "postgres":
                        asyncio.run(_drop_postgres())
                    else:
                        db.unlink()
                timings["first import"][rows] = first
                timings["re-import"][rows] = again
                print(
                    f"   {label} {rows:,} rows: first import {first[0]:.1f} s "
                    f"(CPU {first[1]:.1f} s), re-import {again[0]:.1f} s (CPU {again[1]:.1f} s)"
                    f" ({load})",
                    flush=True,
                )
            for kind, seconds in timings.items():
                results += _per_row_results(label, kind, seconds)
    return results


def _per_row_results(
    label: str, kind: str, seconds: dict[int, tuple[float, float]]
) -> list[Result]:
    """Time per row against the smallest size's. The target is on CPU time (this process and
    its server processes), which the machine's other work moves far less than wall time."""
    smallest = min(seconds)
    wall_0, cpu_0 = (t / smallest * 1e6 for t in seconds[smallest])
    results = []
    for rows, (wall, cpu) in sorted(seconds.items()):
        if rows == smallest:
            continue
        wall_us, cpu_us = wall / rows * 1e6, cpu / rows * 1e6
        ratio = cpu_us / cpu_0
        results.append(
            Result(
                f"4. {label} {kind}, {rows // 1000}k documentos ({TERCEROS // 1000}k terceros)",
                f"CPU {cpu_us:.0f} µs/row · wall {wall_us:.0f} µs/row ({wall:.1f} s)",
                f"{smallest // 1000}k rows: CPU {cpu_0:.0f} µs/row · wall {wall_0:.0f} µs/row "
                f"({seconds[smallest][0]:.1f} s)",
                f"CPU {ratio:.2f}× · wall {wall_us / wall_0:.2f}×",
                f"CPU {1 - LINEAR_TOLERANCE:.2f}–{1 + LINEAR_TOLERANCE:.2f}×",
                abs(ratio - 1) <= LINEAR_TOLERANCE,
            )
        )
    return results


if __name__ == "__main__":
    from bench.common import table

    if sys.argv[1:2] == ["linear"]:
        print(table(linearity(tuple(sys.argv[2:]) or ("postgres", "sqlite"))))
    else:
        print(table(versus_raw(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)))
