"""``crm-bot demo-data``: a realistic sample to try the bot on."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.cli.common import with_crm
from bot.settings import Settings
from handlers.texts import t


def cmd_demo_data(args: argparse.Namespace, settings: Settings) -> int:
    from crm.demo import DemoRefused, DemoSummary, fill_demo_data

    lang = settings.language
    try:
        summary: DemoSummary = with_crm(
            settings, lambda crm: fill_demo_data(crm, args.admin_id), create=True
        )
    except DemoRefused as exc:
        # Not a failure: the README's one-liner runs `demo-data && run` on every start.
        print(f"crm-bot: {t(lang, exc.key, **exc.params)}", file=sys.stderr)
        return 0
    done = t(
        lang,
        "demo.done",
        terceros=summary.terceros,
        documents=summary.documents,
        followups=summary.followups,
        users=len(summary.users),
    )
    print(f"crm-bot: {done}\n")
    print(f"{'CODE':<10} {'TELEGRAM ID':>16}  {'ROLE':<11} NAME")
    for user in summary.users:
        print(f"{user.code:<10} {user.telegram_id:>16}  {user.role:<11} {user.name}")
    if args.admin_id is None:
        print(
            "\nThese Telegram ids are invented, so nobody can use the bot yet. To be the admin\n"
            "yourself, run instead (on an empty database):  crm-bot demo-data --admin-id YOUR_ID\n"
            'or register yourself now:  crm-bot users add YOUR_ID "Your Name" --code YO '
            "--role admin\n"
            "(write to the bot: it answers a stranger with their Telegram id)."
        )
    else:
        print(f"\nTelegram id {summary.admin_id} is the admin: write /start to the bot.")
    return 0


def register(sub: Any) -> None:
    demo = sub.add_parser("demo-data", help="fill an empty database with a realistic sample")
    demo.add_argument(
        "--admin-id",
        type=int,
        metavar="TELEGRAM_ID",
        help="register this Telegram id (yours) as the demo admin",
    )
    demo.set_defaults(func=cmd_demo_data)
