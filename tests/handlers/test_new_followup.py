"""/nuevo through the real application: every step, bad input, owner choice, nothing
written before confirming, /cancelar, idle timeout, and surviving a restart."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.app import build_application
from handlers import asking
from storage.models import FollowUp
from tests import conftest
from tests.conftest import BOGOTA, BotHarness, Team
from tests.support.data import make_tercero
from tests.support.telegram import RecordingRequest


async def _count(bot: BotHarness) -> int:
    async with bot.crm.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(FollowUp)) or 0)


async def _only_followup(bot: BotHarness) -> FollowUp:
    async with bot.crm.sessions() as session:
        return (await session.scalars(select(FollowUp))).one()


async def test_agent_creates_a_followup_step_by_step(bot: BotHarness) -> None:
    tercero = await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    ask = await bot.text(Team.luis, "/nuevo")
    assert "nombre o el NIT" in ask[0].text
    short = await bot.text(Team.luis, "f")
    assert "al menos 2 letras" in short[0].text
    none = await bot.text(Team.luis, "zapateria")
    assert "No encontré terceros" in none[0].text
    results = await bot.text(Team.luis, "NUNEZ")
    types = (await bot.press(Team.luis, results[0].button("Ferretería")))[0]
    assert types.method == "editMessageText" and "Ferretería Núñez &amp; Cía" in types.text
    due = (await bot.press(Team.luis, types.button("Visita T.A.T.")))[0]
    assert "¿Cuándo vence?" in due.text  # agents skip the owner step
    labels = [label for label, _ in due.buttons]
    assert "en 72 h" in labels and "mañana 8:00" in labels
    for bad, message in (
        ("pronto", "No entendí la fecha"),
        ("2026-11-27 08:00", "debe ser futura"),
        ("31/02 10:00", "No entendí la fecha"),
    ):
        reply = await bot.text(Team.luis, bad)
        assert message in reply[0].text and "¿Cuándo vence?" in reply[0].text
    note = await bot.text(Team.luis, "28/11 10:30")
    assert "nota" in note[0].text and note[0].button("Sin nota")
    too_long = await bot.text(Team.luis, "n" * 1001)
    assert "máximo es 1000" in too_long[0].text
    summary = await bot.text(Team.luis, "Llevar catálogo <nuevo>")
    text = summary[0].text
    assert "Confirma" in text and "Visita T.A.T." in text and "28/11/2026 10:30" in text
    assert "Llevar catálogo &lt;nuevo&gt;" in text and "Luis Gómez" in text
    assert await _count(bot) == 0  # nothing written before the confirmation
    done = await bot.press(Team.luis, summary[0].button("Crear"))
    card = done[0]
    assert card.method == "editMessageText" and "Seguimiento #" in card.text
    assert card.button("Posponer") and "creado" in done[-1].params["text"]
    created = await _only_followup(bot)
    assert created.tercero_id == tercero and created.owner_id == bot.users["LUIS"]
    assert created.due_at == datetime(2026, 11, 28, 10, 30, tzinfo=BOGOTA)
    assert created.note == "Llevar catálogo <nuevo>"


async def test_due_buttons_and_no_note(bot: BotHarness) -> None:
    await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    results = await bot.text(Team.luis, "/nuevo 900123456-7")
    types = (await bot.press(Team.luis, results[0].button("Ferretería")))[0]
    due = (await bot.press(Team.luis, types.button("Cobro de cartera")))[0]
    note = (await bot.press(Team.luis, due.button("en 24 h")))[0]
    summary = (await bot.press(Team.luis, note.button("Sin nota")))[0]
    await bot.press(Team.luis, summary.button("Crear"))
    created = await _only_followup(bot)
    assert created.due_at == bot.clock.now() + timedelta(hours=24) and created.note is None


async def test_supervisor_picks_an_owner_in_the_team(bot: BotHarness) -> None:
    await make_tercero(bot.crm, encargado_id=bot.users["MARIA"])
    results = await bot.text(Team.ana, "/nuevo ferre")
    types = (await bot.press(Team.ana, results[0].button("Ferretería")))[0]
    owners = (await bot.press(Team.ana, types.button("Cobro")))[0]
    labels = [label for label, _ in owners.buttons]
    assert any("MARIA" in x for x in labels) and any("ANA" in x for x in labels)
    assert not any("PEDRO" in x for x in labels)
    # A crafted owner outside the team is refused.
    refused = await bot.press(Team.ana, f"nv:o:{bot.users['PEDRO']}")
    assert (
        "inactivo" in refused[-1].params["text"] or "No autorizado" in refused[-1].params["text"]
    )
    due = (await bot.press(Team.ana, owners.button("MARIA")))[0]
    note = (await bot.press(Team.ana, due.button("mañana 8:00")))[0]
    summary = (await bot.press(Team.ana, note.button("Sin nota")))[0]
    assert "María Ruiz" in summary.text
    await bot.press(Team.ana, summary.button("Crear"))
    created = await _only_followup(bot)
    assert created.owner_id == bot.users["MARIA"] and created.created_by_id == bot.users["ANA"]
    assert created.due_at == datetime(2026, 11, 28, 8, 0, tzinfo=BOGOTA)


async def test_entry_from_tercero_card_and_scope(bot: BotHarness) -> None:
    mine = await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    other = await make_tercero(bot.crm, nit="1", name="Otro Cliente", encargado_id=None)
    types = (await bot.press(Team.luis, f"nv:ter:{mine}"))[0]
    assert "Ferretería" in types.text and types.button("Cobro de cartera")
    refused = await bot.press(Team.luis, f"nv:ter:{other}")
    assert "No autorizado" in refused[-1].params["text"]
    admin = (await bot.press(Team.admin, f"nv:ter:{other}"))[0]
    assert "Otro Cliente" in admin.text


async def test_cancelar_at_any_step_writes_nothing(bot: BotHarness) -> None:
    await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    results = await bot.text(Team.luis, "/nuevo nunez")
    types = (await bot.press(Team.luis, results[0].button("Ferretería")))[0]
    await bot.press(Team.luis, types.button("Cobro"))
    calls = await bot.text(Team.luis, "/cancelar")
    assert "cancelado" in calls[0].text
    # No longer waiting for a date: only a hint.
    assert "No estoy esperando" in (await bot.text(Team.luis, "2026-12-01 10:00"))[0].text
    cancel = await bot.press(Team.luis, (await bot.text(Team.luis, "/nuevo"))[0].button("✖"))
    assert "cancelado" in cancel[0].text
    assert await _count(bot) == 0


async def test_idle_conversation_times_out_politely(bot: BotHarness) -> None:
    await bot.app.job_queue.start()  # as app.start() does in production
    try:
        await bot.text(Team.luis, "/nuevo")
        jobs = bot.app.job_queue.get_jobs_by_name(f"ask-timeout:{Team.luis}")
        assert len(jobs) == 1 and timedelta(minutes=15) == asking.TIMEOUT
        # Run the timeout job as the scheduler would after 15 idle minutes.
        await jobs[0].run(bot.app)
    finally:
        await bot.app.job_queue.stop(wait=False)
    assert "inactiva" in bot.request.last("sendMessage").text
    # The prompt says it expired and lost its buttons; typed text now only gets a hint.
    expired = bot.request.last("editMessageText")
    assert "vencida" in expired.text and expired.buttons == []
    hint = await bot.text(Team.luis, "nunez")
    assert "No estoy esperando" in hint[0].text


async def test_question_expires_lazily_after_a_restart(bot: BotHarness) -> None:
    """No job survives a restart: an answer after 15 idle minutes is refused all the same."""
    await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    await bot.text(Team.luis, "/nuevo")
    bot.clock.advance(minutes=16)
    late = await bot.text(Team.luis, "nunez")
    assert "inactiva" in late[-1].text
    assert "Ferretería" not in " ".join(c.text for c in late)


async def test_half_finished_nuevo_survives_a_restart(bot: BotHarness) -> None:
    await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    results = await bot.text(Team.luis, "/nuevo nunez")
    types = (await bot.press(Team.luis, results[0].button("Ferretería")))[0]
    await bot.press(Team.luis, types.button("Cobro"))  # now waiting for the due date
    await bot.app.update_persistence()  # what PTB does every second and on shutdown
    # A brand-new Application on the same SQLite file (the process restarted).
    request = RecordingRequest()
    second = build_application(
        conftest.make_settings(), bot.crm, request=request, rate_limit=False
    )
    bot.app = second
    bot.request = request
    async with second:
        note = await bot.text(Team.luis, "2026-12-01 10:00")
        assert "nota" in note[0].text
        summary = await bot.text(Team.luis, "Tras reinicio")
        assert "Ferretería" in summary[0].text and "01/12/2026 10:00" in summary[0].text
        await bot.press(Team.luis, summary[0].button("Crear"))
    created = await _only_followup(bot)
    assert created.note == "Tras reinicio"


async def test_opening_a_card_midway_keeps_nuevo_going(bot: BotHarness) -> None:
    from crm.followups import lifecycle as followups
    from crm.kernel.actor import resolve_actor
    from tests.support.data import type_id

    tercero = await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    luis = await resolve_actor(bot.crm, Team.luis)
    assert luis is not None
    f = await followups.create_followup(
        bot.crm, luis, tercero_id=tercero, type_id=await type_id(bot.crm)
    )
    results = await bot.text(Team.luis, "/nuevo nunez")
    card = await bot.press(Team.luis, f"fu:open:{f.id}")
    assert card[0].method == "sendMessage"
    types = (await bot.press(Team.luis, results[0].button("Ferretería")))[0]
    assert types.button("Cobro de cartera")
