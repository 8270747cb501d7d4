"""The typed callback context: ``context.crm``, ``context.settings``, ``context.actor``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext, ExtBot

from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from handlers.texts import pick_language, t

# bot_data key: Telegram id -> the language last used with that registered user, for updates
# whose sender's Telegram sends no language code (the gate keeps it up to date).
KNOWN_LANGUAGES = "known_languages"

# bot_data key of the HandlerSettings below.
SETTINGS = "handler_settings"


@dataclass(frozen=True)
class HandlerSettings:
    """The few settings handlers read; bot/app.py fills it from ``bot.settings.Settings`` (so
    handlers never import bot/)."""

    language: str = "es"
    route_speed_kmh: float = 20.0
    visit_radius_m: int = 150


class CrmContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Filled per update by the access gate (``actor``, ``lang``).

    ``lang`` is set from the update itself when the context is built, so the error handler
    (which PTB gives a new context) answers in the user's language too."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id, user_id)
        self.actor: Actor | None = None
        self.lang: str = "es"
        # The token of the pending question whose answer is being handled (handlers/asking).
        self.answering: int | None = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> CrmContext:
        context = super().from_update(update, application)
        context.lang = language_of(update, application.bot_data)
        return context

    @property
    def crm(self) -> Crm:
        return self.application.bot_data["crm"]  # type: ignore[no-any-return]

    @property
    def settings(self) -> HandlerSettings:
        return self.application.bot_data[SETTINGS]  # type: ignore[no-any-return]

    @property
    def me(self) -> Actor:
        """The acting user; the gate guarantees it is set for every handler after it."""
        if self.actor is None:
            raise RuntimeError("handler reached without an actor")
        return self.actor

    def t(self, key: str, **params: Any) -> str:
        return t(self.lang, key, **params)


def language_of(update: object, bot_data: dict[Any, Any]) -> str:
    """The language to speak to the sender of ``update``: their Telegram language when we
    speak it, else the one last used with them, else the configured default."""
    settings: HandlerSettings | None = bot_data.get(SETTINGS)
    default = settings.language if settings is not None else "es"
    user = update.effective_user if isinstance(update, Update) else None
    if user is None:
        return default
    if user.language_code:
        return pick_language(user.language_code, default)
    known: str | None = bot_data.get(KNOWN_LANGUAGES, {}).get(user.id)
    return known or default
