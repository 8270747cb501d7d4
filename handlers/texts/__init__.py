"""The user-text catalog, Spanish and English.

Each module in this package defines ``ES`` and ``EN`` dicts for one feature; they are merged
here into one catalog. A test checks both languages have every key and the same placeholders.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

LANGUAGES = ("es", "en")
CATALOG: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}


def _load() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for lang in LANGUAGES:
            part: dict[str, str] = getattr(module, lang.upper())
            clash = CATALOG[lang].keys() & part.keys()
            if clash:
                raise RuntimeError(f"text keys defined twice: {sorted(clash)}")
            CATALOG[lang].update(part)


_load()


def t(lang: str, key: str, **params: Any) -> str:
    """The text ``key`` in ``lang`` (Spanish when missing), formatted with ``params``."""
    template = CATALOG.get(lang, CATALOG["es"]).get(key) or CATALOG["es"].get(key)
    if template is None:
        raise KeyError(f"no text for {key!r}")
    return template.format(**params) if params else template


def pick_language(telegram_code: str | None, default: str) -> str:
    """The user's Telegram language when we speak it, else the configured default."""
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default
