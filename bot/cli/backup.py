"""``crm-bot backup FILE`` and ``crm-bot restore FILE``."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.cli.faults import CliFault
from bot.cli.parser import h
from bot.console import describe_database
from bot.settings import Settings
from handlers.texts import t


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from storage.backup import BackupError, backup

    # Absolute as typed (a link stays a link in the messages); backup() resolves it to refuse
    # the live database however it is reached.
    target = Path(os.path.abspath(Path(args.file).expanduser()))
    try:
        backup(settings.database_url, target)
    except BackupError as exc:
        raise CliFault(exc.key, **exc.params) from None
    database = describe_database(settings.database_url)
    size = target.stat().st_size // 1024
    done = t(settings.language, "backup.done", database=database, file=target, kb=size)
    print(f"crm-bot: {done}")
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from storage.backup import BackupError, restore_sqlite

    source = Path(args.file).expanduser().resolve()
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        kept = restore_sqlite(settings.database_url, source, stamp)
    except BackupError as exc:
        raise CliFault(exc.key, **exc.params) from None
    database = describe_database(settings.database_url)
    print(f"crm-bot: {t(settings.language, 'backup.restored', database=database, file=source)}")
    if kept is not None:
        print(f"crm-bot: {t(settings.language, 'backup.kept', file=kept)}")
    return 0


def register(sub: Any) -> None:
    backup = sub.add_parser("backup", help=h("backup"))
    backup.add_argument("file", metavar="FILE", help=h("backup_file"))
    backup.set_defaults(func=cmd_backup)
    restore = sub.add_parser("restore", help=h("restore"))
    restore.add_argument("file", metavar="FILE", help=h("restore_file"))
    restore.set_defaults(func=cmd_restore)
