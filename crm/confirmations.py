"""Confirmations that run once.

A confirm button carries a random token drawn with its prompt. The use case behind it claims
the token in its own transaction (a row in ``confirmations``) and stores what it did there, so
the claim commits or rolls back with the action. A second press of the same button (a double
tap, a webhook retry, the same message tapped on another instance) finds the claim and gets
the first press's result back instead of acting again: no second audit row, no "0 moved".

Two presses at the same instant: on PostgreSQL the second INSERT waits for the first
transaction and then fails on the primary key, and the row it re-reads is the committed one;
SQLite runs one writer at a time (``BEGIN IMMEDIATE``), so the second finds the row at once.
An action that fails rolls its claim back too: pressing again tries again.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm.context import Crm
from crm.errors import InvalidInput
from crm.users import Actor
from storage.models import Confirmation

# Long enough not to be guessed, short enough for 64-byte callback data.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
KEEP = timedelta(days=30)
PRUNE_BATCH = 50


def new_token() -> str:
    """A fresh token for one confirm prompt (11 URL-safe characters, 64 random bits)."""
    return secrets.token_urlsafe(8)


@dataclass
class Ticket:
    """The claim of one press: ``previous`` is the first press's result when this press is a
    repeat; otherwise the caller acts and calls :meth:`keep` with what it did."""

    previous: dict[str, Any] | None
    _row: Confirmation | None = field(default=None, repr=False)

    @property
    def repeated(self) -> bool:
        return self.previous is not None

    def keep(self, result: dict[str, Any]) -> None:
        if self._row is not None:
            self._row.result = json.dumps(result, ensure_ascii=False, default=str)


async def claim(
    session: AsyncSession, crm: Crm, actor: Actor, token: str | None, action: str
) -> Ticket:
    """Claim ``token`` for ``action`` inside the caller's transaction. ``None`` (the CLI,
    tests of the use case alone) claims nothing."""
    if token is None:
        return Ticket(None)
    if not _TOKEN.match(token):
        raise InvalidInput("error.confirm_unknown")
    now = crm.now()
    await _prune(session, now - KEEP)
    existing = await session.get(Confirmation, token)
    if existing is None:
        row = Confirmation(token=token, action=action, actor_id=actor.id, at=now, result="{}")
        try:
            async with session.begin_nested():
                session.add(row)
        except IntegrityError:
            # Another press claimed it a moment ago and has committed: read what it did.
            existing = await session.scalar(
                select(Confirmation)
                .where(Confirmation.token == token)
                .execution_options(populate_existing=True)
            )
            if existing is None:  # pragma: no cover - the other press rolled back meanwhile
                raise
        else:
            return Ticket(None, row)
    if existing.action != action or existing.actor_id != actor.id:
        raise InvalidInput("error.confirm_unknown")
    previous = json.loads(existing.result)
    return Ticket(previous if isinstance(previous, dict) else {})


async def _prune(session: AsyncSession, before: datetime) -> None:
    """Forget a few claims older than ``before`` (a month: no one presses those buttons any
    more). Rows another transaction holds are skipped, so presses never wait on each other
    here (PostgreSQL; SQLite runs one writer at a time anyway)."""
    old = (
        await session.scalars(
            select(Confirmation.token)
            .where(Confirmation.at < before)
            .order_by(Confirmation.at)
            .limit(PRUNE_BATCH)
            .with_for_update(skip_locked=True)
        )
    ).all()
    if old:
        await session.execute(delete(Confirmation).where(Confirmation.token.in_(old)))
