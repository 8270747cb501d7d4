"""Contact attempts through the guard on both databases: registered, blocked, overridden."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from crm import contacts, followups
from crm.clock import FakeClock
from crm.context import Crm
from crm.errors import InvalidInput
from crm.ley2300 import Rule
from crm.users import resolve_actor
from storage.models import AuditEntry, ContactAttempt, Tercero
from tests.conftest import BOGOTA, seed_team
from tests.support.data import make_tercero, type_id

MONDAY_10 = datetime(2026, 11, 30, 10, 15, tzinfo=BOGOTA)


@pytest.fixture
async def world(crm: Crm, clock: FakeClock) -> dict[str, object]:
    users = await seed_team(crm)
    tercero = await make_tercero(crm, encargado_id=users["LUIS"])
    actors = {
        code: await resolve_actor(crm, tg)
        for code, tg in (("LUIS", 3), ("MARIA", 4), ("ANA", 2), ("ADMIN", 1))
    }
    ftype = await type_id(crm)
    luis_fu = await followups.create_followup(
        crm, actors["LUIS"], tercero_id=tercero, type_id=ftype
    )
    # LUIS's tercero is in their supervisor's scope: ANA opens one for MARIA there.
    maria_fu = await followups.create_followup(
        crm,
        actors["ANA"],
        tercero_id=tercero,
        type_id=ftype,
        owner_id=users["MARIA"],  # type: ignore[arg-type]
    )
    clock.set(MONDAY_10)
    return {"tercero": tercero, "luis_fu": luis_fu.id, "maria_fu": maria_fu.id, **actors}


async def attempts(crm: Crm) -> list[tuple[str, str | None, str | None]]:
    async with crm.sessions() as session:
        rows = await session.execute(
            select(
                ContactAttempt.outcome, ContactAttempt.rule, ContactAttempt.override_reason
            ).order_by(ContactAttempt.id)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]


async def test_a_contact_is_an_event_and_blocks_a_second_one_that_day(
    crm: Crm, world, clock: FakeClock
) -> None:
    done = await contacts.register_contact(
        crm,
        world["LUIS"],
        world["luis_fu"],
        channel="llamada",
        result="contestó",
        note="Paga el 5",
    )
    assert done.outcome == "registered"
    event = done.card.events[-1]
    assert event.kind == "contact" and event.text == "llamada · contestó — Paga el 5"
    # Another agent, another follow-up of the same tercero, later the same day.
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=BOGOTA))
    view = await contacts.guard(crm, world["MARIA"], world["maria_fu"])
    assert view.verdict.rule == Rule.TODAY
    assert view.verdict.params["who"] == "Luis Gómez"
    assert view.verdict.params["at"].strftime("%H:%M") == "10:15"
    with pytest.raises(contacts.ContactBlocked) as blocked:
        await contacts.register_contact(
            crm, world["MARIA"], world["maria_fu"], channel="llamada", result="no contestó"
        )
    assert blocked.value.verdict.rule == Rule.TODAY
    assert await attempts(crm) == [("registered", None, None), ("blocked", "today", None)]
    card = await followups.get_followup(crm, world["MARIA"], world["maria_fu"])
    assert [e.kind for e in card.events] == ["created"]  # a blocked attempt is no event


async def test_second_channel_in_the_week_and_unauthorised_channel(
    crm: Crm, world, clock: FakeClock
) -> None:
    async with crm.sessions.begin() as session:
        tercero = await session.get(Tercero, world["tercero"])
        assert tercero is not None
        tercero.canales_autorizados = "llamada;whatsapp"
    await contacts.register_contact(
        crm, world["LUIS"], world["luis_fu"], channel="whatsapp", result="no contestó"
    )
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=BOGOTA))  # Wednesday
    view = await contacts.guard(crm, world["LUIS"], world["luis_fu"])
    assert view.verdict.allowed and view.verdict.channels == ("whatsapp",)
    with pytest.raises(contacts.ContactBlocked) as week:
        await contacts.register_contact(
            crm, world["LUIS"], world["luis_fu"], channel="llamada", result="contestó"
        )
    assert week.value.verdict.rule == Rule.WEEK
    assert week.value.verdict.params == {"channel": "whatsapp"}
    with pytest.raises(contacts.ContactBlocked) as channel:
        await contacts.register_contact(
            crm, world["LUIS"], world["luis_fu"], channel="sms", result="contestó"
        )
    assert channel.value.verdict.rule == Rule.CHANNEL


async def test_supervisor_overrides_with_a_logged_reason(
    crm: Crm, world, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 29, 11, 0, tzinfo=BOGOTA))  # Sunday
    with pytest.raises(contacts.ContactBlocked):
        await contacts.register_contact(
            crm, world["LUIS"], world["luis_fu"], channel="visita", result="contestó"
        )
    with pytest.raises(contacts.OverrideNeedsReason):
        await contacts.register_contact(
            crm, world["ANA"], world["luis_fu"], channel="visita", result="contestó"
        )
    done = await contacts.register_contact(
        crm,
        world["ANA"],
        world["luis_fu"],
        channel="visita",
        result="pago reportado",
        override_reason="El cliente pidió la visita por escrito",
    )
    assert done.outcome == "override"
    assert await attempts(crm) == [
        ("blocked", "sunday", None),
        ("override", "sunday", "El cliente pidió la visita por escrito"),
    ]
    async with crm.sessions() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("contact%"))
            )
        ).all()
    assert actions == ["contact_blocked", "contact_override"]
    assert "⚠️ Ley 2300: El cliente pidió" in (done.card.events[-1].text or "")


async def test_juridica_is_not_guarded_under_naturales(crm: Crm, world, clock: FakeClock) -> None:
    async with crm.sessions.begin() as session:
        tercero = await session.get(Tercero, world["tercero"])
        assert tercero is not None
        tercero.tipo_persona = "J"
    clock.set(datetime(2026, 12, 8, 21, 0, tzinfo=BOGOTA))  # holiday, at night
    done = await contacts.register_contact(
        crm, world["LUIS"], world["luis_fu"], channel="llamada", result="contestó"
    )
    assert done.outcome == "registered"
    async with crm.sessions() as session:
        protected = await session.scalar(select(ContactAttempt.protected))
    assert protected is False


async def test_unknown_channel_or_result_is_refused(crm: Crm, world) -> None:
    with pytest.raises(InvalidInput):
        await contacts.register_contact(
            crm, world["LUIS"], world["luis_fu"], channel="paloma", result="contestó"
        )
    with pytest.raises(InvalidInput):
        await contacts.register_contact(
            crm, world["LUIS"], world["luis_fu"], channel="sms", result="quizás"
        )
