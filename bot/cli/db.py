"""``crm-bot db``: database maintenance."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import with_crm
from bot.settings import Settings


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    async def action(crm: Any) -> None:
        await upgrade(crm.sessions.kw["bind"])

    with_crm(settings, action, migrate=False, create=True)
    print("crm-bot: database is up to date")
    return 0


def register(sub: Any) -> None:
    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)
