"""``crm-bot demo-data`` and ``crm-bot demo``: a realistic sample, kept apart from real data.

The sample goes into ./demo.db unless ``--database URL`` says otherwise, so the company's own
database stays empty until its data arrives.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.common import with_crm
from bot.cli.faults import CliFault
from bot.cli.parser import h
from bot.console import describe_database
from bot.settings import ASYNC_DRIVERS, Settings
from handlers.texts import t

DEMO_URL = "sqlite+aiosqlite:///./demo.db"


def demo_settings(args: argparse.Namespace, settings: Settings) -> Settings:
    """The settings with the demo database in place of CRM_DATABASE_URL."""
    url = args.database or DEMO_URL
    if url.partition(":")[0].lower() not in ASYNC_DRIVERS:
        raise CliFault("cli.setting.database_url", name="--database", value=url)
    if url.startswith("sqlite") and url.count("/") >= 3:
        from bot.console import sqlite_path

        path = sqlite_path(url)
        if path is not None:
            url = f"sqlite+aiosqlite:///{path}"  # absolute: the hint works from any folder
    return settings.model_copy(update={"database_url": url})


def fill(args: argparse.Namespace, settings: Settings) -> bool:
    """Fill the demo database and print the team; False when it already had data."""
    from crm.erp.demo import DemoRefused, DemoSummary, fill_demo_data

    lang = settings.language
    try:
        summary: DemoSummary = with_crm(
            settings, lambda crm: fill_demo_data(crm, args.admin_id), create=True
        )
    except DemoRefused as exc:
        database = describe_database(settings.database_url)
        print(
            f"crm-bot: {t(lang, 'cli.demo.already', database=database, **exc.params)}",
            file=sys.stderr,
        )
        return False
    done = t(
        lang,
        "demo.done",
        terceros=summary.terceros,
        documents=summary.documents,
        followups=summary.followups,
        users=len(summary.users),
    )
    print(f"crm-bot: {done} ({describe_database(settings.database_url)})\n")
    header = t(lang, "cli.demo.header")
    code, telegram, role, name = header.split("|")
    print(f"{code:<10} {telegram:>16}  {role:<13} {name}")
    for user in summary.users:
        role_name = t(lang, f"role.{user.role}")
        print(f"{user.code:<10} {user.telegram_id:>16}  {role_name:<13} {user.name}")
    if args.admin_id is None:
        print("\n" + t(lang, "cli.demo.no_admin"))
    else:
        print("\n" + t(lang, "cli.demo.admin", telegram_id=summary.admin_id))
    return True


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    settings = demo_settings(args, settings)
    fill(args, settings)  # a database with data already is not a failure: say so, exit 0
    url = settings.database_url
    print("\n" + t(settings.language, "cli.demo.how_to_run", url=url))
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    """demo-data, then run the bot on the demo database."""
    from bot.cli.run import cmd_run

    settings = demo_settings(args, settings)
    fill(args, settings)
    args.webhook = None
    return cmd_run(args, settings)


def _common(parser: Any) -> None:
    parser.add_argument(
        "--admin-id",
        type=int,
        metavar="TELEGRAM_ID",
        help=h("demo_admin"),
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help=h("demo_database", url=DEMO_URL),
    )


def register(sub: Any) -> None:
    data = sub.add_parser("demo-data", help=h("demo_data"))
    _common(data)
    data.set_defaults(func=cmd_demo_data)
    demo = sub.add_parser("demo", help=h("demo"))
    _common(demo)
    demo.set_defaults(func=cmd_demo)
