"""Strangers (unknown or deactivated Telegram users) hear the refusal at most once every ten
minutes, across every bot instance sharing the database."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm.kernel.context import Crm
from storage.botstate import prune_leases, take_lease

REFUSALS = "refusal"


async def claim_refusal(crm: Crm, telegram_id: int, holder: str, every: timedelta) -> bool:
    """True for the one caller (``holder``: this instance and update) that may refuse this
    stranger now; False while another refusal of the last ``every`` stands."""
    now = crm.now()
    return await take_lease(crm.sessions, REFUSALS, str(telegram_id), holder, now, now + every)


async def prune_refusals(crm: Crm, before: datetime) -> int:
    """Forget the refusals that expired before ``before`` (one row per stranger otherwise
    stays for ever); pruned with ``processed_updates`` (bot/webhook.py)."""
    return await prune_leases(crm.sessions, REFUSALS, before)
