"""Benchmark 3: a 100k-row ``seguimientos`` report against xlsxwriter ``constant_memory``.

Ours is the real path of ``/informe`` and ``crm-bot report``: ``crm.reports.build_report``
(streamed query on the event loop, rows converted and written by xlsxwriter in
``constant_memory`` mode in a worker thread, with wrap, print setup and the Resumen charts).
The baseline is the fastest plain pipeline we know: the same rows fetched with raw ``sqlite3``
and written by xlsxwriter in ``constant_memory`` mode with the same number formats.

Each contender runs in a fresh interpreter (``python -m bench.report --child ...``) so that
peak RSS (``VmHWM``) belongs to it alone. While ours builds, a coroutine on the same event
loop wakes every 5 ms and records how late it woke: the longest gap is the event-loop stall
the bot's other users would feel.

    PYTHONPATH=. .venv/bin/python -m bench report
    PYTHONPATH=. .venv/bin/python -m bench.report [ROWS]
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench.common import Result
from bench.data import NOW, Scale, fill_sqlite

ROWS = 100_000
TICK = 0.005
DAY = timedelta(days=1)
TARGET_RATIO = 1.5
TARGET_RSS_MB = 80.0
TARGET_STALL_MS = 100.0
BOGOTA = ZoneInfo("America/Bogota")
ROOT = Path(__file__).resolve().parent.parent


# --- data ------------------------------------------------------------------------------------


def prepare(folder: str, rows: int) -> str:
    """A migrated SQLite file with ``rows`` follow-ups (closed ones with a state), one
    'created' event each, so the report's last-activity column has something to find, and a
    two-line observation on every fourth one."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    path = f"{folder}/report.db"

    async def migrate() -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()

    asyncio.run(migrate())
    fill_sqlite(path, Scale(agents=40, terceros=max(1, rows // 10), followups=rows))
    con = sqlite3.connect(path)
    with con:
        con.execute("UPDATE followups SET state_id = 3 WHERE status = 'closed'")
        con.execute("UPDATE followups SET state_id = 7 WHERE status = 'discarded'")
        con.execute(
            "INSERT INTO followup_events (followup_id, kind, at, actor_id, text) "
            "SELECT id, 'created', created_at, owner_id, note FROM followups"
        )
        # Every fourth follow-up has an observation logged a day later (Observaciones).
        con.execute(
            "INSERT INTO followup_events (followup_id, kind, at, actor_id, text) "
            "SELECT id, 'observation', datetime(created_at, '+1 day'), owner_id, "
            "'Llamó el cliente' || char(10) || 'pide otra fecha' FROM followups WHERE id % 4 = 0"
        )
    con.execute("ANALYZE")
    con.close()
    return path


# --- contenders (each in its own process) ----------------------------------------------------


def _vm_hwm_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _vm_rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def _ours(db: str, out_dir: str) -> dict[str, Any]:
    from crm.kernel.actor import SYSTEM
    from crm.kernel.clock import FakeClock
    from crm.kernel.context import Crm
    from crm.reports import build_report, parse_request
    from storage.db import make_engine, make_session_factory

    engine = make_engine(f"sqlite+aiosqlite:///{db}")
    crm = Crm(sessions=make_session_factory(engine), tz=BOGOTA, clock=FakeClock(NOW))
    request = parse_request(["seguimientos", "2000-01-01", "2099-12-31"], crm.today())
    # Warm the pool and the imports so only the build is timed.
    async with engine.connect():
        pass
    rss_before = _vm_rss_mb()
    stall = 0.0
    running = True

    async def ticker() -> None:
        nonlocal stall
        loop = asyncio.get_running_loop()
        while running:
            expected = loop.time() + TICK
            await asyncio.sleep(TICK)
            stall = max(stall, loop.time() - expected)

    tick = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = time.perf_counter()
    report = await build_report(
        crm, SYSTEM, request, "es", directory=Path(out_dir), unlimited=True
    )
    seconds = time.perf_counter() - started
    running = False
    await tick
    size = report.size
    report.discard()
    await engine.dispose()
    return {
        "seconds": seconds,
        "rows": report.rows,
        "size": size,
        "stall_ms": stall * 1000,
        "rss_before_mb": rss_before,
    }


BASELINE_SQL = """
SELECT f.id, t.nit, t.name, ty.name, s.name, f.status, u.name, f.created_at, f.due_at,
       f.closed_at, f.postpone_count,
       (SELECT max(e.at) FROM followup_events e WHERE e.followup_id = f.id),
       f.note, f.root_id, d.doc_type, d.number, d.balance,
       (SELECT group_concat(o.text, char(10)) FROM (
            SELECT e.text FROM followup_events e
            WHERE e.followup_id = f.id AND e.kind = 'observation' ORDER BY e.at DESC) o)
FROM followups f
JOIN terceros t ON t.id = f.tercero_id
JOIN followup_types ty ON ty.id = f.type_id
JOIN users u ON u.id = f.owner_id
LEFT JOIN states s ON s.id = f.state_id
LEFT JOIN documents d ON d.id = f.document_id
ORDER BY f.id
"""
STATUS = {"active": "Activo", "closed": "Cerrado", "discarded": "Descartado"}


def _baseline(db: str, out_dir: str) -> dict[str, Any]:
    import xlsxwriter

    rss_before = _vm_rss_mb()
    started = time.perf_counter()
    path = f"{out_dir}/baseline.xlsx"
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("Seguimientos")
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "DD/MM/YYYY HH:MM"})
    # The same headers as ours (crm.report_workbook.FOLLOWUP_COLUMNS), Spanish.
    headers = [
        "ID", "NIT", "Tercero", "Tipo", "Estado", "Responsable", "Creado", "Vence", "Cerrado",
        "Posposiciones", "Última actividad", "Observaciones", "Seguimiento principal",
        "Días de mora", "Documento", "Saldo documento",
    ]  # fmt: skip
    money = book.add_format({"num_format": '"$" #,##0'})
    now = NOW.astimezone(UTC)
    sheet.write_row(0, 0, headers, bold)
    con = sqlite3.connect(db)

    def local(text: str | None) -> datetime | None:
        if text is None:
            return None
        return datetime.fromisoformat(text).replace(tzinfo=UTC).astimezone(BOGOTA)

    rows = 0
    cursor = con.execute(BASELINE_SQL)
    while chunk := cursor.fetchmany(1000):
        for r in chunk:
            rows += 1
            sheet.write_number(rows, 0, r[0])
            sheet.write_string(rows, 1, r[1])
            sheet.write_string(rows, 2, r[2])
            sheet.write_string(rows, 3, r[3])
            sheet.write_string(rows, 4, r[4] or STATUS[r[5]])
            sheet.write_string(rows, 5, r[6])
            for col, value in ((6, r[7]), (7, r[8]), (8, r[9]), (10, r[11])):
                moment = local(value)
                if moment is not None:
                    sheet.write_datetime(rows, col, moment.replace(tzinfo=None), when)
            sheet.write_number(rows, 9, r[10])
            notes = "\n".join(n for n in (r[17], r[12]) if n)
            if notes:
                sheet.write_string(rows, 11, notes)
            sheet.write_number(rows, 12, r[13] or r[0])
            due = datetime.fromisoformat(r[8]).replace(tzinfo=UTC)
            late = -(-(now - due) // DAY) if r[5] == "active" and due < now else 0
            sheet.write_number(rows, 13, late)
            if r[14] is not None:
                sheet.write_string(rows, 14, f"{r[14]}-{r[15]}")
                sheet.write_number(rows, 15, r[16], money)
    con.close()
    book.close()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rows": rows,
        "size": os.path.getsize(path),
        "rss_before_mb": rss_before,
    }


def _child(contender: str, db: str, out_dir: str) -> None:
    ours = contender == "ours"
    figures = asyncio.run(_ours(db, out_dir)) if ours else _baseline(db, out_dir)
    figures["peak_rss_mb"] = _vm_hwm_mb()
    print(json.dumps(figures))


def measure(contender: str, db: str, out_dir: str) -> dict[str, Any]:
    """Run one contender in a fresh interpreter and return its figures."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.report", "--child", contender, db, out_dir],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{contender} failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


# --- the benchmark ---------------------------------------------------------------------------


def run(rows: int = ROWS) -> list[Result]:
    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        db = prepare(folder, rows)
        print(f"   data: {rows:,} follow-ups in {time.perf_counter() - t0:.1f} s", flush=True)
        base = measure("xlsxwriter", db, folder)
        ours = measure("ours", db, folder)
    if ours["rows"] != base["rows"]:
        raise RuntimeError(f"row counts differ: ours {ours['rows']}, baseline {base['rows']}")
    ratio = ours["seconds"] / base["seconds"]
    n = f"{ours['rows'] // 1000}k"
    return [
        Result(
            f"3. report {n} rows: time",
            f"{ours['seconds']:.2f} s",
            f"xlsxwriter {base['seconds']:.2f} s",
            f"{ratio:.2f}×",
            f"≤ {TARGET_RATIO}×",
            ratio <= TARGET_RATIO,
            [
                f"file sizes: ours {ours['size'] / 1e6:.1f} MB, "
                f"xlsxwriter {base['size'] / 1e6:.1f} MB"
            ],
        ),
        Result(
            f"3. report {n} rows: peak RSS",
            f"{ours['peak_rss_mb']:.0f} MB",
            f"xlsxwriter {base['peak_rss_mb']:.0f} MB",
            f"{ours['peak_rss_mb'] / base['peak_rss_mb']:.2f}×",
            f"≤ {TARGET_RSS_MB:.0f} MB",
            ours["peak_rss_mb"] <= TARGET_RSS_MB,
            [
                f"RSS before building (interpreter + imports): ours "
                f"{ours['rss_before_mb']:.0f} MB, xlsxwriter {base['rss_before_mb']:.0f} MB"
            ],
        ),
        Result(
            f"3. report {n} rows: event-loop stall",
            f"{ours['stall_ms']:.0f} ms",
            "—",
            "—",
            f"≤ {TARGET_STALL_MS:.0f} ms",
            ours["stall_ms"] <= TARGET_STALL_MS,
        ),
    ]


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        from bench.common import table

        print(table(run(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)))
