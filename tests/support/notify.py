"""Builders for notification tests: follow-ups written straight to the database, an offline
bot for a notifier, and readers of what the notifier sent."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import select
from telegram import Bot

from bot.notifier import Notifier, RetryPolicy
from crm.kernel.context import Crm
from storage.models import FollowUp
from tests.support.data import type_id
from tests.support.telegram import TOKEN, ApiCall, RecordingRequest

NO_WAIT = RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.01, max_retry_after=0.01)


async def add_followups(
    crm: Crm,
    owner_id: int,
    tercero_id: int,
    due: datetime,
    count: int = 1,
    *,
    note: str | None = None,
    document_id: int | None = None,
    step: timedelta = timedelta(minutes=1),
) -> list[int]:
    """``count`` active follow-ups due at ``due``, ``due + step``, …; their ids."""
    ftype = await type_id(crm)
    async with crm.sessions.begin() as session:
        rows = [
            FollowUp(
                tercero_id=tercero_id,
                type_id=ftype,
                owner_id=owner_id,
                due_at=due + i * step,
                status="active",
                note=note,
                document_id=document_id,
                created_at=due - timedelta(days=1),
                postpone_count=0,
                version=1,
            )
            for i in range(count)
        ]
        session.add_all(rows)
        await session.flush()
        return [r.id for r in rows]


async def followup(crm: Crm, followup_id: int) -> FollowUp:
    async with crm.sessions() as session:
        row = await session.scalar(select(FollowUp).where(FollowUp.id == followup_id))
    assert row is not None
    return row


class Sleeps:
    """A fake ``asyncio.sleep`` that records how long the notifier asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


async def offline_bot(request: RecordingRequest) -> Bot:
    bot = Bot(TOKEN, request=request, get_updates_request=request)
    await bot.initialize()
    return bot


def notifier(crm: Crm, bot: Bot, instance_id: str = "test:1", **kwargs: object) -> Notifier:
    kwargs.setdefault("retry", NO_WAIT)
    kwargs.setdefault("sleep", Sleeps())
    return Notifier(crm, bot, instance_id=instance_id, **kwargs)  # type: ignore[arg-type]


_ID = re.compile(r"^fu:(?:open|cl):(\d+)")


def followup_ids(call: ApiCall) -> list[int]:
    """The follow-ups a sent message is about, read from its buttons."""
    ids = []
    for _label, data in call.buttons:
        match = _ID.match(data or "")
        if match and int(match.group(1)) not in ids:
            ids.append(int(match.group(1)))
    return ids


def messages(request: RecordingRequest, chat_id: int | None = None) -> list[ApiCall]:
    """Messages that went out (the request layer records failed attempts too)."""
    return [c for c in request.sent("sendMessage") if chat_id is None or c.chat_id == chat_id]
