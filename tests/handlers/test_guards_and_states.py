"""Issue 11 items 5, 6 and 10 through the real application: catalog guards whatever button
reaches them, labeled meaning/effect buttons, the card's Estado button (event, history,
agenda filter, report) and no Continuar on a follow-up that was already continued."""

from __future__ import annotations

from openpyxl import load_workbook
from sqlalchemy import select

from crm.followups import activity as followups_activity
from crm.followups import catalogs
from crm.followups import lifecycle as followups
from crm.kernel import confirmations
from crm.kernel.actor import Actor, resolve_actor
from crm.reports import build_report, parse_request
from storage.models import AuditEntry, State
from tests.conftest import BotHarness, Team
from tests.support.data import make_tercero, state_id, type_id


async def _actor(bot: BotHarness, tg: int) -> Actor:
    actor = await resolve_actor(bot.crm, tg)
    assert actor is not None
    return actor


async def _closing_states(bot: BotHarness) -> list[State]:
    async with bot.crm.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(State).where(State.meaning == "closed", State.active.is_(True))
                )
            ).all()
        )


async def test_state_card_meaning_button_cannot_strip_the_last_closing_state(
    bot: BotHarness,
) -> None:
    admin = await _actor(bot, Team.admin)
    closing = await _closing_states(bot)
    for state in closing[1:]:
        await catalogs.set_active(bot.crm, admin, "state", state.id, False)
    last = closing[0]
    card = (await bot.press(Team.admin, f"cf:open:state:{last.id}"))[-1]
    labels = [label for label, _ in card.buttons]
    # The meaning buttons say what they set.
    assert "Significado: abierto" in labels and "Significado: descarte" in labels
    refused = await bot.press(Team.admin, card.button("Significado: abierto"))
    assert refused[-1].method == "answerCallbackQuery"
    assert "último estado de cierre" in refused[-1].params["text"]
    assert [s.id for s in await _closing_states(bot)] == [last.id]
    # The deactivate button is refused up front too (before any confirmation).
    refused = await bot.press(Team.admin, card.button("Desactivar"))
    assert "último activo" in refused[-1].params["text"]
    assert [s.id for s in await _closing_states(bot)] == [last.id]
    # With a second closing state, the first may change meaning; the audit says so.
    other = await catalogs.add_item(bot.crm, admin, "state", "Cerrado OK", meaning="cierre")
    changed = (await bot.press(Team.admin, card.button("Significado: abierto")))[-1]
    assert "abierto" in changed.text and "Significado: cierre" in str(changed.buttons)
    assert [s.id for s in await _closing_states(bot)] == [other.id]
    async with bot.crm.sessions() as session:
        actions = (
            await session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.entity == "state", AuditEntry.entity_id == str(last.id)
                )
            )
        ).all()
    assert list(actions) == ["meaning"]


async def test_effect_buttons_and_new_item_pickers_say_what_they_set(bot: BotHarness) -> None:
    admin = await _actor(bot, Team.admin)
    activity = (await catalogs.list_items(bot.crm, admin, "activity"))[0]
    card = (await bot.press(Team.admin, f"cf:open:activity:{activity.id}"))[-1]
    assert all(
        label.startswith("Efecto: ")
        for label, data in card.buttons
        if data and data.startswith("cf:eff:")
    )
    await bot.press(Team.admin, "cf:new:state")
    await bot.text(Team.admin, "Por revisar")
    pick = bot.request.last("sendMessage")
    assert [label for label, _ in pick.buttons] == [
        "Significado: abierto",
        "Significado: cierre",
        "Significado: descarte",
    ]
    english = await bot.press(Team.admin, f"cf:open:activity:{activity.id}", language="en")
    assert any(label.startswith("Effect: ") for label, _ in english[-1].buttons)


async def test_last_active_type_keeps_even_through_the_cli_use_case(bot: BotHarness) -> None:
    admin = await _actor(bot, Team.admin)
    types = await catalogs.list_items(bot.crm, admin, "type")
    for t in types[1:]:
        await catalogs.set_active(bot.crm, admin, "type", t.id, False)
    refused = await bot.press(Team.admin, f"cf:off:type:{types[0].id}")
    assert "último activo" in refused[-1].params["text"]
    # A confirm for the last type (forged, with a token drawn for the admin) is refused by
    # the use case itself.
    token = await confirmations.issue(bot.crm, admin)
    forged = await bot.press(Team.admin, f"cf:offok:type:{types[0].id}:{token}")
    assert "último activo" in forged[-1].params["text"]
    assert [t.active for t in await catalogs.list_items(bot.crm, admin, "type")].count(True) == 1


async def _followup(bot: BotHarness) -> int:
    luis = await _actor(bot, Team.luis)
    tercero = await make_tercero(bot.crm, encargado_id=luis.id)
    f = await followups.create_followup(
        bot.crm, luis, tercero_id=tercero, type_id=await type_id(bot.crm)
    )
    return f.id


