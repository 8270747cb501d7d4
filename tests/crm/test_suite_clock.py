"""The suite's clock helpers find working hours on every day of the year: tests that start
real bot processes must not fail on a Sunday or a Colombian holiday."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.ley2300.rules import check, holiday_name
from tests.support.clock import working_noon


def test_working_noon_opens_the_ley_2300_window_every_hour_of_2026_and_2027() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    end = datetime(2028, 1, 1, tzinfo=UTC)
    shifted_days = 0
    while moment < end:
        for minute in (0, 59):
            real = moment + timedelta(minutes=minute)
            noon = working_noon(real)
            local = noon.now.astimezone(ZoneInfo(noon.zone))
            assert 12 <= local.hour < 13, (real, noon)
            assert local.weekday() < 5 and holiday_name(local.date()) is None, (real, noon)
            verdict = check(noon.now, ZoneInfo(noon.zone), protected=True, canales=None, prior=())
            assert verdict.allowed, (real, noon, verdict)
            # Whole days, at most Holy Thursday to Monday.
            assert noon.shift.total_seconds() % 86400 == 0 and noon.shift.days <= 4
            shifted_days += noon.shift.days > 0
        moment += timedelta(hours=1)
    assert shifted_days > 0  # Sundays and holidays were met and moved past


def test_working_noon_moves_8_december_and_sundays_to_a_working_day() -> None:
    # 8 December 2026 (Inmaculada Concepción, a Tuesday) at 14:00 UTC.
    noon = working_noon(datetime(2026, 12, 8, 14, tzinfo=UTC))
    assert noon.now.astimezone(ZoneInfo(noon.zone)).date() == date(2026, 12, 9)
    # Sunday 15 March 2026, then Monday 23 March, a holiday (San José, observed).
    assert working_noon(datetime(2026, 3, 15, 16, tzinfo=UTC)).shift.days == 1
    assert working_noon(datetime(2026, 3, 22, 16, tzinfo=UTC)).shift.days == 2
    # A working Wednesday is left alone.
    assert working_noon(datetime(2026, 11, 25, 17, tzinfo=UTC)).shift.days == 0
