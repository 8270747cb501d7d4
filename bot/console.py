"""Text for the terminal: the version, chat HTML as plain text, and the database named the way
an operator knows it. Shared by the CLI, the start line and the drop-folder job."""

from __future__ import annotations

import html
import re
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path


def version() -> str:
    try:
        return package_version("crm-bot")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def plain(text: str) -> str:
    """A chat message (HTML) as terminal text."""
    return html.unescape(re.sub(r"</?[a-z]+[^>]*>", "", text))


def describe_database(url: str) -> str:
    """The database as an operator knows it: the absolute SQLite path, or host:port/name."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:
        return url
    if parsed.get_backend_name() == "sqlite":
        return str(sqlite_path(url) or ":memory:")
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.host or 'localhost'}{port}/{parsed.database or ''}"


def sqlite_path(url: str) -> Path | None:
    """The absolute path of a SQLite file database, else None (PostgreSQL, in memory)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser().resolve()
