"""``crm-bot run``: the bot itself, by long polling or behind a webhook."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any
from urllib.parse import urlsplit

from bot.cli.parser import h
from bot.settings import Settings, folder_clash
from handlers.texts import t


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print(f"crm-bot: {t(settings.language, 'cli.run.no_token')}", file=sys.stderr)
        return 2
    for setting, folder in (
        ("CRM_IMPORT_DIR", settings.import_dir),
        ("CRM_BACKUP_DIR", settings.backup_dir),
    ):
        clash = folder_clash(folder) if folder is not None else None
        if folder is not None and clash is not None:
            line = t(
                settings.language, "folder.clash", setting=setting, folder=folder, clash=clash
            )
            print(f"crm-bot: {line}", file=sys.stderr)
            return 2
    from bot import polling
    from bot.app import build_application, make_crm
    from bot.cli.faults import require_database_file
    from bot.console import describe_database
    from bot.logging_setup import setup_logging
    from bot.startline import quiet_routine_loggers
    from storage.backup import hold_running_lock
    from storage.locks import Busy, hold_poller_lock
    from storage.migrate import upgrade_if_behind

    token = settings.bot_token.get_secret_value()
    level = getattr(logging, settings.log_level)
    setup_logging(token, level)
    quiet_routine_loggers(level)

    async def migrate() -> None:
        crm = make_crm(settings)
        engine = crm.sessions.kw["bind"]
        try:
            await upgrade_if_behind(engine)
        finally:
            await engine.dispose()

    lang = settings.language
    database = describe_database(settings.database_url)

    def refused(key: str) -> int:
        print(f"crm-bot: {t(lang, key, database=database)}", file=sys.stderr)
        return 1

    require_database_file(settings.database_url, create=True)
    # Both held until the process ends: `crm-bot restore` refuses while a bot uses the
    # database, and a second poller of the same SQLite database is refused (PostgreSQL's
    # poller lock is taken once the application starts: bot/polling.py).
    held = []
    if not args.webhook:
        try:
            held.append(hold_poller_lock(settings.database_url))
        except Busy:
            return refused(polling.BUSY)
    held.append(hold_running_lock(settings.database_url))
    asyncio.run(migrate())
    allowed = ["message", "callback_query"]
    if not args.webhook:
        app = build_application(settings, make_crm(settings))
        app.bot_data["mode"] = "polling"
        app.run_polling(allowed_updates=allowed)
        key = app.bot_data.get(polling.REFUSED)
        return refused(key) if key else 0
    url = urlsplit(args.webhook)
    if url.scheme not in ("https", "http") or not url.netloc:
        bad = t(settings.language, "cli.run.bad_webhook", url=args.webhook)
        print(f"crm-bot: {bad}", file=sys.stderr)
        return 2
    from bot.webhook import limit_webhook_bodies

    limit_webhook_bodies()  # bodies over 1 MB are refused before they are read
    app = build_application(settings, make_crm(settings), multi_instance=True)
    app.bot_data["mode"] = "webhook"
    app.run_webhook(
        listen=args.listen,
        port=args.port,
        url_path=url.path.lstrip("/"),
        webhook_url=args.webhook,
        secret_token=settings.webhook_secret_token(),
        allowed_updates=allowed,
    )
    return 0


def register(sub: Any) -> None:
    run = sub.add_parser("run", help=h("run"))
    run.add_argument(
        "--webhook",
        metavar="URL",
        help=h("run_webhook"),
    )
    run.add_argument("--listen", default="0.0.0.0", help=h("run_listen"))
    run.add_argument("--port", type=int, default=8443, help=h("run_port"))
    # Also after the subcommand (crm-bot run --debug); the top-level flag's value otherwise.
    run.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=h("debug"))
    run.set_defaults(func=cmd_run)
