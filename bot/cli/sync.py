"""``crm-bot sync [DIR]``: one pass over the ERP drop folder, for cron or Task Scheduler."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.cli.common import with_crm
from bot.cli.faults import CliFault
from bot.cli.parser import h
from bot.settings import Settings, folder_clash
from handlers.texts import t


def cmd_sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot.dropjob import explainer, summary
    from bot.jobs import INSTANCE_ID
    from crm.erp.dropfolder import sync_folder

    lang = settings.language
    folder = Path(args.dir) if args.dir else settings.import_dir
    if folder is None:
        raise CliFault("sync.no_dir")
    folder = folder.expanduser().resolve()
    clash = folder_clash(folder)
    if clash is not None:
        raise CliFault("folder.clash", setting="CRM_IMPORT_DIR", folder=folder, clash=clash)
    if not folder.is_dir():
        raise CliFault("doctor.import_dir_missing", folder=str(folder))
    report = with_crm(
        settings,
        lambda crm: sync_folder(
            crm,
            folder,
            settings.import_settle_seconds,
            INSTANCE_ID,
            explainer(lang),
            max_mb=settings.import_max_mb,
        ),
    )
    if report is None:
        print(f"crm-bot: {t(lang, 'sync.busy', folder=str(folder))}")
        return 0
    if not report.outcomes and not report.waiting:
        print(f"crm-bot: {t(lang, 'sync.nothing', folder=str(folder))}")
        return 0
    print(summary(report, lang))
    return 1 if report.rejected else 0


def register(sub: Any) -> None:
    sync = sub.add_parser("sync", help=h("sync"))
    sync.add_argument("dir", nargs="?", metavar="DIR", help=h("sync_dir"))
    sync.set_defaults(func=cmd_sync)
