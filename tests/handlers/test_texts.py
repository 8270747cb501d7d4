"""The text catalog: both languages complete, same placeholders, every error key present."""

from __future__ import annotations

import re
import string
from pathlib import Path

from handlers.texts import CATALOG

ROOT = Path(__file__).resolve().parents[2]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_have_every_key_and_the_same_placeholders() -> None:
    assert CATALOG["es"].keys() == CATALOG["en"].keys()
    for key, spanish in CATALOG["es"].items():
        assert _fields(spanish) == _fields(CATALOG["en"][key]), key


def test_every_error_key_raised_in_crm_has_a_text() -> None:
    used: set[str] = set()
    for path in (ROOT / "crm").rglob("*.py"):
        used |= set(re.findall(r'"(error\.[a-z_.]+)"', path.read_text()))
    assert used, "no error keys found: the scan is broken"
    missing = sorted(k for k in used if k not in CATALOG["es"])
    assert not missing, missing
