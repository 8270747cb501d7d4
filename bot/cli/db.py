"""``crm-bot db``: database maintenance."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import with_crm
from bot.cli.parser import h
from bot.settings import Settings
from handlers.texts import t


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    async def action(crm: Any) -> None:
        await upgrade(crm.sessions.kw["bind"])

    with_crm(settings, action, migrate=False, create=True)
    from bot.console import describe_database

    database = describe_database(settings.database_url)
    print(f"crm-bot: {t(settings.language, 'cli.db.up_to_date', database=database)}")
    return 0


def register(sub: Any) -> None:
    db = sub.add_parser("db", help=h("db"))
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help=h("db_upgrade")).set_defaults(func=cmd_db_upgrade)
