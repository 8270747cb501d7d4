"""Tercero lookup: normalised search, scoping by role, the card, documents and follow-ups."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm import terceros
from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import InvalidInput, NotAuthorized, NotFound
from tests.conftest import seed_team
from tests.support.data import make_document, make_tercero, type_id


async def _actors(crm: Crm) -> dict[str, Actor]:
    found = {}
    for code, tg in (("ADMIN", 1), ("ANA", 2), ("LUIS", 3), ("MARIA", 4), ("PEDRO", 5)):
        actor = await resolve_actor(crm, tg)
        assert actor is not None
        found[code] = actor
    return found


@pytest.fixture
async def world(crm: Crm) -> dict[str, object]:
    users = await seed_team(crm)
    actors = await _actors(crm)
    ids = {
        "nunez": await make_tercero(
            crm, "900123456-8", "Ferretería Núñez & Cía", encargado_id=users["LUIS"]
        ),
        "exito": await make_tercero(
            crm, "0012345-1", "Distribuidora El Éxito S.A.S", encargado_id=users["MARIA"]
        ),
        "hermanos": await make_tercero(
            crm, "12345-9", "NUÑEZ HERMANOS LTDA", encargado_id=users["PEDRO"]
        ),
        "andina": await make_tercero(crm, "800555111-2", "Comercial Andina", encargado_id=None),
        "huerfano": await make_tercero(crm, "700111222-3", "Sin Encargado SAS", encargado_id=None),
    }
    # Luis is not Andina's encargado but owns a follow-up on it: it is in his book.
    await followups.create_followup(
        crm,
        actors["ADMIN"],
        tercero_id=ids["andina"],
        type_id=await type_id(crm),
        owner_id=users["LUIS"],
    )
    return {"users": users, "ids": ids, **actors}


def _names(result: terceros.SearchResult) -> set[str]:
    return {hit.name for hit in result.items}


@pytest.mark.parametrize(
    "text", ["nunez", "NUÑEZ", "Núñez", "  nuñez  ", "ferreteria cia", "FERRETERÍA", "& CÍA"]
)
async def test_name_search_ignores_case_and_accents(crm: Crm, world, text: str) -> None:
    result = await terceros.search(crm, world["LUIS"], text)
    assert _names(result) == {"Ferretería Núñez & Cía"}


async def test_admin_finds_every_match_of_a_name_fragment(crm: Crm, world) -> None:
    result = await terceros.search(crm, world["ADMIN"], "nunez")
    assert _names(result) == {"Ferretería Núñez & Cía", "NUÑEZ HERMANOS LTDA"}
    assert result.total == 2 and result.pages == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("900123456", "Ferretería Núñez & Cía"),
        ("900123456-8", "Ferretería Núñez & Cía"),
        ("900.123.456-8", "Ferretería Núñez & Cía"),
        ("9001234568", "Ferretería Núñez & Cía"),  # typed with its DV but no dash
        ("0012345", "Distribuidora El Éxito S.A.S"),
        ("0012345-1", "Distribuidora El Éxito S.A.S"),
        ("12345", "NUÑEZ HERMANOS LTDA"),  # leading zeros matter: not 0012345
        ("12345-9", "NUÑEZ HERMANOS LTDA"),
    ],
)
async def test_nit_search_with_or_without_dv_keeps_leading_zeros(
    crm: Crm, world, text: str, expected: str
) -> None:
    result = await terceros.search(crm, world["ADMIN"], text)
    assert _names(result) == {expected}


def test_check_digit_is_the_dian_one() -> None:
    assert terceros.check_digit("900123456") == 8
    assert terceros.check_digit("800197268") == 4  # DIAN's own NIT is 800.197.268-4


async def test_nit_prefix_finds_when_no_exact_nit(crm: Crm, world) -> None:
    result = await terceros.search(crm, world["ADMIN"], "80055")
    assert _names(result) == {"Comercial Andina"}


async def test_wildcards_are_literal(crm: Crm, world) -> None:
    assert (await terceros.search(crm, world["ADMIN"], "%%")).total == 0
    assert (await terceros.search(crm, world["ADMIN"], "__")).total == 0


@pytest.mark.parametrize("text", ["", " ", "a", "x" * 101])
async def test_too_short_or_long_search_is_refused(crm: Crm, world, text: str) -> None:
    with pytest.raises(InvalidInput):
        await terceros.search(crm, world["ADMIN"], text)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("LUIS", {"nunez", "andina"}),
        ("MARIA", {"exito"}),
        ("PEDRO", {"hermanos"}),
        ("ANA", {"nunez", "exito", "andina"}),
        ("ADMIN", {"nunez", "exito", "hermanos", "andina", "huerfano"}),
    ],
)
async def test_search_is_scoped_by_role(crm: Crm, world, who: str, expected: set[str]) -> None:
    ids = world["ids"]
    # "a" alone is too short: search the letters every name above shares in pairs.
    found: set[int] = set()
    for fragment in ("ferreteria", "distribuidora", "hermanos", "andina", "encargado"):
        found |= {h.id for h in (await terceros.search(crm, world[who], fragment)).items}
    assert found == {ids[k] for k in expected}


async def test_results_are_paged(crm: Crm, world) -> None:
    for n in range(20):
        await make_tercero(crm, f"91000{n:04d}-1", f"Cliente Paginado {n:02d}")
    first = await terceros.search(crm, world["ADMIN"], "paginado")
    last = await terceros.search(crm, world["ADMIN"], "paginado", page=2)
    assert (first.total, first.pages, len(first.items)) == (20, 3, 8)
    assert len(last.items) == 4 and last.items[-1].name == "Cliente Paginado 19"
    beyond = await terceros.search(crm, world["ADMIN"], "paginado", page=9)
    assert beyond.page == 2


async def test_card_shows_contact_counts_and_cartera(crm: Crm, world, clock: FakeClock) -> None:
    tid = world["ids"]["nunez"]
    today = clock.now().astimezone(crm.tz).date()
    await make_document(crm, tid, "1", due=today + timedelta(days=3), balance="1000000.10")
    await make_document(crm, tid, "2", due=today - timedelta(days=1), balance="250000.25")
    await make_document(crm, tid, "3", due=today - timedelta(days=40), balance="0")
    overdue = await followups.create_followup(
        crm, world["LUIS"], tercero_id=tid, type_id=await type_id(crm)
    )
    await followups.create_followup(crm, world["LUIS"], tercero_id=tid, type_id=await type_id(crm))
    clock.advance(hours=25)
    await followups.create_followup(crm, world["LUIS"], tercero_id=tid, type_id=await type_id(crm))
    card = await terceros.get_card(crm, world["LUIS"], tid)
    assert card.name == "Ferretería Núñez & Cía" and card.nit == "900123456-8"
    assert card.phones == ("3001234567", "6014567890")
    assert card.encargado_name == "Luis Gómez"
    assert (card.open_followups, card.overdue_followups) == (3, 2)
    assert card.cartera_total == Decimal("1250000.35")
    assert card.cartera_overdue == Decimal("250000.25")
    assert overdue.id  # the first two are past their 24 h


async def test_card_refuses_outside_the_book(crm: Crm, world) -> None:
    with pytest.raises(NotAuthorized):
        await terceros.get_card(crm, world["PEDRO"], world["ids"]["nunez"])
    with pytest.raises(NotAuthorized):
        await terceros.get_card(crm, world["MARIA"], world["ids"]["andina"])
    with pytest.raises(NotFound):
        await terceros.get_card(crm, world["ADMIN"], 999_999)
    card = await terceros.get_card(crm, world["ANA"], world["ids"]["exito"])
    assert card.encargado_name == "María Ruiz"


async def test_documents_newest_first_with_type_and_period(crm: Crm, world) -> None:
    tid = world["ids"]["nunez"]
    for n in range(12):
        await make_document(crm, tid, f"F{n}", on=date(2026, 1, 1) + timedelta(days=10 * n))
    await make_document(crm, tid, "R1", doc_type="RC", on=date(2026, 3, 5), balance="0")
    page = await terceros.documents(crm, world["LUIS"], tid)
    assert page.types == ("FV", "RC") and page.total == 13 and page.pages == 2
    assert [d.number for d in page.items[:2]] == ["F11", "F10"]
    receipts = await terceros.documents(crm, world["LUIS"], tid, doc_type="RC")
    assert [d.label for d in receipts.items] == ["RC-R1"]
    march = await terceros.documents(
        crm, world["LUIS"], tid, since=date(2026, 3, 1), until=date(2026, 3, 31)
    )
    assert [d.number for d in march.items] == ["F8", "F7", "R1", "F6"]
    with pytest.raises(InvalidInput):
        await terceros.documents(
            crm, world["LUIS"], tid, since=date(2026, 4, 1), until=date(2026, 3, 1)
        )
    with pytest.raises(NotAuthorized):
        await terceros.documents(crm, world["PEDRO"], tid)


async def test_followups_of_a_tercero_are_those_the_actor_sees(crm: Crm, world) -> None:
    tid = world["ids"]["andina"]
    tid_type = await type_id(crm)
    await followups.create_followup(
        crm, world["ADMIN"], tercero_id=tid, type_id=tid_type, owner_id=world["users"]["PEDRO"]
    )
    luis = await terceros.tercero_followups(crm, world["LUIS"], tid)
    admin = await terceros.tercero_followups(crm, world["ADMIN"], tid)
    assert {f.owner_code for f in luis.items} == {"LUIS"}
    assert {f.owner_code for f in admin.items} == {"LUIS", "PEDRO"} and admin.total == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/12/2026", date(2026, 12, 5)),
        ("5-1-2027", date(2027, 1, 5)),
        ("05.12.26", date(2026, 12, 5)),
        ("05/12", date(2026, 12, 5)),
        ("hoy", date(2026, 11, 27)),
        ("Mañana", date(2026, 11, 28)),
        ("ayer", date(2026, 11, 26)),
    ],
)
def test_parse_day(text: str, expected: date) -> None:
    assert terceros.parse_day(text, date(2026, 11, 27)) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "2026-12-05x", "pronto", "", "13/13/2026"])
def test_parse_day_refuses(text: str) -> None:
    with pytest.raises(InvalidInput):
        terceros.parse_day(text, date(2026, 11, 27))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2026-12-05", date(2026, 12, 5)), ("05/12/2026", date(2026, 12, 5)), ("5/12", None)],
)
def test_typed_dates_accept_iso_and_day_first(text: str, expected: date | None) -> None:
    from crm.terceros import parse_day

    today = date(2026, 11, 28)
    assert parse_day(text, today) == (expected or date(2026, 12, 5))


@pytest.mark.parametrize("text", ["31/02/2026", "2026-13-01", "٣/12/2026", "mañanita"])
def test_impossible_or_foreign_dates_are_refused(text: str) -> None:
    from crm.kernel.errors import InvalidInput
    from crm.terceros import parse_day

    with pytest.raises(InvalidInput):
        parse_day(text, date(2026, 11, 28))
