"""``crm-bot users``: register, list, link, activate and deactivate the team."""

from __future__ import annotations

import argparse
from typing import Any

from bot.cli.common import with_crm
from bot.cli.faults import CliFault
from bot.cli.parser import h
from bot.settings import Settings
from handlers.texts import t


def cmd_users_add(args: argparse.Namespace, settings: Settings) -> int:
    from crm.erp.usuarios import ROLE_WORDS
    from crm.people.users import add_user

    role = ROLE_WORDS.get(args.role.strip().lower(), args.role)
    user = with_crm(
        settings,
        lambda crm: add_user(crm, args.telegram_id, args.name, args.code, role, args.supervisor),
    )
    lang = settings.language
    role_name = t(lang, f"role.{user.role}")
    print(f"crm-bot: {t(lang, 'cli.users.added', code=user.code, name=user.name, role=role_name)}")
    return 0


def status_word(lang: str, user: Any) -> str:
    if user.telegram_id is None:
        return t(lang, "cli.users.pending")
    return t(lang, "cli.users.active" if user.active else "cli.users.inactive")


def cmd_users_list(args: argparse.Namespace, settings: Settings) -> int:
    from crm.people.users import list_users

    lang = settings.language
    users = with_crm(settings, list_users)
    code, telegram, role, supervisor, status, name = t(lang, "cli.users.header").split("|")
    print(f"{code:<12} {telegram:>14}  {role:<13} {supervisor:<11} {status:<10} {name}")
    for u in users:
        print(
            f"{u.code:<12} {u.telegram_id or '-':>14}  {t(lang, f'role.{u.role}'):<13} "
            f"{u.supervisor_code or '-':<11} {status_word(lang, u):<10} {u.name}"
        )
    return 0


def cmd_users_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    from crm.people.users import deactivate_user

    with_crm(settings, lambda crm: deactivate_user(crm, args.code))
    print(f"crm-bot: {t(settings.language, 'cli.users.deactivated', code=args.code.upper())}")
    return 0


def cmd_users_activate(args: argparse.Namespace, settings: Settings) -> int:
    from crm.people.link import set_active

    user = with_crm(settings, lambda crm: set_active(crm, args.code, True))
    print(f"crm-bot: {t(settings.language, 'cli.users.activated', code=user.code)}")
    return 0


def bot_username(settings: Settings) -> str:
    """The bot's @username from getMe (the token never leaves this process)."""
    import httpx

    token = settings.bot_token.get_secret_value().strip() if settings.bot_token else ""
    if not token:
        raise CliFault("cli.users.link_no_bot", reason="CRM_BOT_TOKEN")
    try:
        answer = httpx.post(f"{settings.bot_api_url}{token}/getMe", timeout=10).json()
        return str(answer["result"]["username"])
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        raise CliFault("cli.users.link_no_bot", reason=type(exc).__name__) from None


def cmd_users_link(args: argparse.Namespace, settings: Settings) -> int:
    from crm.kernel import formatting
    from crm.people.link import create_link

    lang = settings.language
    username = args.bot.lstrip("@") if args.bot else None
    link = with_crm(settings, lambda crm: create_link(crm, args.code))
    username = username or bot_username(settings)
    print(
        t(
            lang,
            "cli.users.link",
            code=link.user.code,
            name=link.user.name,
            expires=formatting.local_datetime(link.expires_at, settings.tz),
            link=f"https://t.me/{username}?start={link.invitation_code}",
        )
    )
    return 0


def register(sub: Any) -> None:
    users = sub.add_parser("users", help=h("users"))
    users_sub = users.add_subparsers(dest="users_command", required=True)
    add = users_sub.add_parser("add", help=h("users_add"))
    add.add_argument("telegram_id", type=int)
    add.add_argument("name")
    add.add_argument("--code", required=True)
    add.add_argument("--role", required=True, help=h("users_role"))
    add.add_argument("--supervisor")
    add.set_defaults(func=cmd_users_add)
    users_sub.add_parser("list", help=h("users_list")).set_defaults(func=cmd_users_list)
    deactivate = users_sub.add_parser("deactivate", help=h("users_deactivate"))
    deactivate.add_argument("code")
    deactivate.set_defaults(func=cmd_users_deactivate)
    activate = users_sub.add_parser("activate", help=h("users_activate"))
    activate.add_argument("code")
    activate.set_defaults(func=cmd_users_activate)
    link = users_sub.add_parser("link", help=h("users_link"))
    link.add_argument("code")
    link.add_argument("--bot", metavar="USERNAME", help=h("users_bot"))
    link.set_defaults(func=cmd_users_link)
