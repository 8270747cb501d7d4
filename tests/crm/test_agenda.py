"""Agenda rules: periods, type/state/agent filters, scoping, sections and paging (both DBs);
argument parsing; the /nuevo tercero search and typed due dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from crm.followups import agenda
from crm.followups import lifecycle as followups
from crm.followups import new as newfollowup
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized
from crm.kernel.views import CatalogItem
from tests.conftest import BOGOTA, seed_team
from tests.support.data import make_tercero, state_id, type_id

TYPES = [
    CatalogItem(1, "Cobro de cartera", "24", True, 24),
    CatalogItem(2, "Seguimiento a pedido", "48", True, 48),
    CatalogItem(3, "Visita T.A.T.", "72", True, 72),
]
STATES = [CatalogItem(1, "Pendiente", "open"), CatalogItem(2, "En gestión", "open")]


# --- parsing ---------------------------------------------------------------------------------


def test_parse_periods() -> None:
    assert agenda.parse_agenda_args("", TYPES, STATES).period == "all"
    assert agenda.parse_agenda_args("hoy", TYPES, STATES).period == "today"
    assert agenda.parse_agenda_args("VENCIDOS", TYPES, STATES).period == "overdue"
    one = agenda.parse_agenda_args("2026-12-01", TYPES, STATES)
    assert (one.period, one.start, one.end) == ("day", date(2026, 12, 1), date(2026, 12, 1))
    two = agenda.parse_agenda_args("2026-12-01 2026-12-15", TYPES, STATES)
    assert (two.period, two.start, two.end) == ("range", date(2026, 12, 1), date(2026, 12, 15))
    # The shared grammar: words the buttons and /informe offer work here too.
    today = date(2026, 11, 27)  # a Friday
    tomorrow = agenda.parse_agenda_args("mañana", TYPES, STATES, today)
    assert (tomorrow.period, tomorrow.start) == ("day", date(2026, 11, 28))
    week = agenda.parse_agenda_args("semana", TYPES, STATES, today)
    assert (week.period, week.start, week.end) == ("range", date(2026, 11, 23), today)
    last = agenda.parse_agenda_args("7 días", TYPES, STATES, today)
    assert (last.start, last.end) == (date(2026, 11, 21), today)
    assert agenda.parse_agenda_args("7d", TYPES, STATES, today).start == date(2026, 11, 21)
    alone = agenda.parse_agenda_args("5/12", TYPES, STATES, today)
    assert (alone.period, alone.start) == ("day", date(2026, 12, 5))
    assert agenda.parse_agenda_args("estado:activo", TYPES, STATES).state_id is None


def test_parse_filters_ignore_case_and_accents() -> None:
    flt = agenda.parse_agenda_args(
        'hoy tipo:"COBRO DE CARTERA" estado:en_gestion agente:luis', TYPES, STATES
    )
    assert (flt.period, flt.type_id, flt.state_id, flt.agent_code) == ("today", 1, 2, "LUIS")
    assert agenda.parse_agenda_args("tipo:visita", TYPES, STATES).type_id == 3
    assert agenda.parse_agenda_args("tipo:cartera", TYPES, STATES).type_id == 1  # a part


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("tipo:llamadas", "error.agenda_unknown_type"),
        ("estado:perdido", "error.agenda_unknown_state"),
        ("pronto", "error.agenda_bad_arg"),
        ("2026-13-01", "error.input_bad_date"),
        ("9999-12-31", "error.input_year_range"),
        ("0001-01-01", "error.input_year_range"),
        ("estado:cerrado", "error.agenda_only_active"),
        ("2026-12-15 2026-12-01", "error.input_range_reversed"),
        ("2026-01-01 2026-01-02 2026-01-03", "error.agenda_bad_range"),
        ("2026-01-01 2028-01-01", "error.agenda_bad_range"),
    ],
)
def test_parse_refuses_with_clear_key(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as err:
        agenda.parse_agenda_args(text, TYPES, STATES)
    assert err.value.key == key


def test_unknown_type_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInput) as err:
        agenda.parse_agenda_args("tipo:llamadas", TYPES, STATES)
    assert "Cobro de cartera" in err.value.params["valid"]
    assert "Visita T.A.T." in err.value.params["valid"]


# --- the use case on both databases ----------------------------------------------------------


@pytest.fixture
async def book(crm: Crm, clock: FakeClock) -> dict[str, object]:
    """Friday 27/11/2026 14:00 Bogotá. LUIS: overdue, today, tomorrow, next week; MARIA one
    today; PEDRO one today; LUIS one closed."""
    users = await seed_team(crm)
    actors: dict[str, Actor] = {}
    for code, tg in (("LUIS", 3), ("MARIA", 4), ("ANA", 2), ("ADMIN", 1), ("PEDRO", 5)):
        actor = await resolve_actor(crm, tg)
        assert actor is not None
        actors[code] = actor
    ter = await make_tercero(crm, encargado_id=users["LUIS"])
    other = await make_tercero(crm, nit="800555111-2", name="Droguería Álamo", encargado_id=None)
    cobro, pedido = await type_id(crm), await type_id(crm, "Seguimiento a pedido")
    at = lambda d, h: datetime(2026, 11, d, h, 0, tzinfo=BOGOTA)  # noqa: E731

    async def new(who: str, due: datetime, tid: int = cobro, tercero: int = ter) -> int:
        # Made by the admin for its owner: PEDRO's and MARIA's terceros are not in their books.
        view = await followups.create_followup(
            crm,
            actors["ADMIN"],
            tercero_id=tercero,
            type_id=tid,
            due_at=due,
            owner_id=actors[who].id,
        )
        return view.id

    ids = {
        "overdue": await new("LUIS", at(26, 9)),
        "today_early": await new("LUIS", at(27, 8)),  # today, already past: overdue section
        "today": await new("LUIS", at(27, 18), pedido),
        "tomorrow": await new("LUIS", at(28, 9)),
        "next_week": await new("LUIS", datetime(2026, 12, 3, 10, 0, tzinfo=BOGOTA)),
        "maria": await new("MARIA", at(27, 16), tercero=other),
        "pedro": await new("PEDRO", at(27, 17)),
    }
    closed = await new("LUIS", at(27, 15))
    await followups.close(crm, actors["LUIS"], closed, await state_id(crm, "Pagado"))
    return {"ids": ids, "closed": closed, "users": users, "cobro": cobro, **actors}


def _ids(result: agenda.Agenda) -> list[int]:
    return [i.id for i in result.items]


async def test_agent_sees_only_own_active_in_sections(crm: Crm, book) -> None:
    ids = book["ids"]
    result = await agenda.agenda_for(crm, book["LUIS"], agenda.AgendaFilter())
    assert _ids(result) == [
        ids["overdue"],
        ids["today_early"],
        ids["today"],
        ids["tomorrow"],
        ids["next_week"],
    ]
    assert [i.section for i in result.items] == [
        "overdue",
        "overdue",
        "today",
        "upcoming",
        "upcoming",
    ]
    assert dict(result.counts) == {"overdue": 2, "today": 1, "upcoming": 2}
    assert book["closed"] not in _ids(result) and not result.team_view


async def test_periods(crm: Crm, book) -> None:
    ids, luis = book["ids"], book["LUIS"]
    today = await agenda.agenda_for(crm, luis, agenda.AgendaFilter(period="today"))
    assert _ids(today) == [ids["today_early"], ids["today"]]
    overdue = await agenda.agenda_for(crm, luis, agenda.AgendaFilter(period="overdue"))
    assert _ids(overdue) == [ids["overdue"], ids["today_early"]]
    day = date(2026, 11, 28)
    one = await agenda.agenda_for(crm, luis, agenda.AgendaFilter("day", day, day))
    assert _ids(one) == [ids["tomorrow"]]
    span = agenda.AgendaFilter("range", date(2026, 11, 26), date(2026, 11, 28))
    assert _ids(await agenda.agenda_for(crm, luis, span)) == [
        ids["overdue"],
        ids["today_early"],
        ids["today"],
        ids["tomorrow"],
    ]


async def test_day_boundaries_are_local_midnight(crm: Crm, book, clock: FakeClock) -> None:
    # 23:30 local on the 27th is already the 28th in UTC: it must still count as "today".
    late = datetime(2026, 11, 27, 23, 30, tzinfo=BOGOTA)
    luis = book["LUIS"]
    view = await followups.create_followup(
        crm, luis, tercero_id=(await _tercero(crm, luis)), type_id=book["cobro"], due_at=late
    )
    today = await agenda.agenda_for(crm, luis, agenda.AgendaFilter(period="today"))
    assert view.id in _ids(today)
    assert next(i for i in today.items if i.id == view.id).section == "today"


async def _tercero(crm: Crm, encargado: Actor) -> int:
    return await make_tercero(
        crm, nit="700700700-1", name="Tienda La Esquina", encargado_id=encargado.id
    )


async def test_type_and_state_filters(crm: Crm, book) -> None:
    ids, luis = book["ids"], book["LUIS"]
    pedido = await type_id(crm, "Seguimiento a pedido")
    only = await agenda.agenda_for(crm, luis, agenda.AgendaFilter(type_id=pedido))
    assert _ids(only) == [ids["today"]] and only.type_name == "Seguimiento a pedido"
    gestion = await state_id(crm, "En gestión")
    none = await agenda.agenda_for(crm, luis, agenda.AgendaFilter(state_id=gestion))
    assert none.total == 0 and none.state_name == "En gestión"


async def test_supervisor_sees_team_admin_sees_all(crm: Crm, book) -> None:
    ids = book["ids"]
    team = await agenda.agenda_for(crm, book["ANA"], agenda.AgendaFilter(period="today"))
    assert set(_ids(team)) == {ids["today_early"], ids["today"], ids["maria"]}
    assert team.team_view
    everyone = await agenda.agenda_for(crm, book["ADMIN"], agenda.AgendaFilter(period="today"))
    assert ids["pedro"] in _ids(everyone) and len(_ids(everyone)) == 4


async def test_agent_filter_scoping(crm: Crm, book) -> None:
    ids = book["ids"]
    maria = await agenda.agenda_for(
        crm, book["ANA"], agenda.AgendaFilter(period="today", agent_code="MARIA")
    )
    assert _ids(maria) == [ids["maria"]] and maria.agent and maria.agent.code == "MARIA"
    assert maria.filter.agent_id == book["users"]["MARIA"]  # buttons carry the id
    with pytest.raises(NotAuthorized):  # PEDRO is not in ANA's team
        await agenda.agenda_for(crm, book["ANA"], agenda.AgendaFilter(agent_code="PEDRO"))
    with pytest.raises(NotAuthorized):  # agents may not narrow by agent at all
        await agenda.agenda_for(crm, book["LUIS"], agenda.AgendaFilter(agent_code="LUIS"))
    with pytest.raises(NotAuthorized):  # nor with a crafted id
        await agenda.agenda_for(
            crm, book["ANA"], agenda.AgendaFilter(agent_id=book["users"]["PEDRO"])
        )
    with pytest.raises(InvalidInput):
        await agenda.agenda_for(crm, book["ADMIN"], agenda.AgendaFilter(agent_code="NOBODY"))
    pedro = await agenda.agenda_for(crm, book["ADMIN"], agenda.AgendaFilter(agent_code="PEDRO"))
    assert _ids(pedro) == [ids["pedro"]]


async def test_paging_is_done_in_sql(crm: Crm, book, clock: FakeClock) -> None:
    luis = book["LUIS"]
    ter = await _tercero(crm, luis)
    for n in range(20):
        await followups.create_followup(
            crm,
            luis,
            tercero_id=ter,
            type_id=book["cobro"],
            due_at=clock.now() + timedelta(days=3, minutes=n),
        )
    first = await agenda.agenda_for(crm, luis, agenda.AgendaFilter(), page=0)
    assert first.total == 25 and first.pages == 4 and len(first.items) == agenda.PAGE_SIZE
    last = await agenda.agenda_for(crm, luis, agenda.AgendaFilter(), page=99)
    assert last.page == 3 and len(last.items) == 25 - 3 * agenda.PAGE_SIZE
    seen = []
    for page in range(4):
        seen += _ids(await agenda.agenda_for(crm, luis, agenda.AgendaFilter(), page=page))
    assert len(seen) == len(set(seen)) == 25


async def test_agenda_from_text(crm: Crm, book) -> None:
    result = await agenda.agenda_from_text(crm, book["LUIS"], "vencidos tipo:cobro")
    assert _ids(result) == [book["ids"]["overdue"], book["ids"]["today_early"]]


# --- /nuevo support --------------------------------------------------------------------------


async def test_find_terceros_scoped_to_the_book(crm: Crm, book) -> None:
    luis, pedro, ana, admin = book["LUIS"], book["PEDRO"], book["ANA"], book["ADMIN"]
    names = lambda r: [t.name for t in r.results]  # noqa: E731
    # LUIS is encargado of Núñez; "nunez" (no accent, lower case) finds it.
    assert names(await newfollowup.find_terceros_for_new(crm, luis, "NUNEZ")) == [
        "Ferretería Núñez & Cía"
    ]
    assert names(await newfollowup.find_terceros_for_new(crm, luis, "900123456")) == [
        "Ferretería Núñez & Cía"
    ]
    # Álamo belongs to MARIA's follow-up: not in LUIS's book, in ANA's (team) and admin's.
    assert names(await newfollowup.find_terceros_for_new(crm, luis, "alamo")) == []
    assert names(await newfollowup.find_terceros_for_new(crm, ana, "alamo")) == ["Droguería Álamo"]
    assert names(await newfollowup.find_terceros_for_new(crm, admin, "800555111-2")) == [
        "Droguería Álamo"
    ]
    # PEDRO owns a follow-up on Núñez: that puts it in his book.
    assert names(await newfollowup.find_terceros_for_new(crm, pedro, "ferre")) == [
        "Ferretería Núñez & Cía"
    ]
    with pytest.raises(InvalidInput):
        await newfollowup.find_terceros_for_new(crm, luis, "a")
    alamo = (await newfollowup.find_terceros_for_new(crm, ana, "alamo")).results[0].id
    with pytest.raises(NotAuthorized):
        await newfollowup.tercero_for_new(crm, luis, alamo)


async def test_search_treats_like_wildcards_literally(crm: Crm, book) -> None:
    result = await newfollowup.find_terceros_for_new(crm, book["ADMIN"], "%%")
    assert result.results == ()


NOW = datetime(2026, 11, 27, 14, 0, tzinfo=BOGOTA)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-28 09:30", datetime(2026, 11, 28, 9, 30, tzinfo=BOGOTA)),
        ("28/11 07:05", datetime(2026, 11, 28, 7, 5, tzinfo=BOGOTA)),
        ("03/01 08:00", datetime(2027, 1, 3, 8, 0, tzinfo=BOGOTA)),  # January typed in Nov
        ("1/12/2026 8:00", datetime(2026, 12, 1, 8, 0, tzinfo=BOGOTA)),
        # What the /nuevo buttons say can be typed too (issue 11, item 4).
        ("mañana 8:00", datetime(2026, 11, 28, 8, 0, tzinfo=BOGOTA)),
        ("manana", datetime(2026, 11, 28, 8, 0, tzinfo=BOGOTA)),
        ("en 5 h", datetime(2026, 11, 27, 19, 0, tzinfo=BOGOTA)),
        ("5h", datetime(2026, 11, 27, 19, 0, tzinfo=BOGOTA)),
        ("en 72 horas", datetime(2026, 11, 30, 14, 0, tzinfo=BOGOTA)),
        ("17:30", datetime(2026, 11, 27, 17, 30, tzinfo=BOGOTA)),
        ("09:00", datetime(2026, 11, 28, 9, 0, tzinfo=BOGOTA)),  # already past: tomorrow
        ("hoy 16:00", datetime(2026, 11, 27, 16, 0, tzinfo=BOGOTA)),
        ("2026-12-05", datetime(2026, 12, 5, 8, 0, tzinfo=BOGOTA)),  # a day alone: 8:00
    ],
)
def test_parse_due(text: str, expected: datetime) -> None:
    assert newfollowup.parse_due(text, NOW, BOGOTA) == expected


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("pronto", "error.new_bad_due"),
        ("2026-02-30 10:00", "error.new_bad_due"),
        ("9999-12-31 23:00", "error.input_year_range"),
        ("en 0 h", "error.bad_hours"),
        ("2026-11-27 13:59", "error.due_in_past"),
        ("27/11 10:00", "error.due_in_past"),
        ("25:00", "error.new_bad_due"),
    ],
)
def test_parse_due_refuses(text: str, key: str) -> None:
    with pytest.raises(InvalidInput) as err:
        newfollowup.parse_due(text, NOW, BOGOTA)
    assert err.value.key == key


def test_tomorrow_morning_is_local_eight() -> None:
    late = datetime(2026, 11, 27, 23, 50, tzinfo=BOGOTA)
    assert newfollowup.tomorrow_morning(late, BOGOTA) == datetime(
        2026, 11, 28, 8, 0, tzinfo=BOGOTA
    )
