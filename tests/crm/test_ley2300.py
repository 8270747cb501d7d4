"""The Ley 2300 guard's rules at their edges, as pure functions of local time."""

from __future__ import annotations

from datetime import datetime

import pytest

from crm.ley2300 import rules as ley2300
from crm.ley2300.rules import PriorContact, Rule
from tests.conftest import BOGOTA


def at(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(2026 if y == 0 else y, mo, d, h, mi, tzinfo=BOGOTA)


def verdict(
    when: datetime,
    prior: list[PriorContact] | None = None,
    channel: str | None = "llamada",
    canales: str | None = None,
) -> ley2300.Verdict:
    return ley2300.check(
        when, BOGOTA, protected=True, canales=canales, prior=prior or [], channel=channel
    )


@pytest.mark.parametrize(
    ("when", "rule"),
    [
        (at(0, 11, 30, 6, 59), Rule.HOURS),  # Monday 06:59
        (at(0, 11, 30, 7, 0), None),  # Monday 07:00
        (at(0, 11, 30, 18, 59), None),
        (at(0, 11, 30, 19, 0), Rule.HOURS),  # Monday 19:00 is already late
        (at(0, 11, 28, 7, 59), Rule.HOURS),  # Saturday before 08:00
        (at(0, 11, 28, 8, 0), None),
        (at(0, 11, 28, 14, 59), None),
        (at(0, 11, 28, 15, 0), Rule.HOURS),  # Saturday 15:00
        (at(0, 11, 29, 10, 0), Rule.SUNDAY),
        (at(0, 12, 8, 10, 0), Rule.HOLIDAY),  # Tuesday 8 Dec, Inmaculada Concepción
        (at(0, 11, 16, 10, 0), Rule.HOLIDAY),  # an Emiliani Monday (Independencia de Cartagena)
    ],
)
def test_day_and_hour_edges(when: datetime, rule: Rule | None) -> None:
    assert verdict(when).rule == rule


def test_saturday_after_hours_says_so() -> None:
    v = verdict(at(0, 11, 28, 15, 0))
    assert v.params == {"when": "sat_after", "limit": "15:00"}
    assert verdict(at(0, 11, 30, 6, 59)).params == {"when": "before", "limit": "07:00"}


def test_holiday_name_from_the_calendar() -> None:
    assert ley2300.holiday_name(at(0, 12, 8, 0).date()) == "Inmaculada Concepción"
    assert ley2300.holiday_name(at(0, 12, 9, 0).date()) is None
    v = verdict(at(0, 12, 8, 10))
    assert v.params["day"] == at(0, 12, 8, 0).date()
    shown = ley2300.display_params(v.params, "es")
    assert (shown["day"], shown["holiday"]) == ("8 dic", "Inmaculada Concepción")
    assert ley2300.display_params(v.params, "en")["day"] == "Dec 8"


def test_second_contact_the_same_day_by_anyone() -> None:
    first = PriorContact(at(0, 11, 30, 10, 15), "Ana", "llamada")
    v = verdict(at(0, 11, 30, 16, 0), [first])
    assert v.rule == Rule.TODAY
    assert v.params["who"] == "Ana" and v.params["at"].hour == 10
    assert ley2300.display_params(v.params, "es") == {
        "time": "10:15",
        "who": "Ana",
        "channel": "llamada",
    }
    assert verdict(at(0, 12, 1, 8, 0), [first]).allowed  # next day, same channel


def test_second_channel_in_the_same_calendar_week() -> None:
    monday = PriorContact(at(0, 11, 30, 9, 0), "Ana", "whatsapp")
    v = verdict(at(0, 12, 2, 9, 0), [monday], channel="llamada")
    assert v.rule == Rule.WEEK and v.params["channel"] == "whatsapp"
    assert verdict(at(0, 12, 2, 9, 0), [monday], channel="whatsapp").allowed
    # Calendar week: the next Monday any channel is open again.
    assert verdict(at(0, 12, 7, 9, 0), [monday], channel="llamada").allowed
    # Without a channel: only WhatsApp is offered this week.
    assert verdict(at(0, 12, 2, 9, 0), [monday], channel=None).channels == ("whatsapp",)


def test_unauthorised_channel() -> None:
    v = verdict(at(0, 11, 30, 9, 0), channel="sms", canales="llamada;whatsapp")
    assert v.rule == Rule.CHANNEL
    open_ = verdict(at(0, 11, 30, 9, 0), channel=None, canales="llamada;whatsapp")
    assert open_.allowed and open_.channels == ("llamada", "whatsapp")


def test_not_protected_is_always_allowed() -> None:
    v = ley2300.check(
        at(0, 11, 29, 22, 0), BOGOTA, protected=False, canales="sms", prior=[], channel="visita"
    )
    assert v.allowed and not v.protected


@pytest.mark.parametrize(
    ("setting", "tipo", "protected"),
    [
        ("naturales", "N", True),
        ("naturales", None, True),
        ("naturales", "J", False),
        ("todos", "J", True),
        ("no", "N", False),
    ],
)
def test_who_is_protected(setting: str, tipo: str | None, protected: bool) -> None:
    assert ley2300.is_protected(setting, tipo) is protected


def test_parsing_channels_and_person_type() -> None:
    assert ley2300.parse_channels("WhatsApp; Llamada") == "llamada;whatsapp"
    assert ley2300.parse_channels("correo/visita") == "correo;visita"
    with pytest.raises(ley2300.BadChannels):
        ley2300.parse_channels("llamada;paloma")
    assert ley2300.parse_person_type(" j ") == "J"
    assert ley2300.parse_person_type("Natural") == "N"


@pytest.mark.parametrize(
    ("now", "contacted", "expected"),
    [
        (at(0, 11, 30, 10, 0), False, at(0, 11, 30, 10, 0)),  # open now
        (at(0, 11, 30, 6, 0), False, at(0, 11, 30, 7, 0)),  # later today
        (at(0, 11, 30, 19, 0), False, at(0, 12, 1, 7, 0)),  # tomorrow
        (at(0, 11, 28, 15, 30), False, at(0, 11, 30, 7, 0)),  # Saturday late -> Monday
        (at(0, 12, 7, 20, 0), False, at(0, 12, 9, 7, 0)),  # skips the 8 Dec holiday
        (at(0, 11, 30, 10, 0), True, at(0, 12, 1, 7, 0)),  # already contacted today
        (at(0, 12, 5, 9, 0), True, at(0, 12, 7, 7, 0)),  # Saturday, contacted -> Monday
    ],
)
def test_next_allowed_moment(now: datetime, contacted: bool, expected: datetime) -> None:
    assert ley2300.next_allowed(now, BOGOTA, contacted) == expected


def test_settings_names_and_defaults() -> None:
    from bot.settings import Settings

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.ley_2300, settings.payment_confirm_days) == ("naturales", 3)
    assert Settings(_env_file=None, ley_2300=" Todos ").ley_2300 == "todos"  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Settings(_env_file=None, ley_2300="algunos")  # type: ignore[call-arg]


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.settings import Settings

    monkeypatch.setenv("CRM_LEY_2300", "no")
    monkeypatch.setenv("CRM_PAYMENT_CONFIRM_DAYS", "5")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (settings.ley_2300, settings.payment_confirm_days) == ("no", 5)
