"""The field day through the real application: /ruta with a shared location, 📍 Llegar, a
verified visit from the card and its end, /cerca with a Visita T.A.T., forwarded and stale
locations, saving and setting tercero locations, and /informe visitas read back."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select
from telegram import Chat, Location, Message, MessageOriginUser, Update, User

from crm.followups import lifecycle as followups
from crm.followups.agenda import AgendaFilter, agenda_for
from crm.kernel.actor import Actor, resolve_actor
from storage.models import FollowUp, FollowUpType
from tests.conftest import BOGOTA, BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id
from tests.support.telegram import ApiCall

SHOP = (4.6097, -74.0817)
AT_DOOR = (4.6099, -74.0815)  # ~31 m from SHOP
START = (4.6080, -74.0817)  # ~190 m south of SHOP


async def _actor(bot: BotHarness, tg: int) -> Actor:
    actor = await resolve_actor(bot.crm, tg)
    assert actor is not None
    return actor


async def _place(bot: BotHarness, tercero_id: int, lat: float, lon: float) -> None:
    from storage.models import Tercero

    async with bot.crm.sessions.begin() as session:
        tercero = await session.get(Tercero, tercero_id)
        assert tercero is not None
        tercero.latitude, tercero.longitude, tercero.location_source = lat, lon, "erp"
        tercero.location_status = "confirmed"


def _location(
    bot: BotHarness,
    tg: int,
    point: tuple[float, float],
    *,
    sent: datetime | None = None,
    forwarded: bool = False,
    live: bool = True,
    via_bot: bool = False,
    language: str = "es",
) -> Update:
    """A location message; ``live``: shared in real time (Telegram adds ``live_period``)."""
    extra: dict[str, Any] = {}
    if forwarded:
        extra["forward_origin"] = MessageOriginUser(
            date=datetime(2026, 11, 20, tzinfo=UTC),
            sender_user=User(id=4242, first_name="Otro", is_bot=False),
        )
    if via_bot:
        extra["via_bot"] = User(id=4343, first_name="Mapas", is_bot=True, username="mapas_bot")
    message = Message(
        message_id=9000 + tg,
        date=sent or bot.clock.now(),
        chat=Chat(id=tg, type=Chat.PRIVATE),
        from_user=User(id=tg, first_name="Test", is_bot=False, language_code=language),
        location=Location(
            latitude=point[0], longitude=point[1], live_period=900 if live else None
        ),
        **extra,
    )
    update = Update(update_id=next(bot.updates._update_ids), message=message)
    update.set_bot(bot.app.bot)
    message.set_bot(bot.app.bot)
    return update


def _keyboard(call: ApiCall) -> list[list[dict[str, Any]]]:
    markup = call.params.get("reply_markup") or {}
    return markup.get("keyboard") or []


def _asks_location(calls: list[ApiCall]) -> ApiCall:
    prompt = next(c for c in calls if c.method == "sendMessage" and _keyboard(c))
    assert _keyboard(prompt)[0][0].get("request_location") is True
    return prompt


def _card(calls: list[ApiCall]) -> ApiCall:
    return next(c for c in calls if c.method in ("sendMessage", "editMessageText"))


async def _day(bot: BotHarness) -> dict[str, int]:
    luis = await _actor(bot, Team.luis)
    ids = bot.users
    today = datetime(2026, 11, 27, 17, 0, tzinfo=BOGOTA)
    shop = await make_tercero(
        bot.crm, nit="1001", name="Tienda La Esquina", encargado_id=ids["LUIS"]
    )
    far = await make_tercero(
        bot.crm, nit="1002", name="Granero El Lejano", encargado_id=ids["LUIS"]
    )
    nowhere = await make_tercero(
        bot.crm, nit="1003", name="Droguería Sin Mapa", encargado_id=ids["LUIS"]
    )
    await _place(bot, shop, *SHOP)
    await _place(bot, far, 4.6277, -74.0817)
    await make_document(bot.crm, shop, balance="2500000")
    tid = await type_id(bot.crm)
    made = {}
    for key, tercero, due in (
        ("shop", shop, today - timedelta(days=2)),
        ("far", far, today),
        ("nowhere", nowhere, today),
    ):
        f = await followups.create_followup(
            bot.crm, luis, tercero_id=tercero, type_id=tid, due_at=due
        )
        made[key] = f.id
    made.update(t_shop=shop, t_far=far, t_nowhere=nowhere)
    return made


async def test_route_llegar_verified_visit_and_the_visits_report(bot: BotHarness) -> None:
    day = await _day(bot)
    prompt = _asks_location(await bot.text(Team.luis, "/ruta"))
    assert "Ruta del día" in prompt.text

    calls = await bot.send(_location(bot, Team.luis, START))
    answer = next(c for c in calls if c.method == "sendMessage" and "paradas" in c.text)
    text = answer.text
    assert text.index("Tienda La Esquina") < text.index("Granero El Lejano")
    assert "2 paradas" in text and "2 d vencido" in text and "$ 2.500.000" in text
    assert "0,2 km desde tu ubicación" in text and "2,0 km desde la anterior" in text
    assert "Sin ubicación del tercero" in text and "Droguería Sin Mapa" in text
    assert "no se guarda" in text
    assert answer.button("Tienda La Esquina") == f"fu:open:{day['shop']}"
    go = answer.button("Llegar")
    assert go == f"rt:go:{day['t_shop']}"
    # The share-location keyboard is taken away.
    assert any(c.params.get("reply_markup", {}).get("remove_keyboard") for c in calls)

    venue = next(c for c in await bot.press(Team.luis, go) if c.method == "sendVenue")
    assert (float(venue.params["latitude"]), float(venue.params["longitude"])) == SHOP
    assert venue.params["title"] == "Tienda La Esquina"

    card = next(c for c in await bot.press(Team.luis, f"fu:open:{day['shop']}") if c.buttons)
    register = card.button("Registrar visita")
    assert register == f"vi:go:{day['shop']}"
    _asks_location(await bot.press(Team.luis, register))
    calls = await bot.send(_location(bot, Team.luis, AT_DOOR))
    outcome = next(c for c in calls if "Visita verificada" in c.text)
    assert "✅ Visita verificada (a 31 m)" in outcome.text
    end = outcome.button("Terminar visita")

    bot.clock.current += timedelta(minutes=20)
    calls = await bot.press(Team.luis, end)
    assert any("Visita terminada" in c.text and "20 min" in c.text for c in calls)

    # History shows it; the supervisor's team agenda marks LUIS on route.
    history = await bot.press(Team.luis, f"fu:hi:{day['shop']}:0")
    assert any("Visita" in c.text and "verificada (a 31 m) · 20 min" in c.text for c in history)
    ana = await _actor(bot, Team.ana)
    agenda = await agenda_for(bot.crm, ana, AgendaFilter())
    assert agenda.on_route == frozenset({"LUIS"})

    calls = await bot.text(Team.ana, "/informe visitas hoy")
    doc = next(c for c in calls if c.method == "sendDocument")
    book = load_workbook(io.BytesIO(doc.params["_file_bytes"]["document"]))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "Fecha",
        "Responsable",
        "NIT",
        "Tercero",
        "Seguimiento",
        "Verificada",
        "Distancia (m)",
        "Duración (min)",
    )
    assert rows[1][1:] == ("Luis Gómez", "1001", "Tienda La Esquina", day["shop"], "Sí", 31, 20)
    resumen = [
        tuple(v for v in r if v is not None) for r in book["Resumen"].iter_rows(values_only=True)
    ]
    assert ("Visitas", "% verificadas", "Visitas por día", "Duración media (min)") in resumen
    assert ("Luis Gómez", 1, 100, 1, 20) in resumen, resumen


async def test_forwarded_stale_and_far_locations_are_not_verified(bot: BotHarness) -> None:
    day = await _day(bot)
    await bot.press(Team.luis, f"vi:go:{day['shop']}")
    calls = await bot.send(_location(bot, Team.luis, SHOP, forwarded=True))
    assert any("no verificada: la ubicación fue reenviada" in c.text for c in calls)
    await bot.press(Team.luis, f"vi:go:{day['far']}")
    old = bot.clock.now() - timedelta(minutes=40)
    calls = await bot.send(_location(bot, Team.luis, (4.6277, -74.0817), sent=old))
    assert any("se envió hace rato" in c.text for c in calls)
    luis = await _actor(bot, Team.luis)
    card = await followups.create_followup(
        bot.crm, luis, tercero_id=day["t_far"], type_id=await type_id(bot.crm)
    )
    await bot.press(Team.luis, f"vi:go:{card.id}")
    calls = await bot.send(_location(bot, Team.luis, SHOP))
    assert any("⚠️ Visita no verificada (a 2,0 km)" in c.text for c in calls)


async def test_a_pin_at_the_door_or_through_a_bot_is_not_verified(bot: BotHarness) -> None:
    """A static pin at 0 m is "no verificada (ubicación fija)" with the hint to share the live
    location; sharing it live then verifies the same visit. A location sent through an inline
    bot is never verified."""
    day = await _day(bot)
    await bot.press(Team.luis, f"vi:go:{day['shop']}")
    calls = await bot.send(_location(bot, Team.luis, SHOP, live=False))
    outcome = next(c for c in calls if "Visita no verificada" in c.text)
    assert "⚠️ Visita no verificada (ubicación fija)" in outcome.text
    assert "ubicación en tiempo real" in outcome.text
    calls = await bot.press(Team.luis, f"vi:go:{day['shop']}")
    assert "en tiempo real" in _asks_location(calls).text  # not "share again to end it"
    calls = await bot.send(_location(bot, Team.luis, AT_DOOR))
    assert any("✅ Visita verificada (a 31 m)" in c.text for c in calls)
    history = await bot.press(Team.luis, f"fu:hi:{day['shop']}:0")
    assert sum(c.text.count("📍 Visita") for c in history) == 1
    await bot.press(Team.luis, f"vi:go:{day['far']}")
    calls = await bot.send(_location(bot, Team.luis, (4.6277, -74.0817), via_bot=True))
    assert any("a través de otro bot" in c.text for c in calls)
    # In English too.
    await bot.press(Team.luis, f"vi:go:{day['nowhere']}")
    calls = await bot.send(_location(bot, Team.luis, (4.7, -74.05), live=False, language="en"))
    assert any("Unverified visit (static location)" in c.text for c in calls)


async def test_an_agents_location_is_proposed_and_a_supervisor_confirms_it(
    bot: BotHarness,
) -> None:
    day = await _day(bot)
    await bot.press(Team.luis, f"vi:go:{day['nowhere']}")
    home = (4.7000, -74.0500)
    calls = await bot.send(_location(bot, Team.luis, home))
    outcome = next(c for c in calls if "sin ubicación del tercero" in c.text)
    calls = await bot.press(Team.luis, outcome.button("Guardar como ubicación"))
    assert any("Ubicación propuesta para Droguería Sin Mapa" in c.text for c in calls)
    await bot.press(Team.luis, f"vi:end:{day['nowhere']}")
    # The agent's card says it is proposed, and offers no confirmation to him.
    card = _card(await bot.press(Team.luis, f"te:open:{day['t_nowhere']}"))
    assert "propuesta, sin confirmar" in card.text and "vi:ok" not in str(card.buttons)
    assert [c.method for c in await bot.press(Team.luis, f"vi:ok:{day['t_nowhere']}")] == [
        "answerCallbackQuery"
    ]
    # A visit from "home" is not verified against a proposal.
    luis = await _actor(bot, Team.luis)
    again = await followups.create_followup(
        bot.crm, luis, tercero_id=day["t_nowhere"], type_id=await type_id(bot.crm)
    )
    await bot.press(Team.luis, f"vi:go:{again.id}")
    calls = await bot.send(_location(bot, Team.luis, home))
    assert any("Visita no verificada (ubicación propuesta)" in c.text for c in calls)
    await bot.press(Team.luis, f"vi:end:{again.id}")
    # The supervisor confirms it from the tercero card.
    card = _card(await bot.press(Team.ana, f"te:open:{day['t_nowhere']}"))
    assert "propuesta, sin confirmar" in card.text
    calls = await bot.press(Team.ana, card.button("Confirmar ubicación"))
    assert any("Ubicación de Droguería Sin Mapa confirmada" in c.text for c in calls)
    card = _card(await bot.press(Team.ana, f"te:open:{day['t_nowhere']}"))
    assert "propuesta" not in card.text and "vi:ok" not in str(card.buttons)
    await bot.press(Team.luis, f"vi:go:{again.id}")
    calls = await bot.send(_location(bot, Team.luis, home))
    assert any("✅ Visita verificada (a 0 m)" in c.text for c in calls)


async def test_cerca_visita_tat_and_tercero_locations(bot: BotHarness) -> None:
    day = await _day(bot)
    prompt = _asks_location(await bot.text(Team.luis, "/cerca 1"))
    assert "1,0 km" in prompt.text
    calls = await bot.send(_location(bot, Team.luis, START))
    listing = next(c for c in calls if "terceros a menos de" in c.text)
    assert "Tienda La Esquina" in listing.text and "Granero" not in listing.text
    assert "⚠️ vencido" in listing.text and "189 m" in listing.text
    calls = await bot.press(Team.luis, listing.button("Visita T.A.T."))
    assert any("Visita T.A.T." in c.text and "Registrar visita" in str(c.buttons) for c in calls)
    assert "Escribe la distancia" in (await bot.text(Team.luis, "/cerca lejos"))[0].text

    # A visit to a tercero without location: the agent saves it, once.
    await bot.press(Team.luis, f"vi:go:{day['nowhere']}")
    calls = await bot.send(_location(bot, Team.luis, (4.7000, -74.0500)))
    outcome = next(c for c in calls if "sin ubicación del tercero" in c.text)
    calls = await bot.press(Team.luis, outcome.button("Guardar como ubicación"))
    assert any("Ubicación guardada para Droguería Sin Mapa" in c.text for c in calls)
    card = _card(await bot.press(Team.luis, f"te:open:{day['t_nowhere']}"))
    assert "Ubicación: visita de Luis Gómez" in card.text
    assert "Llegar" in str(card.buttons) and "vi:loc" not in str(card.buttons)

    # A supervisor moves it from a shared location.
    card = _card(await bot.press(Team.ana, f"te:open:{day['t_nowhere']}"))
    _asks_location(await bot.press(Team.ana, card.button("📍 Ubicación")))
    calls = await bot.send(_location(bot, Team.ana, (4.7010, -74.0510), forwarded=True))
    assert any("Ubicación de Droguería Sin Mapa guardada" in c.text for c in calls)
    card = _card(await bot.press(Team.ana, f"te:open:{day['t_nowhere']}"))
    assert "Ubicación: Ana Supervisora" in card.text


async def test_a_long_route_pages_by_25_from_the_same_point(bot: BotHarness) -> None:
    luis = await _actor(bot, Team.luis)
    tid = await type_id(bot.crm)
    due = datetime(2026, 11, 27, 18, 0, tzinfo=BOGOTA)
    for n in range(27):
        tercero = await make_tercero(
            bot.crm, nit=f"77{n:02}", name=f"Tienda {n:02}", encargado_id=luis.id
        )
        await _place(bot, tercero, 4.60 + 0.001 * n, -74.08)
        await followups.create_followup(bot.crm, luis, tercero_id=tercero, type_id=tid, due_at=due)
    await bot.text(Team.luis, "/ruta")
    calls = await bot.send(_location(bot, Team.luis, (4.5990, -74.08)))
    first = next(c for c in calls if "27 paradas" in c.text)
    shown = len([b for b in first.buttons if b[1] and b[1].startswith("fu:open")])
    assert 15 <= shown <= 25 and len(first.text) <= 4096
    assert f"Paradas 1–{shown} de 27" in first.text and f"Tienda {shown - 1:02}" in first.text
    assert f"Tienda {shown:02}" not in first.text
    following = first.button("▶")
    assert following == "rt:pg:1:4.59900:-74.08000"
    page = next(c for c in await bot.press(Team.luis, following) if c.method == "editMessageText")
    assert (
        f"Paradas {shown + 1}–" in page.text
        and f"<b>{shown + 1}. Tienda {shown:02}</b>" in page.text
    )
    assert page.button("◀") == "rt:pg:0:4.59900:-74.08000"


def test_route_pages_hold_at_most_25_stops_and_fit_a_message() -> None:
    from handlers.route.day import PAGE_SIZE, STOPS_CHARS, route_pages

    assert route_pages([]) == [(0, 0)]
    assert route_pages(["x" * 10] * 60) == [(0, 25), (25, 50), (50, 60)]
    long = route_pages(["y" * 290] * 30)
    assert all(end - start <= PAGE_SIZE for start, end in long)
    assert all(sum(292 for _ in range(start, end)) <= STOPS_CHARS + 292 for start, end in long)
    assert long[0] == (0, 10) and long[-1][1] == 30


async def _visits_of(bot: BotHarness, tercero: int) -> int:
    async with bot.crm.sessions() as session:
        return int(
            await session.scalar(
                select(func.count(FollowUp.id))
                .join(FollowUpType, FollowUpType.id == FollowUp.type_id)
                .where(FollowUp.tercero_id == tercero, FollowUpType.name == "Visita T.A.T.")
            )
            or 0
        )


async def test_a_double_tapped_visita_tat_opens_one_followup(bot: BotHarness) -> None:
    """Issue 20: two taps on 🚶 Visita T.A.T. (or the same list on another phone) make one
    follow-up; the second shows it again. Some minutes later a press is a new visit."""
    day = await _day(bot)
    _asks_location(await bot.text(Team.luis, "/cerca 1"))
    calls = await bot.send(_location(bot, Team.luis, START))
    listing = next(c for c in calls if "terceros a menos de" in c.text)
    visit = listing.button("Visita T.A.T.")
    first = await bot.press(Team.luis, visit)
    second = await bot.press(Team.luis, visit)
    assert "creado" in first[0].params["text"]
    assert "hace un momento: es la misma" in second[0].params["text"]
    cards = [_card(first[1:]), _card(second[1:])]
    assert cards[0].text == cards[1].text and "Visita T.A.T." in cards[0].text
    assert await _visits_of(bot, day["t_shop"]) == 1
    bot.clock.advance(minutes=11)
    third = await bot.press(Team.luis, visit)
    assert "creado" in third[0].params["text"] and await _visits_of(bot, day["t_shop"]) == 2


async def test_visita_tat_on_a_tercero_outside_the_book_is_refused(bot: BotHarness) -> None:
    """Issue 20: crafted ``rt:vis`` on another agent's tercero (ids are sequential) creates
    nothing, shows nothing of it and does not pull it into the presser's book."""
    day = await _day(bot)  # LUIS's terceros (ANA's team)
    for user in (Team.pedro, Team.maria):
        calls = await bot.press(user, f"rt:vis:{day['t_shop']}")
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert "No autorizado" in calls[0].params["text"]
        card = await bot.press(user, f"te:open:{day['t_shop']}")
        assert "No autorizado" in card[-1].params["text"]
    assert await _visits_of(bot, day["t_shop"]) == 0
    # LUIS's supervisor may start one (for herself) on a tercero of her team's book.
    calls = await bot.press(Team.ana, f"rt:vis:{day['t_shop']}")
    assert "creado" in calls[0].params["text"] and await _visits_of(bot, day["t_shop"]) == 1
