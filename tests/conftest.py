"""Shared fixtures: real databases (SQLite file, and PostgreSQL when configured), a fake
clock, and an offline PTB application with a recording request layer."""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.app import build_application
from bot.settings import Settings
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from handlers.flood import FloodGuard, RefusalLimiter
from tests.support.crmkit import BOGOTA, START, make_test_crm, seed_team
from tests.support.telegram import TOKEN, ApiCall, RecordingRequest, UpdateFactory

# Re-exported: test modules import these from here.
__all__ = ["BOGOTA", "START", "make_test_crm", "seed_team"]


def _per_worker_servers() -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw0``…, made
    on first use), named in the environment before any test module reads it (subprocesses
    inherit it), so workers never share a schema. (Redis stays shared: one test uses it.)"""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    pg = os.environ.get("CRM_TEST_DATABASE_URL")
    if worker and pg:
        from sqlalchemy.engine import make_url

        base = make_url(pg)
        name = f"{base.database}_{worker}"

        async def create() -> None:
            import asyncpg

            conn = await asyncpg.connect(
                host=base.host,
                port=base.port or 5432,
                user=base.username,
                password=base.password,
                database=base.database,
            )
            try:
                exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
                if not exists:
                    await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        try:
            asyncio.run(create())
        except Exception as exc:
            # The server is down or refuses: the PostgreSQL tests fail on connecting, as they
            # would without workers; the SQLite ones still run.
            print(f"could not create the test database {name}: {exc}", file=sys.stderr)
        os.environ["CRM_TEST_DATABASE_URL"] = base.set(database=name).render_as_string(
            hide_password=False
        )


_per_worker_servers()
PG_URL = os.environ.get("CRM_TEST_DATABASE_URL")

DB_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgres",
        id="postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not PG_URL, reason="CRM_TEST_DATABASE_URL not set"),
        ],
    ),
]


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture(params=DB_PARAMS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        assert PG_URL
        return PG_URL
    return sqlite_url(tmp_path)


@pytest.fixture
async def crm(db_url: str, clock: FakeClock) -> AsyncIterator[Crm]:
    """The use-case environment on a fresh, migrated database (SQLite and PostgreSQL)."""
    env = await make_test_crm(db_url, clock)
    yield env
    await env.sessions.kw["bind"].dispose()


@pytest.fixture
async def sqlite_crm(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Crm]:
    env = await make_test_crm(sqlite_url(tmp_path), clock)
    yield env
    await env.sessions.kw["bind"].dispose()


@dataclass
class Team:
    """Ids of the seeded users (Telegram ids equal these numbers for simplicity)."""

    admin: int = 1
    ana: int = 2  # supervisor of luis and maria
    luis: int = 3
    maria: int = 4
    pedro: int = 5  # agent with no supervisor
    ghost: int = 6  # deactivated
    stranger: int = 777


@dataclass
class BotHarness:
    """A real PTB Application processing real Updates, with Telegram mocked at the wire."""

    app: Any
    request: RecordingRequest
    updates: UpdateFactory
    crm: Crm
    clock: FakeClock
    users: dict[str, int]

    async def send(self, update: Any) -> list[ApiCall]:
        """The calls the update caused, without the housekeeping that only takes an answered
        prompt's buttons away (still in ``request.calls`` for tests that check it)."""
        before = len(self.request.calls)
        await self.app.process_update(update)
        return [c for c in self.request.calls[before:] if not _removes_buttons(c)]

    async def text(self, user_id: int, text: str, language: str | None = "es") -> list[ApiCall]:
        return await self.send(
            self.updates.message(user_id, text, language=language, bot=self.app.bot)
        )

    async def press(
        self,
        user_id: int,
        data: str,
        message_id: int | None = None,
        language: str | None = "es",
    ) -> list[ApiCall]:
        """Tap a button: on the message that last showed it (or message 500, for crafted
        data no message showed)."""
        if message_id is None:
            message_id = self.request.message_with_button(data) or 500
        return await self.send(
            self.updates.callback(
                user_id, data, message_id=message_id, language=language, bot=self.app.bot
            )
        )


def _removes_buttons(call: ApiCall) -> bool:
    return call.method == "editMessageReplyMarkup" and not call.params.get("reply_markup")


def make_settings(**overrides: Any) -> Settings:
    return Settings(
        _env_file=None,
        bot_token=TOKEN,
        database_url="sqlite+aiosqlite://",
        admin_ids=[1],
        **overrides,
    )  # type: ignore[call-arg]


@pytest.fixture
async def bot(sqlite_crm: Crm, clock: FakeClock) -> AsyncIterator[BotHarness]:
    """The whole application on a seeded SQLite file."""
    users = await seed_team(sqlite_crm)
    request = RecordingRequest()
    app = build_application(make_settings(), sqlite_crm, request=request, rate_limit=False)
    # Tests fire updates far faster than a thumb: pace the flood guard at one update a second
    # (tests of the guard itself install their own).
    app.bot_data["flood_guard"] = FloodGuard(clock=itertools.count(0.0, 1.0).__next__)
    # Likewise the overall cap on refusals to strangers (a few a second).
    app.bot_data["stranger_refusals"] = RefusalLimiter(clock=itertools.count(0.0, 1.0).__next__)
    async with app:
        yield BotHarness(app, request, UpdateFactory(), sqlite_crm, clock, users)
