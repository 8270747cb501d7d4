"""The user-text catalog, Spanish and English.

Each module in this package defines ``ES`` and ``EN`` dicts for one feature; they are merged
here into one catalog. A test checks both languages have every key and the same placeholders.

Words that depend on a number take CLDR plural forms, chosen by Babel's plural rules for the
language: ``"{total} {total:plural:one=seguimiento|other=seguimientos}"`` reads
"1 seguimiento" and "2 seguimientos". ``other`` is required; the rest are optional.
"""

from __future__ import annotations

import importlib
import pkgutil
import string
from functools import cache
from typing import Any

from babel import Locale

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


PLURAL = "plural:"


class _CatalogFormatter(string.Formatter):
    """``str.format`` plus the ``plural:`` spec, in one language."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith(PLURAL):
            return plural(self.lang, value, format_spec[len(PLURAL) :])
        return super().format_field(value, format_spec)


@cache
def _formatter(lang: str) -> _CatalogFormatter:
    return _CatalogFormatter(lang)


def plural_forms(spec: str) -> dict[str, str]:
    """``one=día|other=días`` as ``{"one": "día", "other": "días"}``."""
    forms = dict(part.split("=", 1) for part in spec.split("|"))
    if "other" not in forms:
        raise ValueError(f"plural forms without 'other': {spec!r}")
    return forms


@cache
def _plural_rule(lang: str) -> Any:
    return Locale.parse(lang).plural_form


def plural(lang: str, count: Any, spec: str) -> str:
    """The form of ``spec`` that CLDR's plural rule for ``lang`` picks for ``count``."""
    forms = plural_forms(spec)
    return forms.get(_plural_rule(lang)(abs(count)), forms["other"])


def t(lang: str, key: str, **params: Any) -> str:
    """The text ``key`` in ``lang`` (Spanish when missing), formatted with ``params``."""
    if lang not in CATALOG:
        lang = "es"
    template = CATALOG[lang].get(key)
    if template is None:
        lang, template = "es", CATALOG["es"].get(key)
    if template is None:
        raise KeyError(f"no text for {key!r}")
    if not params:
        return template
    if PLURAL in template:
        return _formatter(lang).vformat(template, (), params)
    return template.format(**params)


def pick_language(telegram_code: str | None, default: str) -> str:
    """The user's Telegram language when we speak it, else the configured default."""
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default
