"""CRM_BACKUP_DIR: the running bot keeps a nightly copy and the last CRM_BACKUP_KEEP."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.settings import Settings, folder_clash
from crm.kernel.context import Crm
from storage import backup, botstate

log = logging.getLogger("crm_bot.backup")
JOB = "nightly-backup"


async def nightly_backup(crm: Crm, settings: Settings, holder: str) -> Path | None:
    """Today's copy into CRM_BACKUP_DIR (once per day across instances), then rotation."""
    assert settings.backup_dir is not None
    now = crm.now()
    local = now.astimezone(crm.tz)
    key = local.strftime("%Y-%m-%d")
    # The lease is kept for a day: the other instances find the day's copy taken.
    if not await botstate.take_lease(
        crm.sessions, "ops-backup", key, holder, now, now + timedelta(days=1)
    ):
        return None
    folder = Path(settings.backup_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / backup.nightly_name(settings.database_url, local)
    await asyncio.to_thread(backup.backup, settings.database_url, target)
    removed = backup.rotate(folder, "crm-", settings.backup_keep)
    log.info("nightly backup %s (%d old removed)", target, len(removed))
    return target


async def _job(context: Any) -> None:
    from bot.jobs import INSTANCE_ID

    app = context.application
    try:
        await nightly_backup(app.bot_data["crm"], app.bot_data["settings"], INSTANCE_ID)
    except Exception as exc:
        log.error("nightly backup failed: %s", exc)


def schedule(app: Any) -> None:
    settings: Settings = app.bot_data["settings"]
    if settings.backup_dir is None or app.job_queue is None:
        return
    clash = folder_clash(settings.backup_dir)
    if clash is not None:  # `crm-bot run` refuses to start first; this guards other callers
        log.error(
            "CRM_BACKUP_DIR=%s is or contains %s: no nightly copies", settings.backup_dir, clash
        )
        return
    at = datetime.strptime(settings.backup_time, "%H:%M").time().replace(tzinfo=settings.tz)
    app.job_queue.run_daily(_job, time=at, name=JOB, job_kwargs={"max_instances": 1})
