"""What every ``crm-bot`` command shares: settings, a short-lived CRM, terminal text."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError

from bot.settings import Settings


def plain(text: str) -> str:
    """A chat message (HTML) as terminal text."""
    return html.unescape(re.sub(r"</?[a-z]+[^>]*>", "", text))


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
