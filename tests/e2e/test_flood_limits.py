"""The real rate limiter against a fake Bot API that answers 429 like Telegram: more than 30
messages in any second, or more than one per second in a chat."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from bot.app import build_application
from crm.kernel.context import Crm
from tests.conftest import make_settings
from tests.support.fake_bot_api import FakeBotApi, FloodLimits
from tests.support.telegram import TOKEN


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(limits=FloodLimits()) as server:
        yield server


def test_the_fake_api_refuses_what_telegram_would(api: FakeBotApi) -> None:
    url = f"{api.base_url}{TOKEN}/sendMessage"
    with httpx.Client() as client:
        same_chat = [client.post(url, json={"chat_id": 7, "text": "x"}) for _ in range(2)]
        many = [client.post(url, json={"chat_id": 100 + n, "text": "x"}) for n in range(31)]
    assert [r.status_code for r in same_chat] == [200, 429]
    assert same_chat[1].json()["parameters"]["retry_after"] >= 1
    assert [r.status_code for r in many].count(429) >= 2  # 1 + 29 fit in the window
    assert len(api.throttled) == 1 + [r.status_code for r in many].count(429)


async def test_a_burst_to_many_chats_and_one_chat_gets_no_429(
    api: FakeBotApi, sqlite_crm: Crm
) -> None:
    settings = make_settings(bot_api_url=api.base_url)
    app = build_application(settings, sqlite_crm)
    async with app:
        sends = [app.bot.send_message(1000 + n, f"aviso {n}") for n in range(45)]
        sends += [app.bot.send_message(7, f"uno de tres {n}") for n in range(3)]
        await asyncio.gather(*sends)
    assert api.throttled == []
    assert len(api.calls_to("sendMessage")) == 48
    to_seven = [c.text for c in api.calls_to("sendMessage") if c.chat_id == 7]
    assert to_seven == ["uno de tres 0", "uno de tres 1", "uno de tres 2"]  # in order
