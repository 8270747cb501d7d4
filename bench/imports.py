"""Benchmark 4: importing a 1M-row documentos CSV against raw ``sqlite3.executemany``.

Ours is the real path of ``crm-bot import documentos FILE``: ``crm.imports.import_file``
(streamed CSV, every cell parsed and validated, NITs resolved, idempotent upsert, one
transaction). The baseline reads the same CSV with the ``csv`` module, maps each NIT to its
tercero with a dict and inserts the rows as they are with one ``executemany`` (no checks, no
upsert). Each contender gets a fresh migrated SQLite file with the same terceros loaded.

    PYTHONPATH=. .venv/bin/python -m bench imports
    PYTHONPATH=. .venv/bin/python -m bench.imports [ROWS]
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

from bench.common import Result
from bench.data import NOW, Scale, fill_sqlite, terceros

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
TERCEROS = 100_000
TARGET_SHARE = 0.5
HEADER = "nit,tipo,numero,fecha,vencimiento,valor,saldo,detalle\n"
DOC_TYPES = ("FV", "FV", "FV", "NC", "ND", "RC")


def write_csv(path: Path, rows: int, scale: Scale, seed: int = 11) -> None:
    """An ERP export as the ERP writes it: ISO dates, plain decimal amounts."""
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


def ours(url: str, csv_path: Path) -> tuple[float, int]:
    from crm.clock import FakeClock
    from crm.context import Crm
    from crm.imports import import_file
    from storage.db import make_engine, make_session_factory

    async def main() -> tuple[float, int]:
        engine = make_engine(url)
        crm = Crm(
            sessions=make_session_factory(engine),
            tz=__import__("zoneinfo").ZoneInfo("America/Bogota"),
            clock=FakeClock(NOW),
        )
        try:
            started = time.perf_counter()
            result = await import_file(crm, "documentos", csv_path)
            seconds = time.perf_counter() - started
        finally:
            await engine.dispose()
        if not result.written or result.inserted != result.rows:
            raise RuntimeError(f"import failed: {result.bad_rows} bad rows, {result.errors[:3]}")
        return seconds, result.inserted

    return asyncio.run(main())


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


def run(rows: int = ROWS) -> list[Result]:
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


if __name__ == "__main__":
    from bench.common import table

    print(table(run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)))
