"""The running bot watches CRM_IMPORT_DIR and tells the admins what it imported."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.settings import Settings, folder_clash
from crm.erp.dropfolder import SyncReport, Watch, admin_chats, shown, sync_folder
from handlers.texts import t

log = logging.getLogger("crm_bot.dropfolder")
JOB = "import-dir"
WATCH = "dropfolder_watch"  # bot_data key: what earlier passes saw of the folder


def explainer(lang: str) -> Any:
    from bot.console import plain

    return lambda key, params: plain(t(lang, key, **params))


def summary(report: SyncReport, lang: str) -> str:
    """One message (plain text): every file's rows new/updated/unchanged, or its first errors.
    File names are shown escaped (``shown``): a name cannot add a line of its own."""
    lines = [t(lang, "sync.title", folder=str(report.folder))]
    for o in report.outcomes:
        name = shown(o.name)
        if o.ok:
            lines.append(
                t(lang, "sync.ok", name=name, rows=o.rows, inserted=o.inserted,
                  updated=o.updated, unchanged=o.unchanged)
            )  # fmt: skip
        elif o.reason:
            kept = o.moved_to.name if o.moved_to else "-"
            lines.append(t(lang, "sync.refused", name=name, reason=o.reason, file=kept))
            lines.extend(f"  {line}" for line in o.errors[1:])
        else:
            error_name = o.error_file.name if o.error_file else "-"
            lines.append(t(lang, "sync.rejected", name=name, bad=o.bad_rows, file=error_name))
            lines.extend(f"  {line}" for line in o.errors)
    if report.waiting:
        lines.append(t(lang, "sync.waiting", names=", ".join(map(shown, report.waiting))))
    return "\n".join(lines)


async def tell_admins(app: Any, report: SyncReport, default_lang: str) -> None:
    """Send the summary (and each rejected file's error file) to every admin."""
    crm = app.bot_data["crm"]
    for chat_id, lang in await admin_chats(crm):
        lang = lang if lang in ("es", "en") else default_lang
        try:
            await app.bot.send_message(chat_id, summary(report, lang))
            for outcome in report.rejected:
                # A file set aside unread has its one reason in the summary already.
                if outcome.error_file is not None and not outcome.reason:
                    with outcome.error_file.open("rb") as handle:
                        await app.bot.send_document(
                            chat_id, handle, filename=outcome.error_file.name
                        )
        except Exception as exc:  # one unreachable admin must not stop the others
            log.warning("could not send the import summary to %s: %s", chat_id, exc)


async def _pass(context: Any) -> None:
    from bot.jobs import INSTANCE_ID

    app = context.application
    settings: Settings = app.bot_data["settings"]
    assert settings.import_dir is not None
    folder = Path(settings.import_dir).expanduser()
    try:
        report = await sync_folder(
            app.bot_data["crm"],
            folder,
            settings.import_settle_seconds,
            INSTANCE_ID,
            explainer(settings.language),
            max_mb=settings.import_max_mb,
            watch=app.bot_data.setdefault(WATCH, Watch()),
        )
    except OSError as exc:
        log.error("import folder %s: %s", folder, exc)
        return
    if report is None or not report.outcomes:
        log.debug("import folder %s: nothing to do", folder)
        return
    for outcome in report.outcomes:
        log.info(
            "import folder: %s %s (%d rows)",
            outcome.name,
            "imported" if outcome.ok else "rejected",
            outcome.rows,
        )
    await tell_admins(app, report, settings.language)


def schedule(app: Any) -> None:
    """Watch the drop folder when CRM_IMPORT_DIR is set."""
    settings: Settings = app.bot_data["settings"]
    if settings.import_dir is None or app.job_queue is None:
        return
    clash = folder_clash(settings.import_dir)
    if clash is not None:  # `crm-bot run` refuses to start first; this guards other callers
        log.error("CRM_IMPORT_DIR=%s is or contains %s: not watched", settings.import_dir, clash)
        return
    app.job_queue.run_repeating(
        _pass,
        interval=settings.import_scan_seconds,
        first=1,
        name=JOB,
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
