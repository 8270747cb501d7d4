"""Telegram's sending budget shared by every instance: ≤ 30 messages in any second overall and
≤ 1 per second per chat, counted across processes.

``bot/ratelimit.py`` paces one process. Behind a webhook several instances send at once (a
backlog of pings at the opening of working hours, answers to users), so each send also takes
a ticket from a store every instance sees:

* Redis, when ``CRM_REDIS_URL`` is set (``pip install crm-bot[redis]``): one Lua script per
  ticket, atomic on the server, timed by the server's clock;
* PostgreSQL otherwise (webhook mode needs it anyway): a row per ticket in ``send_budget``,
  taken under a transaction-scoped advisory lock, timed by ``clock_timestamp()``.

A ticket is held from departure until ``period`` after the answer (as ``SlidingWindow`` does:
however late Telegram counted the message, it has left Telegram's window by then). A ticket
whose holder died is forgotten after ``IN_FLIGHT`` seconds. When the store cannot be reached
the send goes out paced by this process alone (logged): the budget must never stop the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

log = logging.getLogger("crm_bot.budget")

OVERALL = 30
PERIOD = 1.0
IN_FLIGHT = 20.0  # longer than any request (PTB: 5 s connect + 5 s write + 5 s read)
POLL = 0.02  # while every ticket is in flight, look again this often (seconds)
PREFIX = "crm:budget"


class Budget(Protocol):
    async def acquire(self, chat_id: int | None) -> str | None: ...

    async def release(self, ticket: str | None, chat_id: int | None) -> None: ...

    async def close(self) -> None: ...


@contextlib.asynccontextmanager
async def ticket(budget: Budget, chat_id: int | None) -> AsyncIterator[None]:
    """Hold a ticket around one send; a failing store degrades to local pacing."""
    held: str | None = None
    try:
        held = await budget.acquire(chat_id)
    except Exception:
        log.warning("shared send budget unavailable; pacing this process only", exc_info=True)
    try:
        yield
    finally:
        if held is not None:
            try:
                await budget.release(held, chat_id)
            except Exception:
                log.warning("could not release a send ticket (it expires)", exc_info=True)


# --- Redis -------------------------------------------------------------------------------------

_ACQUIRE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local limit, period, inflight = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if KEYS[2] ~= '' and redis.call('EXISTS', KEYS[2]) == 1 then
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl > period then return -1 end
  return math.max(ttl, 1)
end
if redis.call('ZCARD', KEYS[1]) >= limit then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local wait = tonumber(first[2]) - now
  if wait > period then return -1 end
  return math.max(wait, 1)
end
redis.call('ZADD', KEYS[1], now + inflight, ARGV[4])
redis.call('PEXPIRE', KEYS[1], inflight + period)
if KEYS[2] ~= '' then redis.call('SET', KEYS[2], ARGV[4], 'PX', inflight) end
return 0
"""

_RELEASE = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local period = tonumber(ARGV[1])
redis.call('ZADD', KEYS[1], 'XX', now + period, ARGV[2])
if KEYS[2] ~= '' and redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', period)
end
return 0
"""


class RedisBudget:
    """The budget in Redis (``CRM_REDIS_URL``)."""

    def __init__(
        self, url: str, *, overall: int = OVERALL, period: float = PERIOD, prefix: str = PREFIX
    ) -> None:
        try:
            import redis.asyncio as aioredis
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise RuntimeError(
                "CRM_REDIS_URL is set but the redis package is missing: "
                "pip install 'crm-bot[redis]'"
            ) from exc
        self.client: Any = aioredis.from_url(url)
        self.overall, self.period, self.prefix = overall, period, prefix
        self._acquire = self.client.register_script(_ACQUIRE)
        self._release = self.client.register_script(_RELEASE)

    def _keys(self, chat_id: int | None) -> list[str]:
        chat = f"{self.prefix}:chat:{chat_id}" if chat_id is not None else ""
        return [f"{self.prefix}:overall", chat]

    async def acquire(self, chat_id: int | None) -> str | None:
        member = secrets.token_hex(8)
        args: list[int | str] = [
            self.overall,
            int(self.period * 1000),
            int(IN_FLIGHT * 1000),
            member,
        ]
        while True:
            wait = int(await self._acquire(keys=self._keys(chat_id), args=args))
            if wait == 0:
                return member
            await asyncio.sleep(POLL if wait < 0 else wait / 1000)

    async def release(self, ticket: str | None, chat_id: int | None) -> None:
        if ticket is not None:
            await self._release(keys=self._keys(chat_id), args=[int(self.period * 1000), ticket])

    async def close(self) -> None:
        await self.client.aclose()


# --- PostgreSQL --------------------------------------------------------------------------------

_LOCK_KEY = 0x6372_6D62_7564  # "crmbud": one advisory lock for the budget


@dataclass
class PostgresBudget:
    """The budget in PostgreSQL (``send_budget``, migration 0006b)."""

    sessions: Any
    overall: int = OVERALL
    period: float = PERIOD

    async def acquire(self, chat_id: int | None) -> str | None:
        from sqlalchemy import text

        while True:
            async with self.sessions.begin() as session:
                await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                await session.execute(
                    text("DELETE FROM send_budget WHERE until < clock_timestamp()")
                )
                row = (
                    await session.execute(
                        text(
                            "SELECT count(*), "
                            "extract(epoch FROM min(until) - clock_timestamp()), "
                            "extract(epoch FROM max(until) FILTER (WHERE chat_id = :chat) "
                            "  - clock_timestamp()) "
                            "FROM send_budget"
                        ),
                        {"chat": chat_id},
                    )
                ).one()
                count, first_wait, chat_wait = int(row[0]), row[1], row[2]
                wait: float | None = None
                if chat_id is not None and chat_wait is not None:
                    wait = float(chat_wait)
                elif count >= self.overall:
                    wait = float(first_wait or 0)
                if wait is None:
                    member = secrets.token_hex(8)
                    await session.execute(
                        text(
                            "INSERT INTO send_budget (member, chat_id, until) VALUES "
                            "(:m, :chat, clock_timestamp() + make_interval(secs => :f))"
                        ),
                        {"m": member, "chat": chat_id, "f": IN_FLIGHT},
                    )
                    return member
            await asyncio.sleep(POLL if wait > self.period else max(wait, 0.001))

    async def release(self, ticket: str | None, chat_id: int | None) -> None:
        from sqlalchemy import text

        if ticket is None:
            return
        async with self.sessions.begin() as session:
            await session.execute(
                text(
                    "UPDATE send_budget SET until = clock_timestamp() + "
                    "make_interval(secs => :p) WHERE member = :m"
                ),
                {"p": self.period, "m": ticket},
            )

    async def close(self) -> None:
        return None


def make_budget(redis_url: str | None, database_url: str, sessions: Any) -> Budget | None:
    """Redis when configured, else PostgreSQL; None on SQLite (one instance only)."""
    if redis_url:
        return RedisBudget(redis_url)
    if database_url.startswith("postgresql"):
        return PostgresBudget(sessions)
    return None
