"""The ``crm-bot`` command line."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from pydantic import ValidationError

from bot.settings import Settings
from crm.errors import CrmError
from handlers.texts import t

NO_TOKEN = (
    "crm-bot: CRM_BOT_TOKEN is not set.\n"
    "Get a token from @BotFather in Telegram (send /newbot and follow the steps), then put it\n"
    "in the environment or in .env:  CRM_BOT_TOKEN=123456:ABC...  and run `crm-bot run` again."
)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  CRM_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        ]
        raise SystemExit("crm-bot: bad configuration:\n" + "\n".join(lines)) from None


def with_crm(
    settings: Settings, action: Callable[[Any], Awaitable[Any]], migrate: bool = True
) -> Any:
    """Run ``action(crm)`` on a fresh engine (migrating first when behind), then dispose."""
    from bot.app import make_crm
    from storage.migrate import upgrade_if_behind

    async def main() -> Any:
        crm = make_crm(settings)
        engine = crm.sessions.kw["bind"]
        try:
            if migrate:
                await upgrade_if_behind(engine)
            return await action(crm)
        finally:
            await engine.dispose()

    return asyncio.run(main())


# --- run -------------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.app import build_application, make_crm
    from bot.logging_setup import setup_logging
    from storage.migrate import upgrade_if_behind

    token = settings.bot_token.get_secret_value()
    setup_logging(token)

    async def migrate() -> None:
        crm = make_crm(settings)
        engine = crm.sessions.kw["bind"]
        try:
            await upgrade_if_behind(engine)
        finally:
            await engine.dispose()

    asyncio.run(migrate())
    app = build_application(settings, make_crm(settings))
    app.run_polling(allowed_updates=["message", "callback_query", "edited_message"])
    return 0


# --- db --------------------------------------------------------------------------------------


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    async def action(crm: Any) -> None:
        await upgrade(crm.sessions.kw["bind"])

    with_crm(settings, action, migrate=False)
    print("crm-bot: database is up to date")
    return 0


# --- users -----------------------------------------------------------------------------------


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


# --- report --------------------------------------------------------------------------------


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    import shutil
    from pathlib import Path

    from crm.reports import build_report, parse_request
    from crm.users import SYSTEM

    output = Path(args.output)

    async def action(crm: Any) -> Any:
        words = [args.tipo]
        if args.desde or args.hasta:
            words += [args.desde or args.hasta, args.hasta or args.desde]
        for key in ("agente", "tipo_seguimiento", "estado", "nit"):
            value = getattr(args, key)
            if value:
                name = "tipo" if key == "tipo_seguimiento" else key
                words.append(f"{name}:{value}")
        request = parse_request(words, crm.today())
        # No upload limit here: the file stays on disk; write it next to its destination.
        return await build_report(
            crm, SYSTEM, request, settings.language, directory=output.parent, unlimited=True
        )

    output.parent.mkdir(parents=True, exist_ok=True)
    report = with_crm(settings, action)
    shutil.move(report.path, output)
    print(f"crm-bot: wrote {output} ({report.rows} rows, {report.filename})")
    return 0


# --- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crm-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="start the bot (long polling)")
    run.set_defaults(func=cmd_run)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations").set_defaults(func=cmd_db_upgrade)

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

    report = sub.add_parser("report", help="write an Excel report (as the system admin)")
    report.add_argument("tipo", help="agenda, seguimientos, actividades, cartera, desempeno")
    report.add_argument("--desde", help="first day, YYYY-MM-DD")
    report.add_argument("--hasta", help="last day, YYYY-MM-DD")
    report.add_argument("--agente", help="only this agent's book (user code)")
    report.add_argument("--tipo", dest="tipo_seguimiento", help="only this follow-up type")
    report.add_argument("--estado", help="only this state")
    report.add_argument("--nit", help="only this tercero")
    report.add_argument("-o", "--output", required=True, help="the .xlsx file to write")
    report.set_defaults(func=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        return int(args.func(args, settings))
    except CrmError as exc:
        print(f"crm-bot: {t(settings.language, exc.key, **exc.params)}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
