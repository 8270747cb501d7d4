"""/informe contactos read back with openpyxl: exact headers, one row per attempt (blocked and
overridden ones included), Cumple and Motivo, the per-agent Resumen, and role scoping."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from crm.cobranza import contacts
from crm.followups import activity as followups_activity
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.geo import Point
from crm.reports import build_report, parse_request
from crm.route import visits
from crm.route.visits import SharedLocation
from storage.models import Tercero
from tests.conftest import BOGOTA, seed_team
from tests.support.data import activity_id, make_tercero, type_id

HEADERS = ["Fecha", "Responsable", "NIT", "Tercero", "Canal", "Resultado", "Cumple", "Motivo"]


@pytest.fixture
async def attempts(crm: Crm, clock: FakeClock) -> dict[str, object]:
    await seed_team(crm)
    users = {code: await resolve_actor(crm, tg) for code, tg in (("LUIS", 3), ("MARIA", 4))}
    ana = await resolve_actor(crm, 2)
    tercero = await make_tercero(crm, encargado_id=users["LUIS"].id)  # type: ignore[union-attr]
    ftype = await type_id(crm)
    luis_fu = await followups.create_followup(
        crm, users["LUIS"], tercero_id=tercero, type_id=ftype
    )
    # LUIS's tercero is in their supervisor's scope: ANA opens one for MARIA there.
    maria_fu = await followups.create_followup(
        crm,
        ana,
        tercero_id=tercero,
        type_id=ftype,
        owner_id=users["MARIA"].id,  # type: ignore[arg-type, union-attr]
    )
    clock.set(datetime(2026, 11, 30, 10, 15, tzinfo=BOGOTA))  # Monday
    await contacts.register_contact(
        crm, users["LUIS"], luis_fu.id, channel="whatsapp", result="promesa de pago"
    )
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=BOGOTA))
    with pytest.raises(contacts.ContactBlocked):
        await contacts.register_contact(
            crm, users["MARIA"], maria_fu.id, channel="llamada", result="contestó"
        )
    clock.set(datetime(2026, 12, 6, 9, 0, tzinfo=BOGOTA))  # Sunday
    await contacts.register_contact(
        crm,
        ana,
        maria_fu.id,
        channel="whatsapp",
        result="contestó",
        override_reason="Lo pidió el cliente",
    )
    return {"ana": ana, **users}


def _read(path: Path) -> tuple[list[list[object]], list[list[object]]]:
    book = load_workbook(path)
    assert book.sheetnames == ["contactos", "Resumen"]
    data = [list(r) for r in book["contactos"].iter_rows(values_only=True)]
    summary = [list(r) for r in book["Resumen"].iter_rows(values_only=True)]
    return data, summary


async def test_contactos_report(crm: Crm, attempts, clock: FakeClock, tmp_path: Path) -> None:
    request = parse_request("contactos 2026-11-30 2026-12-06", clock.now().date())
    report = await build_report(crm, attempts["ana"], request, directory=tmp_path)
    data, summary = _read(report.path)
    assert data[0] == HEADERS
    assert report.rows == 3 and len(data) == 4
    assert data[1] == [
        datetime(2026, 11, 30, 10, 15),
        "Luis Gómez",
        "900123456-7",
        "Ferretería Núñez & Cía",
        "WhatsApp",
        "promesa de pago",
        "Sí",
        None,
    ]
    assert data[2][1] == "María Ruiz" and data[2][5:] == [
        "bloqueado",
        "No",
        "Ya hubo un contacto hoy (10:15, Luis Gómez, WhatsApp)",
    ]
    assert data[3][1] == "Ana Supervisora" and data[3][6] == "No"
    assert data[3][7] == "Domingo · Excepción de Ana Supervisora: Lo pidió el cliente"
    table_at = next(
        i
        for i, r in enumerate(summary)
        if r[1:4] == ["Contactos", "Intentos bloqueados", "Excepciones"]
    )
    assert [r[:4] for r in summary[table_at + 1 :] if r and r[0]] == [
        ["Ana Supervisora", 1, 0, 1],
        ["Luis Gómez", 1, 0, 0],
        ["María Ruiz", 0, 1, 0],
    ]
    report.discard()


async def test_an_agent_sees_only_their_own_attempts(
    crm: Crm, attempts, clock: FakeClock, tmp_path: Path
) -> None:
    request = parse_request("contactos 30/11/2026 2026-12-06", clock.now().date())
    report = await build_report(crm, attempts["MARIA"], request, directory=tmp_path, lang="en")
    book = load_workbook(report.path)
    rows = list(book["contactos"].iter_rows(values_only=True))
    assert list(rows[0]) == [
        "Date",
        "Owner",
        "NIT",
        "Tercero",
        "Channel",
        "Result",
        "Complies",
        "Reason",
    ]
    assert [r[1] for r in rows[1:]] == ["María Ruiz"]
    assert rows[1][7] == "Already contacted today (10:15, Luis Gómez, WhatsApp)"
    report.discard()


async def test_filters_agent_and_nit(crm: Crm, attempts, clock: FakeClock, tmp_path: Path) -> None:
    today = clock.now().date()
    by_agent = await build_report(
        crm,
        attempts["ana"],
        parse_request("contactos 2026-11-01 2026-12-06 agente:LUIS", today),
        directory=tmp_path,
    )
    assert by_agent.rows == 1
    by_nit = await build_report(
        crm, attempts["ana"], parse_request("contactos mes nit:1", today), directory=tmp_path
    )
    assert by_nit.rows == 0
    by_agent.discard()
    by_nit.discard()


async def test_activities_and_visits_are_in_the_report_blocked_ones_too(
    crm: Crm, clock: FakeClock, tmp_path: Path
) -> None:
    """📝 "Llamada contestada" and 📍 Registrar visita on a Sunday night are refused and listed;
    the same activity on Monday is a contact like any other."""
    users = await seed_team(crm)
    luis = await resolve_actor(crm, 3)
    ana = await resolve_actor(crm, 2)
    assert luis is not None and ana is not None
    tercero = await make_tercero(crm, encargado_id=users["LUIS"])  # in Luis's book
    async with crm.sessions.begin() as session:
        row = await session.get(Tercero, tercero)
        assert row is not None
        row.latitude, row.longitude = 4.6097, -74.0817
        row.location_source, row.location_status = "erp", "confirmed"
    fid = (
        await followups.create_followup(crm, luis, tercero_id=tercero, type_id=await type_id(crm))
    ).id
    called = await activity_id(crm, "Llamada contestada")
    clock.set(datetime(2026, 11, 29, 21, 30, tzinfo=BOGOTA))  # Sunday night
    with pytest.raises(contacts.ContactBlocked):
        await followups_activity.log_activity(crm, luis, fid, called)
    with pytest.raises(contacts.ContactBlocked):
        await visits.share_location(
            crm, luis, fid, SharedLocation(Point(4.6097, -74.0817), clock.now(), live=True), 150
        )
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=BOGOTA))
    await followups_activity.log_activity(crm, luis, fid, called, "Paga el viernes")
    request = parse_request("contactos 2026-11-23 2026-11-30", clock.now().date())
    report = await build_report(crm, ana, request, directory=tmp_path)
    data, _ = _read(report.path)
    assert [r[4:] for r in data[1:]] == [
        ["llamada", "bloqueado", "No", "Domingo"],
        ["visita", "bloqueado", "No", "Domingo"],
        ["llamada", "Llamada contestada", "Sí", None],
    ]
    report.discard()
