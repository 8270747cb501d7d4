"""Working hours for tests of real bot processes, whatever day the suite runs.

A bot started as a subprocess reads the system clock. Tests that need pings to go out pick a
fixed-offset zone where it is about noon now (so PTB's daily jobs, e.g. a 00:00 digest, are
hours away) and shift the process's clock by whole days onto a Monday–Friday that is not a
Colombian public holiday, so the Ley 2300 guard never holds their pings (on 8 December or a
Sunday it used to, and the tests timed out). ``python -m tests.support.clock SECONDS run …``
starts ``crm-bot`` with its clock shifted by SECONDS.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from crm.ley2300.rules import time_rule


@dataclass(frozen=True)
class WorkingNoon:
    """``zone``: a fixed-offset zone where it is about noon at ``real``; ``shift``: whole days
    to add to the clock so that the local day is a working day for the Ley 2300 guard."""

    real: datetime
    zone: str
    shift: timedelta

    @property
    def now(self) -> datetime:
        """The shifted "now" the bot process sees (UTC)."""
        return self.real + self.shift

    @property
    def env(self) -> dict[str, str]:
        """The bot's settings that go with it."""
        return {"CRM_TIMEZONE": self.zone}

    def command(self, *args: str) -> list[str]:
        """``python -m bot ARGS`` with this shifted clock."""
        seconds = str(int(self.shift.total_seconds()))
        return [sys.executable, "-m", "tests.support.clock", seconds, *args]


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone where the wall clock reads 12:MM at ``now``."""
    offset = 12 - now.astimezone(UTC).hour  # -11 … +12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def working_noon(real: datetime | None = None) -> WorkingNoon:
    """About noon on the next Monday–Friday that is not a Colombian holiday (today when it is
    one), in a fixed-offset zone where it is noon now."""
    real = datetime.now(UTC) if real is None else real
    zone = noon_zone(real)
    local = real.astimezone(ZoneInfo(zone))
    days = 0
    while (day := local + timedelta(days=days)).weekday() >= 5 or time_rule(day) is not None:
        days += 1
    return WorkingNoon(real, zone, timedelta(days=days))


def _run_shifted(argv: list[str]) -> int:
    """Run ``crm-bot`` with its system clock moved by ``argv[0]`` seconds."""
    shift = timedelta(seconds=int(argv[0]))
    from crm.kernel import clock

    real_now = clock.SystemClock.now

    def shifted(self: clock.SystemClock) -> datetime:
        return real_now(self) + shift

    clock.SystemClock.now = shifted  # type: ignore[method-assign]
    from bot.cli import main

    return int(main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(_run_shifted(sys.argv[1:]))
