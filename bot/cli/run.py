"""``crm-bot run``: the bot itself, by long polling or behind a webhook."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any
from urllib.parse import urlsplit

from bot.settings import Settings

NO_TOKEN = (
    "crm-bot: CRM_BOT_TOKEN is not set.\n"
    "Get a token from @BotFather in Telegram (send /newbot and follow the steps), then put it\n"
    "in the environment or in .env:  CRM_BOT_TOKEN=123456:ABC...  and run `crm-bot run` again."
)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    if settings.bot_token is None or not settings.bot_token.get_secret_value().strip():
        print(NO_TOKEN, file=sys.stderr)
        return 2
    from bot.app import build_application, make_crm
    from bot.cli.faults import require_database_file
    from bot.logging_setup import setup_logging
    from bot.startline import quiet_routine_loggers
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

    require_database_file(settings.database_url, create=True)
    asyncio.run(migrate())
    allowed = ["message", "callback_query"]
    if not args.webhook:
        app = build_application(settings, make_crm(settings))
        app.bot_data["mode"] = "polling"
        app.run_polling(allowed_updates=allowed)
        return 0
    url = urlsplit(args.webhook)
    if url.scheme not in ("https", "http") or not url.netloc:
        print(
            f"crm-bot: --webhook needs a full URL like https://bot.example.com/telegram, "
            f"not {args.webhook!r}",
            file=sys.stderr,
        )
        return 2
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
    run = sub.add_parser("run", help="start the bot (long polling, or --webhook)")
    run.add_argument(
        "--webhook",
        metavar="URL",
        help="public HTTPS URL Telegram posts updates to (enables webhook mode)",
    )
    run.add_argument("--listen", default="0.0.0.0", help="address to listen on (webhook mode)")
    run.add_argument("--port", type=int, default=8443, help="port to listen on (webhook mode)")
    run.set_defaults(func=cmd_run)
