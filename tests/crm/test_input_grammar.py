"""The one input grammar (crm/input.py): the same words everywhere, and properties that hold
for any input (hypothesis)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.kernel import input as grammar
from crm.kernel.errors import InvalidInput
from tests.conftest import BOGOTA

NOW = datetime(2026, 11, 27, 14, 0, tzinfo=BOGOTA)  # a Friday afternoon
TODAY = NOW.date()
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@given(days)
def test_any_day_in_range_reads_back_in_every_written_form(day: date) -> None:
    for text in (day.isoformat(), day.strftime("%d/%m/%Y"), f"{day.day}/{day.month}/{day.year}"):
        assert grammar.parse_day(text, TODAY) == day
    assert grammar.parse_day(day.strftime("%d.%m.%Y"), TODAY) == day


@given(st.integers(1, 720))
def test_in_n_hours_is_now_plus_n(hours: int) -> None:
    for text in (f"en {hours} h", f"{hours}h", f"en {hours} horas", f"+{hours} h"):
        assert grammar.parse_due(text, NOW, BOGOTA) == NOW + timedelta(hours=hours)


@given(st.text(max_size=40))
def test_any_text_is_a_due_or_a_polite_refusal(text: str) -> None:
    try:
        due = grammar.parse_due(text, NOW, BOGOTA)
    except InvalidInput as exc:
        assert exc.key.startswith("error.")
    else:
        assert due > NOW and 2000 <= due.year <= 2099


@given(st.lists(st.text(max_size=12), max_size=4))
def test_any_words_are_a_period_or_a_polite_refusal(words: list[str]) -> None:
    try:
        period, rest = grammar.parse_period(words, TODAY)
    except InvalidInput as exc:
        assert exc.key.startswith("error.")
    else:
        assert len(rest) <= len(words)
        if period is not None and period.start is not None:
            assert period.end is not None and period.start <= period.end


@pytest.mark.parametrize("text", ["9999-12-31", "31/12/1999", "1/1/2100", "0001-01-01"])
def test_years_outside_2000_2099_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        grammar.parse_day(text, TODAY)
    assert err.value.key == "error.input_year_range"


def test_words_for_days_in_both_languages() -> None:
    assert grammar.parse_day("mañana", TODAY) == TODAY + timedelta(days=1)
    assert grammar.parse_day("MANANA", TODAY) == TODAY + timedelta(days=1)
    assert grammar.parse_day("yesterday", TODAY) == TODAY - timedelta(days=1)
    assert grammar.parse_day("5/12", TODAY) == date(2026, 12, 5)


def test_periods() -> None:
    week, rest = grammar.parse_period(["semana", "tipo:cobro"], TODAY)
    assert week == grammar.Period("range", date(2026, 11, 23), TODAY, "semana")
    assert rest == ["tipo:cobro"]
    month, _ = grammar.parse_period(["mes"], TODAY)
    assert month is not None and month.start == date(2026, 11, 1)
    two, _ = grammar.parse_period(["01/11/2026", "2026-11-15"], TODAY)
    assert two is not None and (two.start, two.end) == (date(2026, 11, 1), date(2026, 11, 15))
    none, rest = grammar.parse_period(["tipo:cobro"], TODAY)
    assert none is None and rest == ["tipo:cobro"]


def test_names_by_prefix_or_part_but_never_ambiguous() -> None:
    class Item:
        def __init__(self, id: int, name: str) -> None:
            self.id, self.name = id, name

    items = [Item(1, "Cobro de cartera"), Item(2, "Visita T.A.T."), Item(3, "Cobro jurídico")]
    assert grammar.match_name("COBRO DE CARTERA", items, "k") == 1
    assert grammar.match_name("visita", items, "k") == 2
    assert grammar.match_name("juridico", items, "k") == 3  # a part, accents ignored
    with pytest.raises(InvalidInput) as err:
        grammar.match_name("cobro", items, "error.x")  # two start with it
    assert "Cobro de cartera" in err.value.params["valid"]
