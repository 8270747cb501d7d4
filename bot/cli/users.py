"""``crm-bot users``: register, list and deactivate the team."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import with_crm
from bot.settings import Settings


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    from crm.users import add_user

    user = with_crm(
        settings,
        lambda crm: add_user(
            crm, args.telegram_id, args.name, args.code, args.role, args.supervisor
        ),
    )
    print(f"crm-bot: user {user.code} ({user.name}, {user.role}) added")
    return 0


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    from crm.users import list_users

    users = with_crm(settings, list_users)
    print(f"{'CODE':<12} {'TELEGRAM ID':>14}  {'ROLE':<11} {'SUPERVISOR':<11} {'STATUS':<9} NAME")
    for u in users:
        status = "active" if u.active else "inactive"
        print(
            f"{u.code:<12} {u.telegram_id:>14}  {u.role:<11} {u.supervisor_code or '-':<11} "
            f"{status:<9} {u.name}"
        )
    return 0


def cmd_users_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    from crm.users import deactivate_user

    with_crm(settings, lambda crm: deactivate_user(crm, args.code))
    print(f"crm-bot: user {args.code.upper()} deactivated")
    return 0


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="manage users")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help="register a user")
    add.add_argument("telegram_id", type=int)
    add.add_argument("name")
    add.add_argument("--code", required=True)
    add.add_argument("--role", required=True)
    add.add_argument("--supervisor")
    add.set_defaults(func=cmd_users_add)
    users_sub.add_parser("list", help="list users").set_defaults(func=cmd_users_list)
    deactivate = users_sub.add_parser("deactivate", help="take away a user's access")
    deactivate.add_argument("code")
    deactivate.set_defaults(func=cmd_users_deactivate)
