"""Scheduled work wired into PTB's JobQueue: delivery of subscribed reports."""

from __future__ import annotations

import logging
from typing import Any

from telegram.constants import ParseMode
from telegram.error import Forbidden
from telegram.ext import Application, ContextTypes

from bot.notifier import make_instance_id
from crm.kernel.context import Crm
from crm.reports import Delivery, due_subscriptions
from handlers.reports import send_report
from handlers.texts import t

log = logging.getLogger("crm_bot.jobs")

# Names this process in claims, so a lease shows which instance holds a delivery.
INSTANCE_ID = make_instance_id()
REPORTS_JOB = "report-subscriptions"


async def deliver_due_reports(
    app: Application[Any, Any, Any, Any, Any, Any], instance: str = INSTANCE_ID
) -> int:
    """Send every subscribed report that is due (once across instances); returns how many."""
    crm: Crm = app.bot_data["crm"]
    default_lang = app.bot_data["settings"].language

    async def deliver(delivery: Delivery) -> None:
        try:
            if delivery.report is not None:
                await send_report(app.bot, delivery.telegram_id, delivery.lang, delivery.report)
            elif delivery.error is not None:
                reason = t(delivery.lang, delivery.error.key, **delivery.error.params)
                await app.bot.send_message(
                    delivery.telegram_id,
                    t(
                        delivery.lang,
                        "report.subscription_failed",
                        kind=t(delivery.lang, f"report.kind.{delivery.kind}"),
                        reason=reason,
                    ),
                    parse_mode=ParseMode.HTML,
                )
        except Forbidden:
            # The user blocked the bot: nothing to retry; the next run tries again.
            log.warning("subscription %s: user blocked the bot", delivery.subscription_id)

    return await due_subscriptions(crm, instance, deliver, default_lang=default_lang)


async def _report_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await deliver_due_reports(context.application)


def schedule_report_jobs(
    app: Application[Any, Any, Any, Any, Any, Any], interval: float = 60
) -> None:
    """Check subscriptions every ``interval`` seconds; call from ``post_init``."""
    if app.job_queue is None:
        raise RuntimeError("the job-queue extra of python-telegram-bot is required")
    for job in app.job_queue.get_jobs_by_name(REPORTS_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(_report_tick, interval=interval, first=interval, name=REPORTS_JOB)
