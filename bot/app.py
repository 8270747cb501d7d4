"""Application factory: wires settings, the use-case environment and every handler."""

from __future__ import annotations

from typing import Any

from telegram import BotCommand
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes
from telegram.request import BaseRequest

from bot.persistence import DatabasePersistence
from bot.settings import Settings
from bot.updates import PerUserUpdateProcessor
from crm.clock import Clock, SystemClock
from crm.context import Crm
from handlers import reports, start
from handlers.context import CrmContext
from handlers.errors import on_error
from handlers.gate import gate_handler
from handlers.texts import LANGUAGES, t
from storage.db import make_engine, make_session_factory

MENU = ("start", "ayuda", "agenda", "nuevo", "tercero", "cartera", "informe", "cancelar")


def make_crm(settings: Settings, clock: Clock | None = None) -> Crm:
    """The use-case environment over a new engine for ``settings.database_url``."""
    engine = make_engine(settings.database_url)
    return Crm(
        sessions=make_session_factory(engine),
        tz=settings.tz,
        clock=clock or SystemClock(),
        admin_ids=frozenset(settings.admin_ids),
    )


def build_application(
    settings: Settings,
    crm: Crm,
    *,
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    token: str | None = None,
) -> Application[Any, Any, Any, Any, Any, Any]:
    """Build the PTB application; ``request`` lets tests record Bot API calls offline."""
    bot_token = token or (settings.bot_token.get_secret_value() if settings.bot_token else None)
    if not bot_token:
        raise ValueError("CRM_BOT_TOKEN is required")
    builder = (
        ApplicationBuilder()
        .token(bot_token)
        .base_url(settings.bot_api_url)
        .base_file_url(settings.bot_file_url)
        .context_types(ContextTypes(context=CrmContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .concurrent_updates(PerUserUpdateProcessor())
        .persistence(DatabasePersistence(crm.sessions))
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    if rate_limit:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.build()
    app.bot_data["settings"] = settings
    app.bot_data["crm"] = crm
    register_handlers(app)
    return app


def register_handlers(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    app.add_handler(gate_handler(), group=-1)
    start.register(app)
    reports.register(app)
    start.register_fallbacks(app)
    app.add_error_handler(on_error)  # type: ignore[arg-type]


async def register_commands(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The command menu in Spanish (default) and English."""
    default = app.bot_data["settings"].language
    for lang in LANGUAGES:
        commands = [BotCommand(c, t(lang, f"command.{c}")) for c in MENU]
        await app.bot.set_my_commands(commands, language_code=lang)
        if lang == default:
            await app.bot.set_my_commands(commands)


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    await register_commands(app)


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    crm: Crm = app.bot_data["crm"]
    bind = crm.sessions.kw.get("bind")
    if bind is not None:
        await bind.dispose()
