"""What every ``crm-bot`` command shares: settings, a short-lived CRM, terminal text."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from bot.settings import Settings


def load_settings() -> Settings:
    """The settings, or exit 2 with one line per bad setting in the configured language."""
    from bot.cli.faults import raw_language, setting_lines

    try:
        return Settings()
    except ValidationError as exc:
        lines = setting_lines(exc, raw_language())
        raise SystemExit("\n".join(f"crm-bot: {line}" for line in lines)) from None


def with_crm(
    settings: Settings,
    action: Callable[[Any], Awaitable[Any]],
    migrate: bool = True,
    create: bool = False,
) -> Any:
    """Run ``action(crm)`` on a fresh engine (migrating first when behind), then dispose.

    A missing SQLite file is refused unless ``create`` (``db upgrade``, ``demo-data``). The
    writers' lock is held shared meanwhile: ``crm-bot restore`` refuses until it is done."""
    from bot.app import make_crm
    from bot.cli.faults import require_database_file
    from storage.locks import writing
    from storage.migrate import upgrade_if_behind

    require_database_file(settings.database_url, create)

    async def main() -> Any:
        crm = make_crm(settings)
        engine = crm.sessions.kw["bind"]
        try:
            if migrate:
                await upgrade_if_behind(engine)
            return await action(crm)
        finally:
            await engine.dispose()

    with writing(settings.database_url):
        return asyncio.run(main())
