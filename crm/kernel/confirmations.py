"""Confirmations that run once, for the user they were shown to.

A confirm button carries a random token drawn with its prompt (:func:`issue`), stored with
the user it was shown to. The use case behind the button claims the token in its own
transaction and stores what it did there, so the claim commits or rolls back with the action.
A second press of the same button (a double tap, a webhook retry, the same message tapped on
another instance) finds the claim and gets the first press's result back instead of acting
again: no second audit row, no "0 moved". A press by anyone else (a forwarded message,
crafted data) and a token never drawn are refused and do nothing.

Two presses at the same instant: on PostgreSQL the second waits on the token's row for the
first transaction and then reads its committed result; SQLite runs one writer at a time
(``BEGIN IMMEDIATE``), so the second finds the result at once. An action that fails rolls its
claim back too: pressing again tries again.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized
from storage.models import Confirmation

# Long enough not to be guessed, short enough for 64-byte callback data.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
KEEP = timedelta(days=30)
# ``result`` of a token drawn for a prompt and not pressed yet.
SHOWN = ""
PRUNE_BATCH = 50


def new_token() -> str:
    """A fresh random token (11 URL-safe characters, 64 random bits)."""
    return secrets.token_urlsafe(8)


async def issue(crm: Crm, actor: Actor) -> str:
    """A token for one confirm prompt shown to ``actor``: only ``actor`` can claim it."""
    token = new_token()
    now = crm.now()
    async with crm.write() as session:
        await _prune(session, now - KEEP)
        session.add(Confirmation(token=token, action="", actor_id=actor.id, at=now, result=SHOWN))
    return token


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
    tests of the use case alone) claims nothing. Refused (InvalidInput / NotAuthorized) when
    the token was never drawn, was drawn for someone else, or already did another action."""
    if token is None:
        return Ticket(None)
    if not _TOKEN.match(token):
        raise InvalidInput("error.confirm_unknown")
    now = crm.now()
    await _prune(session, now - KEEP)
    # FOR UPDATE: a press at the same instant waits here for this one's transaction, then
    # reads the row as it committed (claimed, with its result; or still shown if it failed).
    row = await session.scalar(
        select(Confirmation)
        .where(Confirmation.token == token)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if row is None:
        # Never drawn (crafted data, a button of an earlier release) or forgotten after KEEP.
        raise InvalidInput("error.confirm_unknown")
    if row.actor_id != actor.id:
        raise NotAuthorized()
    if row.result == SHOWN:
        row.action, row.at, row.result = action, now, "{}"
        return Ticket(None, row)
    if row.action != action:
        raise InvalidInput("error.confirm_unknown")
    previous = json.loads(row.result)
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
