"""Scheduled reports: parsing, next run in local time, exactly-once delivery across
instances, survival across restarts, and retirement of deactivated users."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized, NotFound
from crm.people.users import deactivate_user
from crm.reports import (
    Delivery,
    cancel_subscription,
    due_subscriptions,
    list_subscriptions,
    next_occurrence,
    subscribe,
    subscription_request,
)
from storage.db import make_engine, make_session_factory
from storage.models import Subscription
from tests.conftest import BOGOTA
from tests.support.reports import Book, make_book


@pytest.fixture
async def book(crm: Crm, clock: FakeClock) -> Book:
    return await make_book(crm, clock)


class Inbox:
    """A ``deliver`` callback that keeps what it got (and checks the file is real)."""

    def __init__(self, pause: float = 0) -> None:
        self.got: list[Delivery] = []
        self.pause = pause

    async def __call__(self, delivery: Delivery) -> None:
        if self.pause:
            await asyncio.sleep(self.pause)  # a slow upload, so the tickers overlap
        if delivery.report is not None:
            wb = load_workbook(delivery.report.path)
            assert wb.worksheets[1].title in ("Resumen", "Summary")
        self.got.append(delivery)


async def test_subscribe_computes_next_run_in_local_time(crm: Crm, book: Book) -> None:
    # Friday 2026-11-27 14:00 in Bogotá.
    daily = await subscribe(crm, book.actors["ANA"], "seguimientos diario 07:00 agente:LUIS")
    assert daily.next_run_at == datetime(2026, 11, 28, 7, 0, tzinfo=BOGOTA)
    assert daily.filters == "agente:LUIS" and daily.frequency == "daily"
    later_today = await subscribe(crm, book.actors["ANA"], "agenda diario 18:30")
    assert later_today.next_run_at == datetime(2026, 11, 27, 18, 30, tzinfo=BOGOTA)
    weekly = await subscribe(crm, book.actors["ANA"], ["desempeno", "semanal", "8:15"])
    assert weekly.next_run_at == datetime(2026, 11, 30, 8, 15, tzinfo=BOGOTA)  # Monday
    listed = await list_subscriptions(crm, book.actors["ANA"])
    assert [s.id for s in listed] == [later_today.id, daily.id, weekly.id]
    assert await list_subscriptions(crm, book.actors["LUIS"]) == []


def test_next_occurrence_weekly_on_monday_itself(crm_free_tz: Crm) -> None:
    monday_early = datetime(2026, 11, 30, 6, 0, tzinfo=BOGOTA)
    assert next_occurrence("weekly", time(7), monday_early, crm_free_tz) == datetime(
        2026, 11, 30, 7, 0, tzinfo=BOGOTA
    )
    monday_late = datetime(2026, 11, 30, 7, 0, tzinfo=BOGOTA)
    assert next_occurrence("weekly", time(7), monday_late, crm_free_tz) == datetime(
        2026, 12, 7, 7, 0, tzinfo=BOGOTA
    )


@pytest.fixture
def crm_free_tz() -> Crm:
    return Crm(sessions=None, tz=BOGOTA)  # type: ignore[arg-type]


BAD_SUBSCRIPTIONS = [
    ("seguimientos", "error.subscribe_usage"),
    ("ventas diario 07:00", "error.report_bad_kind"),
    ("seguimientos mensual 07:00", "error.subscribe_bad_frequency"),
    ("seguimientos diario 25:00", "error.subscribe_bad_time"),
    ("seguimientos diario siete", "error.subscribe_bad_time"),
    ("seguimientos diario 07:00 color:rojo", "error.report_bad_filter"),
    ("seguimientos diario 07:00 tipo:ventas", "error.report_unknown_type"),
    ("cartera diario 07:00 estado:Pagado", "error.report_filter_not_for"),
]


async def test_bad_subscriptions_are_refused(crm: Crm, book: Book) -> None:
    for args, key in BAD_SUBSCRIPTIONS:
        with pytest.raises(InvalidInput) as caught:
            await subscribe(crm, book.actors["ANA"], args)
        assert caught.value.key == key, args
    assert await list_subscriptions(crm, book.actors["ANA"]) == []


async def test_subscription_filters_respect_scope(crm: Crm, book: Book) -> None:
    with pytest.raises(NotAuthorized):
        await subscribe(crm, book.actors["LUIS"], "seguimientos diario 07:00 agente:MARIA")
    assert await list_subscriptions(crm, book.actors["LUIS"]) == []


def test_delivery_periods() -> None:
    friday = date(2026, 11, 27)
    morning = subscription_request("seguimientos", "daily", "07:00", [], friday)
    assert (morning.start, morning.end) == (date(2026, 11, 26), date(2026, 11, 26))
    evening = subscription_request("actividades", "daily", "18:00", [], friday)
    assert (evening.start, evening.end) == (friday, friday)
    monday = date(2026, 11, 30)
    weekly = subscription_request("desempeno", "weekly", "07:00", [("agente", "LUIS")], monday)
    assert (weekly.start, weekly.end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert weekly.filter("agente") == "LUIS"
    agenda = subscription_request("agenda", "weekly", "07:00", [], monday)
    assert (agenda.start, agenda.end) == (monday, monday)


async def test_two_instances_deliver_once(crm: Crm, book: Book, clock: FakeClock) -> None:
    sub = await subscribe(crm, book.actors["ANA"], "seguimientos diario 07:00")
    clock.set(datetime(2026, 11, 28, 7, 0, 30, tzinfo=BOGOTA))
    # A second instance: its own engine and pool on the same database.
    url = crm.sessions.kw["bind"].url.render_as_string(hide_password=False)
    other_engine = make_engine(url)
    other = Crm(sessions=make_session_factory(other_engine), tz=crm.tz, clock=clock)
    inbox = Inbox(pause=0.05)
    try:
        results = await asyncio.gather(
            due_subscriptions(crm, "instance-a", inbox),
            due_subscriptions(other, "instance-b", inbox),
            due_subscriptions(crm, "instance-c", inbox),
        )
    finally:
        await other_engine.dispose()
    assert sorted(results) == [0, 0, 1]
    assert len(inbox.got) == 1
    delivery = inbox.got[0]
    assert delivery.telegram_id == 2 and delivery.lang == "es" and delivery.kind == "seguimientos"
    assert delivery.report is not None
    assert delivery.report.filename == "informe-seguimientos-2026-11-27-2026-11-27.xlsx"
    assert not delivery.report.path.exists()  # discarded after delivery
    async with crm.sessions() as session:
        row = await session.get(Subscription, sub.id)
    assert row is not None
    assert row.next_run_at == datetime(2026, 11, 29, 7, 0, tzinfo=BOGOTA)
    assert row.claimed_by is None and row.claimed_until is None
    # Ticking again the same morning sends nothing more.
    assert await due_subscriptions(crm, "instance-a", inbox) == 0


async def test_deliveries_survive_a_restart_and_missed_days_send_once(
    crm: Crm, book: Book, clock: FakeClock
) -> None:
    await subscribe(crm, book.actors["MARIA"], "agenda diario 07:00")
    clock.advance(days=3)  # the bot was down over the weekend
    url = crm.sessions.kw["bind"].url.render_as_string(hide_password=False)
    engine = make_engine(url)
    restarted = Crm(sessions=make_session_factory(engine), tz=crm.tz, clock=clock)
    inbox = Inbox()
    try:
        assert await due_subscriptions(restarted, "after-restart", inbox) == 1
        assert await due_subscriptions(restarted, "after-restart", inbox) == 0
    finally:
        await engine.dispose()
    assert inbox.got[0].report is not None and inbox.got[0].report.rows == 1


async def test_a_failed_send_is_retried_after_the_lease(
    crm: Crm, book: Book, clock: FakeClock
) -> None:
    await subscribe(crm, book.actors["ANA"], "cartera diario 07:00")
    clock.set(datetime(2026, 11, 28, 7, 1, tzinfo=BOGOTA))

    async def broken(delivery: Delivery) -> None:
        raise ConnectionError("telegram down")

    assert await due_subscriptions(crm, "a", broken) == 0
    inbox = Inbox()
    assert await due_subscriptions(crm, "b", inbox) == 0  # still leased by "a"
    clock.advance(minutes=11)
    assert await due_subscriptions(crm, "b", inbox) == 1


async def test_lost_scope_is_reported_and_inactive_users_retired(
    crm: Crm, book: Book, clock: FakeClock
) -> None:
    await subscribe(crm, book.actors["ANA"], "seguimientos diario 07:00 agente:LUIS")
    await subscribe(crm, book.actors["PEDRO"], "agenda diario 07:00")
    # LUIS moves to another team; PEDRO leaves the company.
    async with crm.sessions.begin() as session:
        from storage.models import User

        luis = await session.get(User, book.users["LUIS"])
        assert luis is not None
        luis.supervisor_id = None
    await deactivate_user(crm, "PEDRO")
    clock.set(datetime(2026, 11, 28, 7, 0, tzinfo=BOGOTA))
    inbox = Inbox()
    assert await due_subscriptions(crm, "a", inbox) == 1
    assert inbox.got[0].report is None and inbox.got[0].error is not None
    assert inbox.got[0].error.key == "error.not_authorized"
    async with crm.sessions() as session:
        active = (
            await session.scalars(select(Subscription.user_id).where(Subscription.active))
        ).all()
    assert active == [book.users["ANA"]]


async def test_cancel_only_own_or_admin(crm: Crm, book: Book, clock: FakeClock) -> None:
    sub = await subscribe(crm, book.actors["ANA"], "actividades semanal 07:00")
    with pytest.raises(NotAuthorized):
        await cancel_subscription(crm, book.actors["LUIS"], sub.id)
    await cancel_subscription(crm, book.actors["ANA"], sub.id)
    assert await list_subscriptions(crm, book.actors["ANA"]) == []
    with pytest.raises(NotFound):
        await cancel_subscription(crm, book.actors["ANA"], sub.id)
    clock.advance(days=8)
    assert await due_subscriptions(crm, "a", Inbox()) == 0
    other = await subscribe(crm, book.actors["ANA"], "agenda diario 07:00")
    await cancel_subscription(crm, book.actors["ADMIN"], other.id)


async def test_subscription_limit(crm: Crm, book: Book) -> None:
    for _ in range(20):
        await subscribe(crm, book.actors["LUIS"], "agenda diario 07:00")
    with pytest.raises(InvalidInput) as caught:
        await subscribe(crm, book.actors["LUIS"], "agenda diario 08:00")
    assert caught.value.key == "error.subscribe_limit"
