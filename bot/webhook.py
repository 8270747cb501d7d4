"""Webhook hardening: a body limit enforced before the body is read, and the pruning of
``processed_updates``.

**Body limit.** PTB's ``run_webhook`` serves updates with tornado's ``HTTPServer``, whose
default body limit is 100 MB, read into memory before PTB's handler checks the secret token:
four 90 MB posts without the secret took the process from 98 to 444 MB. Tornado checks
``max_body_size`` as soon as the headers arrive (a larger ``Content-Length`` is answered
``400`` and the connection closed without reading the body; a chunked body is cut off once it
passes the limit). PTB builds that server itself, with no option for it, so we use tornado's
public ``Configurable.configure``: every ``HTTPServer`` this process creates gets
``max_body_size`` by default. No PTB internals are touched; the only server in the process
is the webhook's.

**Pruning.** Each instance records the update ids it handled so a re-delivered update runs
once (``storage/updates.py``). Telegram stops re-delivering within a day; a JobQueue job
deletes ids older than ``KEEP`` every hour, and with them the strangers' ``refusal`` rows
(``bot_state``, one per stranger refused behind the webhook) that expired ``KEEP`` ago.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram.ext import Application, CallbackContext

from crm.kernel.context import Crm
from crm.people.strangers import prune_refusals
from storage.updates import prune

log = logging.getLogger("crm_bot.webhook")

# Telegram's updates are a few KB (a message is at most 4096 characters); 1 MB is ample.
MAX_BODY_BYTES = 1 << 20
KEEP = timedelta(days=3)
PRUNE_EVERY = timedelta(hours=1)
PRUNE_JOB = "prune-processed-updates"


def limit_webhook_bodies(max_bytes: int = MAX_BODY_BYTES) -> None:
    """Make tornado refuse request bodies over ``max_bytes`` before reading them; call
    before ``run_webhook`` builds its server."""
    from tornado.httpserver import HTTPServer

    HTTPServer.configure(None, max_body_size=max_bytes)


async def prune_processed_updates(crm: Crm, keep: timedelta = KEEP) -> int:
    """Forget handled update ids older than ``keep``, and the strangers' refusals that expired
    more than ``keep`` ago; returns how many update ids were deleted."""
    before = crm.now() - keep
    deleted = await prune(crm.sessions, before)
    if deleted:
        log.info("pruned %d processed update ids older than %s", deleted, keep)
    refusals = await prune_refusals(crm, before)
    if refusals:
        log.info("pruned %d strangers' refusals older than %s", refusals, keep)
    return deleted


async def _prune_tick(context: CallbackContext[Any, Any, Any, Any]) -> None:
    await prune_processed_updates(context.application.bot_data["crm"])


def schedule_pruning(
    app: Application[Any, Any, Any, Any, Any, Any], every: timedelta = PRUNE_EVERY
) -> None:
    """Prune ``processed_updates`` every ``every`` (first run a minute after start)."""
    if app.job_queue is None:
        raise RuntimeError("the JobQueue is missing: install python-telegram-bot[job-queue]")
    for job in app.job_queue.get_jobs_by_name(PRUNE_JOB):
        job.schedule_removal()
    app.job_queue.run_repeating(
        _prune_tick,
        interval=every,
        first=60,
        name=PRUNE_JOB,
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
