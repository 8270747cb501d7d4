"""Update-id claims: the first instance wins, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from crm.kernel.context import Crm
from storage.db import make_engine, make_session_factory
from storage.updates import claim_update, prune


async def test_update_claimed_once_even_concurrently(crm: Crm, db_url: str) -> None:
    other_engine = make_engine(db_url)
    other = make_session_factory(other_engine)
    try:
        now = crm.now()
        results = await asyncio.gather(
            *(claim_update(s, 42, now) for s in (crm.sessions, other, crm.sessions, other))
        )
        assert sorted(results) == [False, False, False, True]
        assert await claim_update(crm.sessions, 43, now)
        assert await prune(crm.sessions, now + timedelta(seconds=1)) == 2
        assert await claim_update(crm.sessions, 42, now)  # forgotten after pruning
    finally:
        await other_engine.dispose()
