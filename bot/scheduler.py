"""JobQueue wiring: a repeating tick every CRM_NOTIFY_INTERVAL_SECONDS that runs one
notification round, and a daily job at CRM_DIGEST_TIME for the morning digest.

The jobs only tick; every process runs them, and the database claims keep each ping, digest
and escalation to exactly one delivery.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from bot.notifier import Notifier
from bot.settings import Settings
from crm.cobranza.promises import evaluate_promises
from crm.kernel.context import Crm
from handlers.cobranza.payments import tell_unseen_payments

NOTIFIER = "notifier"


def make_notifier(app: Application[Any, Any, Any, Any, Any, Any]) -> Notifier:
    """A notifier for this process, configured from the app's settings."""
    settings: Settings = app.bot_data["settings"]
    crm: Crm = app.bot_data["crm"]
    # Short leases, renewed by the round while it runs (a slow round keeps its claims; a
    # killed process's claims free up one lease later). CRM_NOTIFY_LEASE_SECONDS, 60 s.
    lease = timedelta(seconds=settings.notify_lease_seconds)
    return Notifier(
        crm,
        app.bot,
        language=settings.language,
        digest_at=settings.digest_at,
        escalate_after_hours=settings.escalate_after_hours,
        lease=lease,
    )


async def _round(context: CallbackContext[Any, Any, Any, Any]) -> None:
    notifier: Notifier = context.application.bot_data[NOTIFIER]
    await notifier.run_round()


async def _promises(context: CallbackContext[Any, Any, Any, Any]) -> None:
    # Idempotent and row-locked, so every instance may run it.
    await evaluate_promises(context.application.bot_data["crm"])


async def _digest(context: CallbackContext[Any, Any, Any, Any]) -> None:
    notifier: Notifier = context.application.bot_data[NOTIFIER]
    await notifier.run_digest()


def schedule(app: Application[Any, Any, Any, Any, Any, Any]) -> Notifier:
    """Install the notifier and its jobs on a running application's JobQueue."""
    settings: Settings = app.bot_data["settings"]
    notifier = make_notifier(app)
    app.bot_data[NOTIFIER] = notifier
    queue = app.job_queue
    if queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    # A round still running when the next tick comes is not doubled, just skipped.
    once = {"max_instances": 1, "coalesce": True}
    queue.run_repeating(
        _round,
        interval=settings.notify_interval_seconds,
        first=5,
        name="notify-round",
        job_kwargs=once,
    )
    queue.run_daily(
        _digest,
        time=settings.digest_at.replace(tzinfo=settings.tz),
        name="morning-digest",
        job_kwargs=once,
    )
    # A promise whose date passed yesterday becomes "incumplido" early in the morning, before
    # the digest; imports of documents re-evaluate promises too.
    queue.run_daily(
        _promises,
        time=time(0, 5, tzinfo=settings.tz),
        name="promises",
        job_kwargs=once,
    )
    return notifier


async def _payment_notices(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await tell_unseen_payments(context.application)


def schedule_payment_notices(
    app: Application[Any, Any, Any, Any, Any, Any], interval: float
) -> None:
    """Look for "pago no visto en cartera" notices every ``interval`` seconds."""
    if app.job_queue is None:
        return
    for job in app.job_queue.get_jobs_by_name(PAYMENT_NOTICES):
        job.schedule_removal()
    app.job_queue.run_repeating(
        _payment_notices, interval=interval, first=interval, name=PAYMENT_NOTICES
    )


PAYMENT_NOTICES = "payment-unseen-notices"
