"""Key/value JSON rows behind the bot's persistence (conversations and per-user data)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from storage.db import SessionFactory
from storage.models import BotState


async def load(sessions: SessionFactory, namespace: str) -> dict[str, Any]:
    async with sessions() as session:
        rows = (
            await session.execute(
                select(BotState.key, BotState.data).where(BotState.namespace == namespace)
            )
        ).all()
    return {key: json.loads(data) for key, data in rows}


async def load_one(sessions: SessionFactory, namespace: str, key: str) -> Any:
    async with sessions() as session:
        data = await session.scalar(
            select(BotState.data).where(BotState.namespace == namespace, BotState.key == key)
        )
    return None if data is None else json.loads(data)


async def save(sessions: SessionFactory, namespace: str, key: str, value: Any) -> None:
    """Insert or replace one value (``None`` deletes it)."""
    async with sessions.begin() as session:
        row = await session.get(BotState, (namespace, key))
        if value is None:
            if row is not None:
                await session.delete(row)
            return
        data = json.dumps(value, ensure_ascii=False, default=str)
        if row is None:
            session.add(BotState(namespace=namespace, key=key, data=data))
        elif row.data != data:
            row.data = data


async def clear(sessions: SessionFactory, namespace: str, key: str) -> None:
    async with sessions.begin() as session:
        await session.execute(
            delete(BotState).where(BotState.namespace == namespace, BotState.key == key)
        )


async def take_lease(
    sessions: SessionFactory,
    namespace: str,
    key: str,
    holder: str,
    now: datetime,
    until: datetime,
) -> bool:
    """Hold ``namespace/key`` for ``holder`` until ``until``; False while someone else holds
    an unexpired lease (an expired one is taken over: its holder crashed)."""
    data = json.dumps({"holder": holder, "until": until.isoformat()})
    try:
        async with sessions.begin() as session:
            row = await session.get(BotState, (namespace, key), with_for_update=True)
            if row is None:
                session.add(BotState(namespace=namespace, key=key, data=data))
                return True
            lease = json.loads(row.data)
            if lease.get("holder") != holder and datetime.fromisoformat(lease["until"]) > now:
                return False
            row.data = data
            return True
    except IntegrityError:  # another instance inserted the same lease a moment before
        return False


async def drop_lease(sessions: SessionFactory, namespace: str, key: str, holder: str) -> None:
    """Give a lease back, if ``holder`` still has it."""
    async with sessions.begin() as session:
        row = await session.get(BotState, (namespace, key), with_for_update=True)
        if row is not None and json.loads(row.data).get("holder") == holder:
            await session.delete(row)


async def prune_leases(
    sessions: SessionFactory, namespace: str, before: datetime, batch: int = 500
) -> int:
    """Delete the leases of ``namespace`` that expired before ``before`` (their holders are
    long done; an expired lease would only be taken over); returns how many."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(BotState.key, BotState.data).where(BotState.namespace == namespace)
            )
        ).all()
    stale = []
    for key, data in rows:
        try:
            until = datetime.fromisoformat(json.loads(data)["until"])
        except (ValueError, KeyError, TypeError):
            continue  # not a lease: not ours to judge
        if until < before:
            stale.append(key)
    deleted = 0
    for start in range(0, len(stale), batch):
        keys = stale[start : start + batch]
        async with sessions.begin() as session:
            # Re-checked in the transaction: a lease renewed meanwhile stays.
            current = (
                await session.execute(
                    select(BotState.key, BotState.data)
                    .where(BotState.namespace == namespace, BotState.key.in_(keys))
                    .with_for_update()
                )
            ).all()
            gone = [
                key
                for key, data in current
                if datetime.fromisoformat(json.loads(data)["until"]) < before
            ]
            if gone:
                result = await session.execute(
                    delete(BotState).where(BotState.namespace == namespace, BotState.key.in_(gone))
                )
                deleted += int(result.rowcount)  # type: ignore[attr-defined]
    return deleted