async def test_estado_button_moves_between_open_states_and_shows_everywhere(
    bot: BotHarness,
) -> None:
    fid = await _followup(bot)
    card = (await bot.press(Team.luis, f"fu:open:{fid}"))[0]
    menu = (await bot.press(Team.luis, card.button("Estado")))[0]
    assert menu.method == "editMessageReplyMarkup"
    labels = [label for label, _ in menu.buttons]
    assert any("Pendiente" in x for x in labels) and any("En gestión" in x for x in labels)
    assert not any("Pagado" in x or "Datos errados" in x for x in labels)  # open states only
    done = await bot.press(Team.luis, menu.button("Pendiente"))
    edit = done[0]
    assert edit.method == "editMessageText" and "activo (Pendiente)" in edit.text
    assert "Estado: Pendiente" in done[-1].params["text"]
    view = await followups.get_followup(bot.crm, await _actor(bot, Team.luis), fid)
    assert view.is_active and view.state == "Pendiente" and view.version == 2
    assert view.events[-1].kind == "state_changed"
    # The menu drawn before the change is stale now: refused, nothing changes.
    stale = await bot.press(Team.luis, menu.button("En gestión"), message_id=edit.message_id)
    assert any(c.params.get("show_alert") for c in stale if c.method == "answerCallbackQuery")
    again = (await bot.press(Team.luis, edit.button("Estado")))[0]
    assert not any("Pendiente" in label for label, _ in again.buttons)  # the current one
    moved = await bot.press(Team.luis, again.button("En gestión"))
    assert "activo (En gestión)" in moved[0].text
    # History
    history = (await bot.press(Team.luis, f"fu:hi:{fid}:0"))[0]
    assert "Estado: Pendiente" in history.text and "Estado: En gestión" in history.text
    # Agenda's Estado filter
    listed = (await bot.text(Team.luis, "/agenda estado:gestion"))[0]
    assert f"fu:open:{fid}" in str(listed.buttons)
    other = (await bot.text(Team.luis, "/agenda estado:pendiente"))[0]
    assert f"fu:open:{fid}" not in str(other.buttons)
    # Reports: the actividades report lists the state changes.
    report = await build_report(
        bot.crm,
        await _actor(bot, Team.admin),
        parse_request("actividades hoy", bot.crm.today()),
        "es",
    )
    sheet = load_workbook(report.path).worksheets[0]
    events = [(r[5], r[6]) for r in sheet.iter_rows(min_row=2, values_only=True)]
    report.discard()
    assert ("Cambio de estado", "Pendiente") in events
    assert ("Cambio de estado", "En gestión") in events
    # Someone else's follow-up: refused by the use case.
    forged = await bot.press(Team.pedro, f"fu:ss:{fid}:3:{await state_id(bot.crm, 'Pendiente')}")
    assert "No autorizado" in forged[-1].params["text"]


async def test_estado_refuses_closing_states_sent_by_hand(bot: BotHarness) -> None:
    fid = await _followup(bot)
    paid = await state_id(bot.crm, "Pagado")
    calls = await bot.press(Team.luis, f"fu:ss:{fid}:1:{paid}")
    assert "no es un estado abierto" in calls[-1].params["text"]
    view = await followups.get_followup(bot.crm, await _actor(bot, Team.luis), fid)
    assert view.is_active and view.state is None and view.version == 1


async def test_a_continued_followup_no_longer_shows_continuar(bot: BotHarness) -> None:
    fid = await _followup(bot)
    luis = await _actor(bot, Team.luis)
    await followups.close(bot.crm, luis, fid, await state_id(bot.crm, "Pagado"))
    closed = (await bot.press(Team.luis, f"fu:open:{fid}"))[0]
    options = (await bot.press(Team.luis, closed.button("Continuar")))[0]
    child = (await bot.press(Team.luis, options.button("En 24 h")))[0]
    child_id = int(child.text.split("#", 1)[1].split()[0].strip("<>/b"))
    parent = (await bot.press(Team.luis, f"fu:open:{fid}"))[0]
    labels = [label for label, _ in parent.buttons]
    assert not any("Continuar" in x for x in labels)
    assert f"➡ Continuación #{child_id}" in labels
    # The old card's Continuar (still on an older message): explained, card redrawn.
    stale = await bot.press(Team.luis, closed.button("Continuar"), message_id=closed.message_id)
    redraw = next(c for c in stale if c.method == "editMessageText")
    assert not any("Continuar" in label for label, _ in redraw.buttons)
    assert f"#{child_id}" in stale[-1].params["text"]
    # The child closed too: the parent still cannot be continued a second time.
    await followups.close(bot.crm, luis, child_id, await state_id(bot.crm, "Pagado"))
    again = await bot.press(Team.luis, f"fu:cg:{fid}:24")
    assert "ya tiene una continuación" in again[-1].params["text"]
    lineage = await followups_activity.history(bot.crm, luis, fid)
    assert len(lineage.followups) == 2
