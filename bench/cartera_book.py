"""Time /cartera's book aging and a tercero's cartera on a book of 100k documents (SQLite).

Run by hand: ``PYTHONPATH=. .venv/bin/python bench/cartera_book.py [documents]``. Prints times;
writes only to a temporary database.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import insert

from crm import terceros
from crm.cobranza import cartera
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from storage.models import Document, Tercero
from tests.support.crmkit import START, make_test_crm, seed_team


async def main(total: int) -> None:
    folder = tempfile.mkdtemp()
    crm = await make_test_crm(f"sqlite+aiosqlite:///{folder}/bench.db", FakeClock(START))
    users = await seed_team(crm)
    agents = [users["LUIS"], users["MARIA"], users["PEDRO"]]
    rng = random.Random(7)
    n_terceros = max(1, total // 20)
    async with crm.sessions.begin() as session:
        await session.execute(
            insert(Tercero),
            [
                {
                    "nit": f"{800000000 + i}-1",
                    "nit_base": str(800000000 + i),
                    "name": f"Cliente {i}",
                    "search_name": f"cliente {i}",
                    "encargado_id": agents[i % 3],
                }
                for i in range(1, n_terceros + 1)
            ],
        )
        today = date(2026, 11, 27)
        await session.execute(
            insert(Document),
            [
                {
                    "tercero_id": rng.randint(1, n_terceros),
                    "doc_type": "FV",
                    "number": str(i),
                    "date": today - timedelta(days=rng.randint(0, 400)),
                    "due_date": today - timedelta(days=rng.randint(-60, 300)),
                    "value": Decimal("1000000.00"),
                    "balance": Decimal(rng.choice(["0", "125000.35", "999999.99"])),
                }
                for i in range(total)
            ],
        )
    for tg, who in ((1, "admin"), (2, "supervisor"), (3, "agent")):
        actor = await resolve_actor(crm, tg)
        assert actor is not None
        started = time.perf_counter()
        book = await cartera.book_summary(crm, actor)
        elapsed = time.perf_counter() - started
        print(f"book_summary {who:10s} {book.documents:7d} open docs  {elapsed * 1000:7.1f} ms")
    admin = await resolve_actor(crm, 1)
    assert admin is not None
    started = time.perf_counter()
    await cartera.tercero_cartera(crm, admin, 1)
    print(f"tercero_cartera            {(time.perf_counter() - started) * 1000:7.1f} ms")
    started = time.perf_counter()
    await terceros.search(crm, admin, "cliente 12")
    print(f"search                     {(time.perf_counter() - started) * 1000:7.1f} ms")
    await crm.sessions.kw["bind"].dispose()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
