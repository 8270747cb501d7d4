"""A small book of follow-ups, events and documents for report tests, with text that
would be a formula if written naively."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from crm.followups import activity
from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from tests.conftest import seed_team
from tests.support.data import make_document, make_tercero, state_id, type_id

INJECTIONS = ("=1+1", "+57 300", "-5", "@SUM(A1)", "\tx", "\rx")


@dataclass
class Book:
    users: dict[str, int]
    actors: dict[str, Actor]
    followups: dict[str, int]
    terceros: dict[str, int]


async def make_book(crm: Crm, clock: FakeClock, users: dict[str, int] | None = None) -> Book:
    """LUIS and MARIA (ANA's team) and PEDRO (no supervisor) each own follow-ups; LUIS's
    notes and observations carry every formula-injection case."""
    users = users or await seed_team(crm)
    actors: dict[str, Any] = {
        code: await resolve_actor(crm, tg)
        for code, tg in (("ADMIN", 1), ("ANA", 2), ("LUIS", 3), ("MARIA", 4), ("PEDRO", 5))
    }
    terceros = {
        "luis": await make_tercero(crm, "900111222-1", '=HYPERLINK("http://x")', users["LUIS"]),
        "maria": await make_tercero(crm, "800222333-2", "Tienda María", users["MARIA"]),
        "pedro": await make_tercero(crm, "700333444-3", "Almacén Pedro", users["PEDRO"]),
    }
    cobro = await type_id(crm)
    pedido = await type_id(crm, "Seguimiento a pedido")
    clock.advance(days=-10)  # 2026-11-17, inside November
    f: dict[str, int] = {}

    async def new(code: str, tercero: str, ftype: int, note: str | None = None) -> int:
        view = await followups.create_followup(
            crm, actors[code], tercero_id=terceros[tercero], type_id=ftype, note=note
        )
        return view.id

    f["luis_open"] = await new("LUIS", "luis", cobro, INJECTIONS[0])
    f["luis_closed"] = await new("LUIS", "luis", pedido, INJECTIONS[1])
    f["maria_open"] = await new("MARIA", "maria", cobro, "Llamar en la tarde")
    f["pedro_discarded"] = await new("PEDRO", "pedro", pedido)
    # Imported tercero names are not trimmed: every injection case reaches the sheet as is.
    for n, name in enumerate(INJECTIONS):
        key = f"inj{n}"
        terceros[key] = await make_tercero(crm, f"55500{n}-1", name, users["LUIS"])
        f[key] = await new("LUIS", key, cobro)
    # A call (a contact: within the Ley 2300 hours, Tuesday 14:00).
    await activity.log_activity(crm, actors["MARIA"], f["maria_open"], 1, "@SUM(A1)")
    clock.advance(hours=5)
    for text in INJECTIONS[2:]:
        await activity.add_observation(crm, actors["LUIS"], f["luis_open"], text)
    await followups.close(
        crm, actors["LUIS"], f["luis_closed"], await state_id(crm, "Pagado"), "pagó"
    )
    await followups.postpone(crm, actors["MARIA"], f["maria_open"], 48)
    await followups.discard(crm, actors["PEDRO"], f["pedro_discarded"], reason="-5")
    clock.advance(days=10, hours=-5)  # back to START
    # Open documents in every aging bucket (today is 2026-11-27), plus a paid one.
    await make_document(crm, terceros["luis"], "1", due=date(2026, 12, 15), balance="100000")
    await make_document(crm, terceros["luis"], "2", due=date(2026, 11, 10), balance="250000.50")
    await make_document(crm, terceros["maria"], "3", due=date(2026, 10, 15), balance="300000")
    await make_document(crm, terceros["pedro"], "4", due=date(2026, 9, 20), balance="400000")
    await make_document(crm, terceros["pedro"], "5", due=date(2026, 7, 1), balance="500000")
    await make_document(crm, terceros["maria"], "6", due=date(2026, 7, 1), balance="0")
    return Book(users, actors, f, terceros)


async def add_many_followups(crm: Crm, owner_id: int, tercero_id: int, count: int) -> None:
    """``count`` active follow-ups created this month, written in one bulk insert."""
    from sqlalchemy import insert

    from storage.models import FollowUp

    ftype = await type_id(crm)
    now = crm.now()
    rows = [
        {
            "tercero_id": tercero_id,
            "type_id": ftype,
            "owner_id": owner_id,
            "due_at": now + timedelta(hours=i % 500),
            "status": "active",
            "note": f"nota {i}",
            "created_at": now - timedelta(minutes=i % 1000),
            "postpone_count": 0,
            "version": 1,
        }
        for i in range(count)
    ]
    async with crm.sessions.begin() as session:
        await session.execute(insert(FollowUp), rows)
