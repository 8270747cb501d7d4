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


def test_plural_forms_are_complete_and_picked_by_babel() -> None:
    from babel import Locale

    from handlers.texts import PLURAL, plural, plural_forms, t

    seen = 0
    for lang, texts in CATALOG.items():
        tags = Locale.parse(lang).plural_form.tags | {"other"}
        for key, template in texts.items():
            for _, _name, spec, _ in string.Formatter().parse(template):
                if spec and spec.startswith(PLURAL):
                    seen += 1
                    forms = plural_forms(spec[len(PLURAL) :])
                    assert set(forms) <= tags, (lang, key, forms)
    assert seen >= 20
    assert plural("es", 1, "one=día|other=días") == "día"
    assert [plural("en", n, "one=day|other=days") for n in (0, 1, 2)] == ["days", "day", "days"]
    assert t("es", "cartera.days.overdue", days=1) == "1 día vencido"
    assert t("es", "cartera.days.ahead", days=1) == "falta 1 día"
    assert t("es", "cartera.started_all", created=1) == "✅ Se creó 1 seguimiento."
    assert t("en", "cartera.started_all", created=2) == "✅ 2 follow-ups created."


def test_relative_times_round_to_the_nearest_unit() -> None:
    from datetime import datetime, timedelta

    from crm.kernel.formatting import relative

    now = datetime(2026, 11, 27, 14, 0)
    cases = {
        timedelta(hours=4) - timedelta(seconds=59): ("en 4 h", "in 4 hr"),
        timedelta(hours=3, minutes=31): ("en 4 h", "in 4 hr"),
        timedelta(minutes=-119): ("hace 2 h", "2 hr ago"),
        timedelta(seconds=20): ("en 1 min", "in 1 min"),
        timedelta(hours=30): ("en 30 h", "in 30 hr"),
        timedelta(days=-1, hours=-23, minutes=-40): ("hace 2 días", "2 days ago"),
        timedelta(days=1) * 3: ("en 3 días", "in 3 days"),
    }
    for delta, (spanish, english) in cases.items():
        assert relative(now + delta, now, "es") == spanish
        assert relative(now + delta, now, "en") == english
