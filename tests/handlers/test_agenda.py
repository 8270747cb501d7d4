"""/agenda through the real application: sections, paging and filters edit in place,
4096-character limit, refusals."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from storage.models import FollowUp
from tests.conftest import BOGOTA, BotHarness, Team
from tests.support.data import make_tercero, type_id


async def _actor(bot: BotHarness, tg: int) -> Actor:
    actor = await resolve_actor(bot.crm, tg)
    assert actor is not None
    return actor


async def _followup(
    bot: BotHarness, tg: int, due: datetime, note: str | None = None, tercero: int | None = None
) -> int:
    actor = await _actor(bot, tg)
    if tercero is None:
        tercero = await make_tercero(
            bot.crm,
            nit=f"9{tg}{due:%d%H%M%S}",
            name=f"Cliente {tg} {due:%d%H%M}",
            encargado_id=actor.id,
        )
    view = await followups.create_followup(
        bot.crm, actor, tercero_id=tercero, type_id=await type_id(bot.crm), due_at=due, note=note
    )
    return view.id


def _callbacks(call) -> list[str]:  # type: ignore[no-untyped-def]
    return [data or "" for _, data in call.buttons]


async def test_agenda_shows_three_sections_with_lateness(bot: BotHarness) -> None:
    now = bot.clock.now()
    late = await _followup(bot, Team.luis, now - timedelta(hours=3), note="Llamar <urgente>")
    today = await _followup(bot, Team.luis, datetime(2026, 11, 27, 18, 0, tzinfo=BOGOTA))
    soon = await _followup(bot, Team.luis, datetime(2026, 11, 30, 9, 15, tzinfo=BOGOTA))
    await _followup(bot, Team.maria, now + timedelta(hours=1))  # not LUIS's
    calls = await bot.text(Team.luis, "/agenda")
    assert [c.method for c in calls] == ["sendMessage"]
    text = calls[0].text
    assert text.index("Vencidos (1)") < text.index("Hoy (1)") < text.index("Próximos (1)")
    assert "hace 3 h" in text and "11:00" in text  # local time of the overdue one
    assert "3 seguimientos · 1 vencido" in text  # plural forms by count (Babel's rules)
    assert "18:00" in text and "30/11 09:15" in text  # date shown only when not today
    assert "Llamar &lt;urgente&gt;" in text  # user text escaped
    assert "Cobro de cartera" in text and "Cliente 4" not in text
    data = _callbacks(calls[0])
    assert f"fu:open:{late}" in data and f"fu:open:{today}" in data and f"fu:open:{soon}" in data
    for label in ("Hoy", "Vencidos", "Todos", "Tipo", "Estado"):
        calls[0].button(label)
    assert not any(label.startswith("Agente") for label, _ in calls[0].buttons)


async def test_agenda_item_opens_the_card(bot: BotHarness) -> None:
    fid = await _followup(bot, Team.luis, bot.clock.now() + timedelta(hours=2))
    calls = await bot.text(Team.luis, "/agenda")
    opened = await bot.press(Team.luis, calls[0].button("Cliente 3"))
    assert f"#{fid}" in opened[0].text and opened[0].button("Posponer") == f"fu:pp:{fid}:1"


async def test_empty_agenda_says_so(bot: BotHarness) -> None:
    calls = await bot.text(Team.pedro, "/agenda")
    assert "No hay seguimientos activos" in calls[0].text


async def test_300_followups_page_in_place_under_4096(bot: BotHarness) -> None:
    tercero = await make_tercero(bot.crm, name="N" * 200, nit="111")
    tid = await type_id(bot.crm)
    now = bot.clock.now()
    # Written in one transaction (the use case would take 300): the longest names and notes.
    async with bot.crm.sessions.begin() as session:
        session.add_all(
            FollowUp(
                tercero_id=tercero,
                type_id=tid,
                owner_id=bot.users["LUIS"],
                due_at=now + timedelta(hours=n - 150),
                status="active",
                note="x" * 1000,
                created_at=now,
                version=1,
                postpone_count=0,
            )
            for n in range(300)
        )
    calls = await bot.text(Team.luis, "/agenda")
    first = calls[0]
    assert len(first.text) <= 4096 and "Página 1/38" in first.text
    seen_pages = {first.text}
    nxt = first.button("▶")
    for _ in range(3):
        pressed = await bot.press(Team.luis, nxt)
        edit = pressed[0]
        assert edit.method == "editMessageText"
        assert edit.params["message_id"] == first.message_id  # paged in place
        assert len(edit.text) <= 4096
        assert pressed[-1].method == "answerCallbackQuery"
        seen_pages.add(edit.text)
        nxt = edit.button("▶")
    assert len(seen_pages) == 4 and "Página 4/38" in edit.text
    back = await bot.press(Team.luis, edit.button("◀"))
    assert "Página 3/38" in back[0].text
    for data in (first.button("Vencidos"), first.button("Hoy"), first.button("7 días")):
        edit = (await bot.press(Team.luis, data))[0]
        assert edit.method == "editMessageText" and len(edit.text) <= 4096
        assert all(len(d.encode()) <= 64 for d in _callbacks(edit))


async def test_period_buttons_edit_in_place(bot: BotHarness) -> None:
    now = bot.clock.now()
    late = await _followup(bot, Team.luis, now - timedelta(hours=5))
    later = await _followup(bot, Team.luis, now + timedelta(days=2))
    calls = await bot.text(Team.luis, "/agenda")
    edit = (await bot.press(Team.luis, calls[0].button("Vencidos")))[0]
    assert edit.method == "editMessageText"
    assert f"fu:open:{late}" in _callbacks(edit) and f"fu:open:{later}" not in _callbacks(edit)
    assert "• Vencidos" in [label for label, _ in edit.buttons]
    edit = (await bot.press(Team.luis, edit.button("Todos")))[0]
    assert f"fu:open:{later}" in _callbacks(edit)


async def test_type_menu_then_choice_filters_in_place(bot: BotHarness) -> None:
    await _followup(bot, Team.luis, bot.clock.now() + timedelta(hours=2))
    calls = await bot.text(Team.luis, "/agenda")
    menu = (await bot.press(Team.luis, calls[0].button("Tipo")))[0]
    assert menu.method == "editMessageReplyMarkup"
    pedido = (await bot.press(Team.luis, menu.button("Seguimiento a pedido")))[0]
    assert pedido.method == "editMessageText"
    assert "tipo: Seguimiento a pedido" in pedido.text and "No hay seguimientos" in pedido.text
    menu = (await bot.press(Team.luis, pedido.button("Estado")))[0]
    assert menu.button("En gestión")
    back = (await bot.press(Team.luis, menu.button("Todos los estados")))[0]
    assert "tipo: Seguimiento a pedido" in back.text  # other filters kept


async def test_typed_filters_and_periods(bot: BotHarness) -> None:
    await _followup(bot, Team.luis, datetime(2026, 12, 2, 10, 0, tzinfo=BOGOTA))
    day = await bot.text(Team.luis, "/agenda 2026-12-02")
    assert "día 02/12/2026" in day[0].text and "Cliente 3" in day[0].text
    rng = await bot.text(Team.luis, "/agenda 2026-12-03 2026-12-09 tipo:COBRO_DE_CARTERA")
    assert "del 03/12/2026 al 09/12/2026" in rng[0].text and "No hay" in rng[0].text
    hoy = await bot.text(Team.luis, "/agenda hoy")
    assert "hoy" in hoy[0].text and "Cliente 3" not in hoy[0].text


async def test_bad_arguments_get_clear_messages(bot: BotHarness) -> None:
    bad_type = await bot.text(Team.luis, "/agenda tipo:llamadas")
    assert "No existe el tipo «llamadas»" in bad_type[0].text
    assert "Cobro de cartera" in bad_type[0].text and "Visita T.A.T." in bad_type[0].text
    bad_state = await bot.text(Team.luis, "/agenda estado:<b>")
    assert "«&lt;b&gt;»" in bad_state[0].text and "Pendiente" in bad_state[0].text
    bad_range = await bot.text(Team.luis, "/agenda 2026-12-09 2026-12-01")
    assert "al revés" in bad_range[0].text
    what = await bot.text(Team.luis, "/agenda pasado")
    assert "No entendí «pasado»" in what[0].text


async def test_agent_filter_refusals_and_supervisor_view(bot: BotHarness) -> None:
    await _followup(bot, Team.luis, bot.clock.now() + timedelta(hours=1))
    await _followup(bot, Team.maria, bot.clock.now() + timedelta(hours=2))
    await _followup(bot, Team.pedro, bot.clock.now() + timedelta(hours=3))
    refused = await bot.text(Team.luis, "/agenda agente:MARIA")
    assert "No autorizado" in refused[0].text
    outside = await bot.text(Team.ana, "/agenda agente:PEDRO")
    assert "No autorizado" in outside[0].text
    team = await bot.text(Team.ana, "/agenda")
    assert "Cliente 3" in team[0].text and "Cliente 4" in team[0].text
    assert "Cliente 5" not in team[0].text and "[LUIS]" in team[0].text
    menu = (await bot.press(Team.ana, team[0].button("Agente")))[0]
    labels = [label for label, _ in menu.buttons]
    assert any("MARIA" in label for label in labels)
    assert not any("PEDRO" in label for label in labels)
    only = (await bot.press(Team.ana, menu.button("MARIA")))[0]
    assert "agente: MARIA" in only.text and "Cliente 3" not in only.text
    # A crafted press with PEDRO's id is refused by the server, not just hidden.
    crafted = only.button("Hoy").rsplit(":", 1)[0] + f":{bot.users['PEDRO']}"
    answer = (await bot.press(Team.ana, crafted))[-1]
    assert answer.method == "answerCallbackQuery" and "No autorizado" in answer.params["text"]
    admin = await bot.text(Team.admin, "/agenda agente:PEDRO")
    assert "Cliente 5" in admin[0].text


async def test_agenda_in_english(bot: BotHarness) -> None:
    await _followup(bot, Team.luis, bot.clock.now() - timedelta(hours=2))
    calls = await bot.text(Team.luis, "/agenda", language="en")
    assert "Overdue (1)" in calls[0].text and "2 hr ago" in calls[0].text
    assert "1 follow-up · 1 overdue" in calls[0].text
