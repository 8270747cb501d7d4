"""Agenda and seguimientos as a supervisor reads them: days overdue, the linked document and
its balance, every observation newest first with its line breaks, wrapped cells, the
Resumen's overdue count and age chart, print setup, and one font, checked in the parts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook

from crm.cobranza import starts
from crm.followups import activity
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.reports import build_report, parse_request
from crm.reports.kinds.followups import MAX_OBSERVATIONS, days_late
from tests.conftest import seed_team
from tests.support import xlsx
from tests.support.data import make_document, make_tercero


async def test_agenda_columns_observations_and_resumen(crm: Crm, clock: FakeClock) -> None:
    users = await seed_team(crm)
    luis = await resolve_actor(crm, 3)
    assert luis is not None
    tid = await make_tercero(crm, encargado_id=users["LUIS"])
    doc = await make_document(
        crm, tid, "77", due=date(2026, 10, 1), value="900000", balance="812345.67"
    )
    fu = await starts.start_followup_for_document(crm, luis, doc)
    for n in range(MAX_OBSERVATIONS):
        clock.advance(minutes=1)
        await activity.add_observation(crm, luis, fu.id, f"nota {n}")
    clock.advance(hours=1)
    await activity.add_observation(crm, luis, fu.id, "Segunda")
    clock.advance(hours=1)
    await activity.add_observation(crm, luis, fu.id, "Primera\nlínea dos")
    clock.advance(days=3)  # due 24 h after it was started: now 2 days and ~1 h late
    report = await build_report(crm, luis, parse_request("agenda hoy", crm.today()), "es")
    try:
        wb = load_workbook(report.path)
        data, summary = wb["agenda"], wb["Resumen"]
        headers = [c.value for c in data[1]]
        row: dict[str, Any] = dict(zip(headers, [c.value for c in data[2]], strict=True))
        assert row["Días de mora"] == 3  # 2 days and some hours: a started day counts
        assert row["Documento"] == "FV-77" and row["Saldo documento"] == 812345.67
        cell = data.cell(2, headers.index("Saldo documento") + 1)
        assert cell.number_format == '"$" #,##0.00'
        notes = data.cell(2, headers.index("Observaciones") + 1)
        lines = notes.value.split("\n")
        assert lines[0].endswith("— Primera") and lines[1] == "línea dos"  # newest first
        assert lines[2].endswith("— Segunda") and lines[3].endswith(
            f"— nota {MAX_OBSERVATIONS - 1}"
        )
        assert lines[-2].endswith("— nota 2")
        assert lines[-1] == "… y 2 observaciones más antiguas"  # nota 1 and nota 0
        assert len(lines) == MAX_OBSERVATIONS + 2 and notes.alignment.wrap_text
        facts = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r[0]}
        assert facts["Vencidos"] == 1
        parts = xlsx.parse_parts(report.path)
        assert xlsx.fonts(parts) == {"Calibri"}
        assert xlsx.print_titles(parts) == ["agenda!$1:$1"]
        assert len(parts.charts) == 2
        for chart in parts.charts.values():
            assert xlsx.value_axis_minimums(chart) == ["0"]
        for sheet in parts.sheets.values():
            assert xlsx.page_setup(sheet)["orientation"] == "landscape"
    finally:
        report.discard()
    assert Decimal("812345.67") == Decimal(str(row["Saldo documento"]))


def test_days_late_counts_a_started_day() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert days_late(now, now) == 0
    assert days_late(now, now + timedelta(hours=1)) == 0
    assert days_late(now, now - timedelta(minutes=1)) == 1
    assert days_late(now, now - timedelta(days=1)) == 1
    assert days_late(now, now - timedelta(days=1, seconds=1)) == 2
