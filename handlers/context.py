"""The typed callback context: ``context.crm``, ``context.settings``, ``context.actor``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from crm.context import Crm
from crm.users import Actor
from handlers.texts import t

if TYPE_CHECKING:
    from bot.settings import Settings


class CrmContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """Filled per update by the access gate (``actor``, ``lang``)."""

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

    @property
    def crm(self) -> Crm:
        return self.application.bot_data["crm"]  # type: ignore[no-any-return]

    @property
    def settings(self) -> Settings:
        return self.application.bot_data["settings"]  # type: ignore[no-any-return]

    @property
    def me(self) -> Actor:
        """The acting user; the gate guarantees it is set for every handler after it."""
        if self.actor is None:
            raise RuntimeError("handler reached without an actor")
        return self.actor

    def t(self, key: str, **params: Any) -> str:
        return t(self.lang, key, **params)
