"""Two instances share Telegram's budget: sending at once through one fake Bot API that
answers 429 like Telegram (more than 30 messages in any second, or more than one per second
in a chat), they together get no 429 — through Redis (CRM_REDIS_URL) or PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.app import build_application
from bot.ratelimit import PerChatRateLimiter
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from tests.conftest import PG_URL, make_settings, make_test_crm
from tests.support.fake_bot_api import FakeBotApi, FloodLimits

REDIS_URL = os.environ.get("CRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


def redis_reachable() -> bool:
    try:
        import redis
    except ImportError:
        return False
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
        for key in client.scan_iter("crm:budget:*"):
            client.delete(key)
        client.close()
    except Exception:
        return False
    return True


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(limits=FloodLimits()) as server:
        yield server


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.skipif(not redis_reachable(), reason="no Redis")),
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="CRM_TEST_DATABASE_URL not set"),
            ],
        ),
    ]
)
async def shared(
    request: pytest.FixtureRequest, clock: FakeClock
) -> AsyncIterator[tuple[Crm, dict[str, Any]]]:
    assert PG_URL or request.param == "redis"
    if request.param == "redis":
        from tests.conftest import sqlite_url

        crm = await make_test_crm(sqlite_url(request.getfixturevalue("tmp_path")), clock)
        extra: dict[str, Any] = {"redis_url": REDIS_URL}
    else:
        assert PG_URL
        crm = await make_test_crm(PG_URL, clock)
        extra = {"database_url": PG_URL}
    yield crm, extra
    await crm.sessions.kw["bind"].dispose()


async def test_two_instances_sending_at_once_get_no_429(
    api: FakeBotApi, shared: tuple[Crm, dict[str, Any]]
) -> None:
    crm, extra = shared
    settings = make_settings(bot_api_url=api.base_url).model_copy(update=extra)
    apps = [build_application(settings, crm, multi_instance=True) for _ in range(2)]
    for app in apps:
        assert isinstance(app.bot.rate_limiter, PerChatRateLimiter)
        assert app.bot.rate_limiter.budget is not None
    async with apps[0], apps[1]:
        sends = []
        for n, app in enumerate(apps):
            sends += [app.bot.send_message(1000 * (n + 1) + i, f"aviso {i}") for i in range(40)]
            sends += [app.bot.send_message(7, f"instancia {n} · {i}") for i in range(3)]
        await asyncio.gather(*sends)
    assert api.throttled == [], api.throttled_by
    assert len(api.calls_to("sendMessage")) == 86
    assert len([c for c in api.calls_to("sendMessage") if c.chat_id == 7]) == 6
    # Together they used Telegram's budget: 86 messages need at least 2 full seconds.
    assert api.sent_at[-1] - api.sent_at[0] >= 2.0
