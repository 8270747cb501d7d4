"""`crm-bot demo-data`: a living sample on an empty database, refused on a used one."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from crm.erp.demo import DemoRefused, check_digit, fill_demo_data
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from storage.models import ContactAttempt, Document, FollowUp, FollowUpEvent, Tercero, User
from tests.conftest import BOGOTA


def test_check_digit_matches_known_nits() -> None:
    # DIAN check digits of well-known public NITs.
    assert check_digit("860034313") == "7"  # Bancolombia's former NIT 860.034.313-7
    assert check_digit("899999068") == "1"  # Ecopetrol
    assert check_digit("800197268") == "4"  # DIAN


async def test_demo_data_fills_every_aging_bucket_and_agenda_period(crm: Crm) -> None:
    summary = await fill_demo_data(crm)
    today = crm.today()
    now = crm.now()
    async with crm.sessions() as session:
        terceros = (await session.scalars(select(Tercero))).all()
        documents = (await session.scalars(select(Document))).all()
        followups = (await session.scalars(select(FollowUp))).all()
        kinds = Counter((await session.scalars(select(FollowUpEvent.kind))).all())
        users = (await session.scalars(select(User))).all()
    assert summary.terceros == len(terceros) >= 15
    for tercero in terceros:
        base, dv = tercero.nit.split("-")
        assert check_digit(base) == dv and tercero.nit_base == base
        assert tercero.phones and tercero.city and tercero.encargado_id
    late = {
        (today - d.due_date).days for d in documents if d.balance > 0 and d.due_date is not None
    }
    buckets = {
        "current": any(x <= 0 for x in late),
        "1-30": any(1 <= x <= 30 for x in late),
        "31-60": any(31 <= x <= 60 for x in late),
        "61-90": any(61 <= x <= 90 for x in late),
        "90+": any(x > 90 for x in late),
    }
    assert all(buckets.values()), buckets
    assert any(d.balance == 0 for d in documents)  # paid documents too
    active = [f for f in followups if f.status == "active"]
    local_days = [f.due_at.astimezone(crm.tz).date() for f in active]
    assert any(f.due_at < now for f in active)  # overdue
    assert today in local_days  # due today
    assert any(day > today for day in local_days)  # upcoming
    assert any(f.status == "closed" for f in followups)
    assert {"created", "postponed", "activity", "observation", "closed", "continued"} <= set(kinds)
    # History lies in the past, never after "now".
    async with crm.sessions() as session:
        times = (await session.scalars(select(FollowUpEvent.at))).all()
    assert max(times) <= now and min(times) >= now - timedelta(days=11)
    assert Counter(u.role for u in users) == {"agent": 3, "supervisor": 1, "admin": 1}


async def test_demo_data_refuses_a_database_with_terceros(crm: Crm) -> None:
    await fill_demo_data(crm)
    with pytest.raises(DemoRefused):
        await fill_demo_data(crm)


def test_demo_data_cli_prints_the_team_and_registers_my_admin_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CRM_LANGUAGE", raising=False)
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
    assert main(["demo-data", "--admin-id", "424242"]) == 0
    out = capsys.readouterr().out
    assert "424242" in out and "CMENDEZ" in out and "administrador" in out
    assert not (tmp_path / "crm.db").exists()  # the company's database is never the demo's
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        assert conn.execute("SELECT role FROM users WHERE telegram_id = 424242").fetchall() == [
            ("admin",)
        ]
        before = conn.execute("SELECT COUNT(*) FROM documents").fetchall()
    # Refused politely but not an error: `demo-data && run` must keep starting the bot.
    assert main(["demo-data"]) == 0
    assert "ya tiene 18 terceros" in capsys.readouterr().err
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM documents").fetchall() == before
        assert conn.execute("SELECT COUNT(*) FROM users").fetchall() == [(5,)]


@pytest.mark.parametrize(
    "day",
    [
        datetime(2026, 12, 8, 10, 0, tzinfo=BOGOTA),  # a holiday, two days after a Sunday
        datetime(2026, 12, 6, 20, 0, tzinfo=BOGOTA),  # a Sunday night
    ],
)
async def test_demo_calls_respect_ley_2300_whatever_the_day(
    sqlite_crm: Crm, clock: FakeClock, day: datetime
) -> None:
    """The demo's calls are contacts: they land on days the guard allows."""
    clock.set(day)
    await fill_demo_data(sqlite_crm)
    async with sqlite_crm.sessions() as session:
        outcomes = Counter((await session.scalars(select(ContactAttempt.outcome))).all())
    assert outcomes and set(outcomes) == {"registered"}
