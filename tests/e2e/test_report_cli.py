"""``crm-bot report`` writes the same workbook as /informe, as the system admin."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.cli import main
from crm.kernel.clock import FakeClock
from tests.conftest import START, make_test_crm
from tests.support.reports import make_book


def seed(url: str) -> None:
    async def run() -> None:
        crm = await make_test_crm(url, FakeClock(START))
        try:
            await make_book(crm, FakeClock(START))
        finally:
            await crm.sessions.kw["bind"].dispose()

    asyncio.run(run())


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    seed(url)
    monkeypatch.setenv("CRM_DATABASE_URL", url)
    monkeypatch.setenv("CRM_LANGUAGE", "es")
    return url


def test_cli_writes_the_report(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out" / "informe.xlsx"
    code = main(
        [
            "report",
            "seguimientos",
            "--desde",
            "2026-11-01",
            "--hasta",
            "2026-11-30",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    assert "10 filas" in capsys.readouterr().out
    wb = load_workbook(out)
    assert wb.sheetnames == ["seguimientos", "Resumen"]
    data = wb["seguimientos"]
    assert data["A1"].value == "ID" and data.max_row == 11
    facts = {r[0]: r[1] for r in wb["Resumen"].iter_rows(values_only=True) if r[0]}
    assert facts["Solicitado por"] == "crm-bot"
    assert "01/11/2026 – 30/11/2026" in facts["Periodo"]
    assert [p.name for p in out.parent.iterdir()] == ["informe.xlsx"]  # no temp file left
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask  # like any file the user writes


def test_cli_agent_filter_and_bad_input(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "maria.xlsx"
    args = ["report", "actividades", "--desde", "2026-11-01", "--hasta", "2026-11-30"]
    assert main([*args, "--agente", "maria", "-o", str(out)]) == 0
    owners = {
        r[4] for r in load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)
    }
    assert owners == {"María Ruiz"}
    capsys.readouterr()
    assert main(["report", "ventas", "-o", str(tmp_path / "x.xlsx")]) == 1
    err = capsys.readouterr().err
    assert "No conozco el informe" in err
    assert "<code>" not in err and "uso: crm-bot report" in err  # terminal text, CLI usage
    assert main([*args[:2], "--desde", "2026-13-01", "-o", str(tmp_path / "y.xlsx")]) == 1
    assert not (tmp_path / "y.xlsx").exists()
