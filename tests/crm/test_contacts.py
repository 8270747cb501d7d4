"""Contact attempts through the guard on both databases: registered, blocked, overridden."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import select

from crm.cobranza import contacts
from crm.followups import activity as followups_activity
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized
from crm.kernel.geo import Point
from crm.ley2300.rules import Rule
from crm.route import visits
from crm.route.visits import SharedLocation
from storage.models import AuditEntry, ContactAttempt, FollowUpEvent, Tercero
from tests.conftest import BOGOTA, seed_team
from tests.support.data import activity_id, make_tercero, type_id

MONDAY_10 = datetime(2026, 11, 30, 10, 15, tzinfo=BOGOTA)
SHOP = Point(4.6097, -74.0817)


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
    # Without a reason the supervisor gets the guard's answer (and the offer of an exception);
    # her attempt is reported like anyone's.
    with pytest.raises(contacts.ContactBlocked) as refused:
        await contacts.register_contact(
            crm, world["ANA"], world["luis_fu"], channel="visita", result="contestó"
        )
    assert refused.value.may_override and refused.value.verdict.rule == Rule.SUNDAY
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
        ("blocked", "sunday", None),
        ("override", "sunday", "El cliente pidió la visita por escrito"),
    ]
    async with crm.sessions() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("contact%"))
            )
        ).all()
    assert actions == ["contact_blocked", "contact_blocked", "contact_override"]
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


# --- every path goes through the one guard (issue #20, item 7) -------------------------------

SUNDAY_2130 = datetime(2026, 11, 29, 21, 30, tzinfo=BOGOTA)


async def _located(crm: Crm, tercero_id: int) -> None:
    async with crm.sessions.begin() as session:
        tercero = await session.get(Tercero, tercero_id)
        assert tercero is not None
        tercero.latitude, tercero.longitude = SHOP.latitude, SHOP.longitude
        tercero.location_source, tercero.location_status = "erp", "confirmed"


async def _events(crm: Crm, followup_id: int) -> list[str]:
    async with crm.sessions() as session:
        rows = await session.scalars(
            select(FollowUpEvent.kind)
            .where(FollowUpEvent.followup_id == followup_id)
            .order_by(FollowUpEvent.id)
        )
        return list(rows.all())


async def test_a_contact_activity_on_sunday_night_is_refused_and_reported(
    crm: Crm, world, clock: FakeClock
) -> None:
    clock.set(SUNDAY_2130)
    called = await activity_id(crm, "Llamada contestada")
    with pytest.raises(contacts.ContactBlocked) as refused:
        await followups_activity.log_activity(
            crm, world["LUIS"], world["luis_fu"], called, "Pagará"
        )
    assert refused.value.verdict.rule == Rule.SUNDAY
    assert await attempts(crm) == [("blocked", "sunday", None)]
    assert await _events(crm, world["luis_fu"]) == ["created"]
    # An activity that is not a contact is recorded as always.
    order = await activity_id(crm, "Pedido tomado")
    await followups_activity.log_activity(crm, world["LUIS"], world["luis_fu"], order)
    assert await _events(crm, world["luis_fu"]) == ["created", "activity"]


async def test_a_visit_on_sunday_night_is_refused_and_reported(
    crm: Crm, world, clock: FakeClock
) -> None:
    await _located(crm, world["tercero"])
    clock.set(SUNDAY_2130)
    with pytest.raises(contacts.ContactBlocked) as refused:
        await visits.share_location(
            crm, world["LUIS"], world["luis_fu"], SharedLocation(SHOP, clock.now(), live=True), 150
        )
    assert refused.value.verdict.rule == Rule.SUNDAY and not refused.value.may_override
    assert await attempts(crm) == [("blocked", "sunday", None)]
    assert await _events(crm, world["luis_fu"]) == ["created"]
    async with crm.sessions() as session:
        channel = await session.scalar(select(ContactAttempt.channel))
    assert channel == "visita"


async def test_an_allowed_contact_activity_is_a_contact_for_the_daily_rule(
    crm: Crm, world, clock: FakeClock
) -> None:
    called = await activity_id(crm, "Llamada contestada")
    done = await followups_activity.record_activity(crm, world["LUIS"], world["luis_fu"], called)
    assert done.channel == "llamada"
    async with crm.sessions() as session:
        attempt = (await session.scalars(select(ContactAttempt))).one()
    assert (attempt.outcome, attempt.channel, attempt.result) == (
        "registered",
        "llamada",
        "Llamada contestada",
    )
    assert attempt.event_id == done.event_id
    # The note, added afterwards, goes to the activity and to the contact.
    card = await followups_activity.add_activity_note(
        crm, world["LUIS"], world["luis_fu"], done.event_id, "Paga el 5"
    )
    assert card.events[-1].text == "Paga el 5"
    async with crm.sessions() as session:
        assert await session.scalar(select(ContactAttempt.note)) == "Paga el 5"
    # María's call that afternoon, or her visit, is a second contact that day.
    clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=BOGOTA))
    with pytest.raises(contacts.ContactBlocked) as blocked:
        await contacts.register_contact(
            crm, world["MARIA"], world["maria_fu"], channel="llamada", result="contestó"
        )
    assert blocked.value.verdict.params["who"] == "Luis Gómez"
    await _located(crm, world["tercero"])
    with pytest.raises(contacts.ContactBlocked):
        await visits.share_location(
            crm,
            world["MARIA"],
            world["maria_fu"],
            SharedLocation(SHOP, clock.now(), live=True),
            150,
        )
    assert [a[0] for a in await attempts(crm)] == ["registered", "blocked", "blocked"]


async def test_recording_the_same_contact_twice_is_one_contact(
    crm: Crm, world, clock: FakeClock
) -> None:
    """📞 Contacto and then its activity, or "Visita realizada" during the visit: the same
    person, channel and tercero within 30 minutes (or while the visit is open) is the same
    contact; later it is a second one."""
    await _located(crm, world["tercero"])
    await contacts.register_contact(
        crm, world["LUIS"], world["luis_fu"], channel="llamada", result="contestó"
    )
    clock.advance(minutes=10)
    called = await activity_id(crm, "Llamada contestada")
    await followups_activity.log_activity(crm, world["LUIS"], world["luis_fu"], called)
    assert [a[0] for a in await attempts(crm)] == ["registered"]
    # Tuesday: the week's channel is llamada, so a visit is refused.
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=BOGOTA))
    with pytest.raises(contacts.ContactBlocked) as week:
        await visits.share_location(
            crm, world["LUIS"], world["luis_fu"], SharedLocation(SHOP, clock.now(), live=True), 150
        )
    assert week.value.verdict.rule == Rule.WEEK
    # Next Monday the visit is the day's contact; "Visita realizada" during it is the same one.
    clock.set(datetime(2026, 12, 7, 9, 0, tzinfo=BOGOTA))
    await visits.share_location(
        crm, world["LUIS"], world["luis_fu"], SharedLocation(SHOP, clock.now(), live=True), 150
    )
    clock.advance(hours=1)
    visited = await activity_id(crm, "Visita realizada")
    await followups_activity.log_activity(crm, world["LUIS"], world["luis_fu"], visited)
    await visits.end_visit(crm, world["LUIS"], world["luis_fu"])
    assert [a[0] for a in await attempts(crm)] == ["registered", "blocked", "registered"]
    # Once the visit is over and 30 minutes passed, another call is a second contact.
    clock.advance(minutes=31)
    with pytest.raises(contacts.ContactBlocked):
        await followups_activity.log_activity(crm, world["LUIS"], world["luis_fu"], visited)


async def test_the_contact_is_recorded_when_the_result_is_tapped_and_the_note_added_later(
    crm: Crm, world
) -> None:
    done = await contacts.register_contact(
        crm, world["LUIS"], world["luis_fu"], channel="llamada", result="contestó"
    )
    assert done.card.events[-1].text == "llamada · contestó"
    with pytest.raises(NotAuthorized):  # only whoever made it adds its note
        await contacts.add_note(crm, world["MARIA"], done.attempt_id, "no")
    card = await contacts.add_note(crm, world["LUIS"], done.attempt_id, "Paga el 5")
    assert card.events[-1].text == "llamada · contestó — Paga el 5"
    with pytest.raises(contacts.NoteAlreadyAdded):
        await contacts.add_note(crm, world["LUIS"], done.attempt_id, "otra")
    assert (await contacts.recorded(crm, world["LUIS"], done.attempt_id)).outcome == "registered"


async def test_the_race_loser_is_blocked_and_reported_even_a_supervisor(
    crm: Crm, world, clock: FakeClock
) -> None:
    """Both saw "✅ Puedes contactar"; María's result lands first. Ana, a supervisor, is not
    asked for a reason nobody waits for: she gets the guard's answer and her attempt is
    reported."""
    assert (await contacts.guard(crm, world["ANA"], world["luis_fu"])).verdict.allowed
    await contacts.register_contact(
        crm, world["MARIA"], world["maria_fu"], channel="llamada", result="contestó"
    )
    with pytest.raises(contacts.ContactBlocked) as lost:
        await contacts.register_contact(
            crm, world["ANA"], world["luis_fu"], channel="llamada", result="no contestó"
        )
    assert lost.value.verdict.rule == Rule.TODAY and lost.value.may_override
    assert lost.value.verdict.params["who"] == "María Ruiz"
    assert await attempts(crm) == [("registered", None, None), ("blocked", "today", None)]


async def test_two_results_tapped_at_once_give_one_contact_and_one_blocked_attempt(
    crm: Crm, world
) -> None:
    async def tap(who: str, fid: int) -> str:
        try:
            await contacts.register_contact(
                crm, world[who], world[fid], channel="llamada", result="contestó"
            )
        except contacts.ContactBlocked:
            return "blocked"
        return "registered"

    outcomes = await asyncio.gather(tap("LUIS", "luis_fu"), tap("ANA", "maria_fu"))
    assert sorted(outcomes) == ["blocked", "registered"]
    assert sorted(a[0] for a in await attempts(crm)) == ["blocked", "registered"]
