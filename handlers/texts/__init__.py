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
import re
from functools import cache, lru_cache
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
# ``{name:plural:one=…|other=…}``: resolved before ``str.format`` fills in the rest.
_PLURAL_FIELD = re.compile(r"\{(\w+):plural:([^{}]*)\}")


@cache
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
    return forms.get(_category(lang, abs(count)), forms["other"])


@lru_cache(maxsize=4096)
def _category(lang: str, count: Any) -> str:
    # Babel evaluates the CLDR rule in Python each call; counts repeat, so remember them.
    return str(_plural_rule(lang)(count))


def _with_plurals(lang: str, template: str, params: dict[str, Any]) -> str:
    def form(match: re.Match[str]) -> str:
        chosen = plural(lang, params[match.group(1)], match.group(2))
        return chosen.replace("{", "{{").replace("}", "}}")

    return _PLURAL_FIELD.sub(form, template)


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
        template = _with_plurals(lang, template, params)
    return template.format(**params)


def pick_language(telegram_code: str | None, default: str) -> str:
    """The user's Telegram language when we speak it, else the configured default."""
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default
