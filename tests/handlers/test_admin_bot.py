"""Admin features through the real application: invitations, /usuarios, /config, letters,
/reasignar and /auditoria."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from crm.followups import catalogs
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from storage.models import FollowUp, FollowUpType, SupportDocument, Tercero, User
from tests.conftest import BotHarness, Team
from tests.support.data import make_document, make_tercero, type_id
from tests.support.telegram import BOT_USERNAME


def _invite_code(text: str) -> str:
    marker = f"https://t.me/{BOT_USERNAME}?start="
    assert marker in text, text
    return text.split(marker, 1)[1].split()[0]


async def test_admin_onboards_by_link(bot: BotHarness) -> None:
    calls = await bot.text(Team.admin, "/invitar agente NUEVO")
    code = _invite_code(calls[0].text)
    assert "72" not in code and len(code) <= 64
    calls = await bot.text(900, f"/start {code}")
    texts = " ".join(c.text for c in calls)
    assert "Bienvenido" in texts and "agente" in texts and "900" not in texts
    # Registered: the next update is let through.
    calls = await bot.text(900, "/ayuda")
    assert "/agenda" in calls[0].text
    # The link is spent.
    calls = await bot.text(901, f"/start {code}")
    assert "ya fue usado" in calls[0].text
    assert await resolve_actor(bot.crm, 901) is None
    # Opening a link when already registered just says so.
    other = _invite_code((await bot.text(Team.admin, "/invitar agente"))[0].text)
    calls = await bot.text(Team.luis, f"/start {other}")
    assert "Ya estás registrado" in calls[0].text


async def test_expired_or_unknown_link(bot: BotHarness) -> None:
    code = _invite_code((await bot.text(Team.admin, "/invitar supervisor"))[0].text)
    bot.clock.advance(hours=73)
    calls = await bot.text(902, f"/start {code}")
    assert [c.method for c in calls] == ["sendMessage"] and "venció" in calls[0].text
    calls = await bot.text(902, "/start inventado123")
    assert "no existe" in calls[0].text
    assert await resolve_actor(bot.crm, 902) is None


async def test_supervisor_invites_into_team_agent_cannot_invite(bot: BotHarness) -> None:
    code = _invite_code((await bot.text(Team.ana, "/invitar agente"))[0].text)
    await bot.text(903, f"/start {code}")
    async with bot.crm.sessions() as session:
        user = await session.scalar(select(User).where(User.telegram_id == 903))
    assert user is not None and user.supervisor_id == bot.users["ANA"]
    calls = await bot.text(Team.ana, "/invitar admin")
    assert "No autorizado" in calls[0].text
    calls = await bot.text(Team.luis, "/invitar agente")
    assert "No autorizado" in calls[0].text
    calls = await bot.text(Team.admin, "/invitar")
    assert "Uso:" in calls[0].text


async def test_deactivated_user_opening_a_link_gets_the_refusal(bot: BotHarness) -> None:
    code = _invite_code((await bot.text(Team.admin, "/invitar agente"))[0].text)
    calls = await bot.text(Team.ghost, f"/start {code}")
    assert len(calls) == 1 and "registre" in calls[0].text
    assert await resolve_actor(bot.crm, Team.ghost) is None


async def test_usuarios_admin_deactivates_and_user_loses_access(bot: BotHarness) -> None:
    calls = await bot.text(Team.admin, "/usuarios")
    assert "LUIS" in calls[0].text and "agente" in calls[0].text and "ANA" in calls[0].text
    card = await bot.press(Team.admin, calls[0].button("LUIS"))
    edit = card[-1]
    assert edit.method == "editMessageText" and "Luis Gómez" in edit.text
    assert (await bot.text(Team.luis, "/ayuda"))[0].text.startswith("Esto es")
    ask = (await bot.press(Team.admin, edit.button("Desactivar")))[-1]
    # Deactivating asks first, saying what happens; nothing changes until confirmed.
    assert "Pierde el acceso" in ask.text and "Seguimientos abiertos a su nombre: 0" in ask.text
    assert (await resolve_actor(bot.crm, Team.luis)) is not None
    after = await bot.press(Team.admin, ask.button("Confirmar"))
    assert "inactivo" in after[-1].text
    calls = await bot.text(Team.luis, "/ayuda")
    assert len(calls) == 1 and str(Team.luis) in calls[0].text and "/agenda" not in calls[0].text
    await bot.press(Team.admin, after[-1].button("Reactivar"))
    assert "/agenda" in (await bot.text(Team.luis, "/ayuda"))[0].text


async def test_usuarios_admin_changes_role_and_team(bot: BotHarness) -> None:
    pedro = bot.users["PEDRO"]
    card = (await bot.press(Team.admin, f"us:open:{pedro}"))[-1]
    teams = (await bot.press(Team.admin, card.button("Cambiar equipo")))[-1]
    done = (await bot.press(Team.admin, teams.button("ANA")))[-1]
    assert "Equipo (supervisor): ANA" in done.text
    promoted = (await bot.press(Team.admin, done.button("Hacer supervisor")))[-1]
    assert "Rol: supervisor" in promoted.text
    assert (await resolve_actor(bot.crm, Team.pedro)).role == "supervisor"  # type: ignore[union-attr]


async def test_usuarios_supervisor_read_only_agent_refused(bot: BotHarness) -> None:
    calls = await bot.text(Team.ana, "/usuarios")
    assert "PEDRO" not in calls[0].text and "Solo lectura" in calls[0].text
    card = (await bot.press(Team.ana, calls[0].button("LUIS")))[-1]
    assert [label for label, _ in card.buttons] == ["↩ Volver"]
    calls = await bot.text(Team.luis, "/usuarios")
    assert "No autorizado" in calls[0].text


async def test_usuarios_pages_with_arrows(bot: BotHarness) -> None:
    from crm.people.users import add_user

    for n in range(12):
        await add_user(bot.crm, 5000 + n, f"Extra {n}", f"EX{n:02d}", "agent")
    calls = await bot.text(Team.admin, "/usuarios")
    assert "1/3" in calls[0].text
    nxt = (await bot.press(Team.admin, calls[0].button("▶")))[-1]
    assert nxt.method == "editMessageText" and "2/3" in nxt.text
    assert len(nxt.text) < 4096


async def test_config_creates_type_by_conversation(bot: BotHarness) -> None:
    menu = (await bot.text(Team.admin, "/config"))[0]
    listing = (await bot.press(Team.admin, menu.button("Tipos")))[-1]
    assert "Cobro de cartera" in listing.text and "24 h" in listing.text
    ask = await bot.press(Team.admin, listing.button("Nuevo"))
    assert "nombre" in ask[-1].text
    assert "horas" in (await bot.text(Team.admin, "Visita técnica"))[0].text
    bad = await bot.text(Team.admin, "mucho")
    assert "número entero" in bad[0].text
    saved = await bot.text(Team.admin, "48")
    assert "Guardado" in saved[0].text and "Visita técnica" in saved[0].text
    async with bot.crm.sessions() as session:
        hours = await session.scalar(
            select(FollowUpType.default_hours).where(FollowUpType.name == "Visita técnica")
        )
    assert hours == 48


async def test_config_state_with_meaning_rename_and_deactivate(bot: BotHarness) -> None:
    await bot.press(Team.admin, "cf:new:state")
    await bot.text(Team.admin, "Pagado parcial")
    pick = bot.request.last("sendMessage")
    saved = (await bot.press(Team.admin, pick.button("cierre")))[-1]
    assert "Pagado parcial" in saved.text and "cierre" in saved.text
    item = saved
    await bot.press(Team.admin, item.button("Renombrar"))
    renamed = (await bot.text(Team.admin, "Abono parcial"))[0]
    assert "Abono parcial" in renamed.text
    meaning = (await bot.press(Team.admin, renamed.button("descarte")))[-1]
    assert "descarte" in meaning.text
    ask = (await bot.press(Team.admin, meaning.button("Desactivar")))[-1]
    assert "Desaparece de las listas" in ask.text
    off = (await bot.press(Team.admin, ask.button("Confirmar")))[-1]
    assert "inactivo" in off.text and off.button("Reactivar")


async def test_config_duplicate_name_asks_again(bot: BotHarness) -> None:
    await bot.press(Team.admin, "cf:new:activity")
    calls = await bot.text(Team.admin, "llamada CONTESTADA")
    assert "Ya existe" in calls[0].text
    calls = await bot.text(Team.admin, "Correo enviado")
    assert "efecto" in calls[0].text
    saved = (await bot.press(Team.admin, calls[0].button("retroceso")))[-1]
    assert "Correo enviado" in saved.text and "retroceso" in saved.text


async def test_config_support_document_template_and_file(bot: BotHarness) -> None:
    await bot.press(Team.admin, "cf:new:document")
    await bot.text(Team.admin, "Carta de cobro")
    bad = await bot.text(Team.admin, "Hola {cliente}")
    assert "{cliente}" in bad[0].text
    saved = await bot.text(Team.admin, "Señores {nombre}, NIT {nit}: saldo {saldo}. {fecha}")
    assert "Guardado" in saved[0].text and "{nombre}" in saved[0].text
    await bot.press(Team.admin, "cf:new:document")
    await bot.text(Team.admin, "Paz y salvo")
    await bot.send(bot.updates.document(Team.admin, "FILE-77", "pys.pdf", bot=bot.app.bot))
    async with bot.crm.sessions() as session:
        docs = {d.name: d for d in (await session.scalars(select(SupportDocument))).all()}
    assert docs["Paz y salvo"].file_id == "FILE-77" and docs["Paz y salvo"].template is None
    assert docs["Carta de cobro"].template.startswith("Señores {nombre}")


async def test_config_cancel_leaves_nothing_behind(bot: BotHarness) -> None:
    await bot.press(Team.admin, "cf:new:type")
    calls = await bot.text(Team.admin, "/cancelar")
    assert "cancelado" in calls[0].text
    calls = await bot.text(Team.admin, "Tipo fantasma")
    # No question any more: plain text only gets a hint.
    assert len(calls) == 1 and "No estoy esperando" in calls[0].text
    async with bot.crm.sessions() as session:
        assert (
            await session.scalar(select(FollowUpType).where(FollowUpType.name == "Tipo fantasma"))
            is None
        )


async def test_config_is_for_admins_only(bot: BotHarness) -> None:
    calls = await bot.text(Team.ana, "/config")
    assert "No autorizado" in calls[0].text
    for data in ("cf:list:type:0", "cf:off:type:1", "cf:new:type", "cf:mean:3:open"):
        calls = await bot.press(Team.ana, data)
        assert calls[-1].method == "answerCallbackQuery"
        assert "No autorizado" in calls[-1].params["text"]
    types = await catalogs.list_items(bot.crm, await resolve_actor(bot.crm, 1), "type")
    assert all(t.active for t in types)


async def _followup_world(bot: BotHarness) -> tuple[int, int]:
    tercero = await make_tercero(bot.crm, encargado_id=bot.users["LUIS"])
    await make_document(bot.crm, tercero, "1001", balance="1234567")
    luis = await resolve_actor(bot.crm, Team.luis)
    f = await followups.create_followup(
        bot.crm, luis, tercero_id=tercero, type_id=await type_id(bot.crm)
    )
    return tercero, f.id


async def test_letter_from_followup_card(bot: BotHarness) -> None:
    _, fid = await _followup_world(bot)
    admin = await resolve_actor(bot.crm, Team.admin)
    await catalogs.add_item(
        bot.crm, admin, "document", "Carta de cobro", template="{nombre}: {saldo} al {fecha}"
    )
    pick = await bot.press(Team.luis, f"lt:doc:{fid}")
    menu = pick[-1]
    assert menu.method == "sendMessage" and "Carta de cobro" in menu.buttons[0][0]
    sent = await bot.press(Team.luis, menu.button("Carta de cobro"))
    doc = next(c for c in sent if c.method == "sendDocument")
    body = next(iter(doc.params["_file_bytes"].values())).decode("utf-8")
    assert body.strip() == "Ferretería Núñez & Cía: $ 1.234.567 al 27/11/2026"
    assert sent[-1].method == "answerCallbackQuery"
    card = await followups.get_followup(bot.crm, await resolve_actor(bot.crm, Team.luis), fid)
    assert card.events[-1].kind == "letter_sent"


async def test_letter_buttons_refused_for_someone_elses_followup(bot: BotHarness) -> None:
    _, fid = await _followup_world(bot)
    admin = await resolve_actor(bot.crm, Team.admin)
    doc = await catalogs.add_item(bot.crm, admin, "document", "Carta", template="{nombre}")
    for data in (f"lt:doc:{fid}", f"lt:pick:{fid}:{doc.id}"):
        calls = await bot.press(Team.pedro, data)
        assert [c.method for c in calls] == ["answerCallbackQuery"]
        assert "No autorizado" in calls[0].params["text"]
    card = await followups.get_followup(bot.crm, admin, fid)
    assert all(e.kind != "letter_sent" for e in card.events)


async def test_reasignar_with_confirmation(bot: BotHarness) -> None:
    tercero, fid = await _followup_world(bot)
    calls = await bot.text(Team.ana, "/reasignar LUIS MARIA")
    preview = calls[0]
    assert "1 seguimiento abierto\n" in preview.text and "1 tercero como" in preview.text
    async with bot.crm.sessions() as session:
        assert (await session.get(FollowUp, fid)).owner_id == bot.users["LUIS"]
    done = await bot.press(Team.ana, preview.button("Confirmar"))
    assert "pasaron de LUIS a MARIA" in done[-1].text
    async with bot.crm.sessions() as session:
        assert (await session.get(FollowUp, fid)).owner_id == bot.users["MARIA"]
        assert (await session.get(Tercero, tercero)).encargado_id == bot.users["MARIA"]


async def test_reasignar_cancel_and_scope(bot: BotHarness) -> None:
    _, fid = await _followup_world(bot)
    preview = (await bot.text(Team.ana, "/reasignar LUIS MARIA"))[0]
    cancelled = await bot.press(Team.ana, preview.button("Cancelar"))
    assert "no se cambió nada" in cancelled[-1].text
    calls = await bot.text(Team.ana, "/reasignar LUIS PEDRO")
    assert "No autorizado" in calls[0].text
    calls = await bot.text(Team.luis, "/reasignar LUIS MARIA")
    assert "No autorizado" in calls[0].text
    # A forged confirm by an agent, or by a supervisor outside the team, changes nothing,
    # even with a token drawn for the presser.
    from crm.kernel.confirmations import issue

    luis, pedro = bot.users["LUIS"], bot.users["PEDRO"]
    maria_actor, ana_actor = [await resolve_actor(bot.crm, tg) for tg in (Team.maria, Team.ana)]
    for user, actor, data in (
        (Team.maria, maria_actor, f"rs:book:{luis}:{bot.users['MARIA']}"),
        (Team.ana, ana_actor, f"rs:book:{luis}:{pedro}"),
    ):
        calls = await bot.press(user, f"{data}:{await issue(bot.crm, actor)}")  # type: ignore[arg-type]
        assert "No autorizado" in calls[-1].params["text"]
        calls = await bot.press(user, f"{data}:forgedToken1")  # a token never drawn
        assert any(w in calls[-1].params["text"] for w in ("No autorizado", "no es válido"))
    async with bot.crm.sessions() as session:
        assert (await session.get(FollowUp, fid)).owner_id == luis
    assert "Uso:" in (await bot.text(Team.admin, "/reasignar LUIS"))[0].text
    assert "No existe" in (await bot.text(Team.admin, "/reasignar LUIS NADIE"))[0].text


async def test_reassign_from_tercero_card(bot: BotHarness) -> None:
    tercero, fid = await _followup_world(bot)
    pick = (await bot.press(Team.ana, f"rs:ter:{tercero}"))[-1]
    assert pick.method == "sendMessage" and "LUIS" not in str(pick.buttons)
    confirm = (await bot.press(Team.ana, pick.button("MARIA")))[-1]
    assert "(1 seguimiento abierto)" in confirm.text
    done = (await bot.press(Team.ana, confirm.button("Confirmar")))[-1]
    assert "ahora es de MARIA" in done.text
    async with bot.crm.sessions() as session:
        assert (await session.get(Tercero, tercero)).encargado_id == bot.users["MARIA"]
        assert (await session.get(FollowUp, fid)).owner_id == bot.users["MARIA"]
    calls = await bot.press(Team.pedro, f"rs:ok:{tercero}:{bot.users['PEDRO']}:forgedTok3")
    assert "No autorizado" in calls[-1].params["text"]


async def test_auditoria_pages_filters_and_excel(bot: BotHarness) -> None:
    _, fid = await _followup_world(bot)
    luis = await resolve_actor(bot.crm, Team.luis)
    for hours in range(1, 13):
        await followups.postpone(bot.crm, luis, fid, hours)
    calls = await bot.text(Team.admin, "/auditoria")
    first = calls[0]
    # In words, with names and local times: no action codes, ids or UTC ISO times.
    assert "Luis Gómez pospuso #" in first.text and len(first.text) < 4096
    assert "postpone" not in first.text and "+00:00" not in first.text
    nxt = (await bot.press(Team.admin, first.button("▶")))[-1]
    assert nxt.method == "editMessageText" and "(2/" in nxt.text
    only = (await bot.text(Team.admin, f"/auditoria seguimiento {fid}"))[0]
    assert f"#{fid}" in only.text and "user #" not in only.text
    by_user = (await bot.text(Team.admin, "/auditoria usuario luis"))[0]
    assert "LUIS" in by_user.text
    excel = await bot.press(Team.admin, first.button("Excel"))
    doc = next(c for c in excel if c.method == "sendDocument")
    data = next(iter(doc.params["_file_bytes"].values()))
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A1"].value == "Fecha" and sheet.max_row > 13
    direct = await bot.text(Team.admin, f"/auditoria excel seguimiento {fid}")
    assert direct[0].method == "sendDocument"
    assert "Uso:" in (await bot.text(Team.admin, "/auditoria cualquier cosa"))[0].text
    assert "No autorizado" in (await bot.text(Team.ana, "/auditoria"))[0].text
    calls = await bot.press(Team.ana, "ad:audx:all:0")
    assert [c.method for c in calls] == ["answerCallbackQuery"]


async def test_tercero_reassign_picker_pages(bot: BotHarness) -> None:
    from crm.people.users import add_user

    for n in range(12):
        await add_user(bot.crm, 6000 + n, f"Vendedor {n}", f"V{n:02d}", "agent")
    tercero, _ = await _followup_world(bot)
    first = (await bot.press(Team.admin, f"rs:ter:{tercero}"))[-1]
    assert len(first.buttons) == 11  # ten people and the ▶ arrow
    second = (await bot.press(Team.admin, first.button("▶")))[-1]
    assert second.method == "editMessageText" and any("◀" in b[0] for b in second.buttons)


async def test_config_timeout_says_so_and_forgets_the_flow(bot: BotHarness) -> None:
    from handlers.admin.config import FLOW

    await bot.app.job_queue.start()
    try:
        await bot.press(Team.admin, "cf:new:type")
        assert FLOW in bot.app.user_data[Team.admin]
        jobs = bot.app.job_queue.get_jobs_by_name(f"ask-timeout:{Team.admin}")
        before = len(bot.request.calls)
        await jobs[0].run(bot.app)
    finally:
        await bot.app.job_queue.stop(wait=False)
    sent = bot.request.calls[before:]
    assert [c.method for c in sent] == ["editMessageText", "sendMessage"]
    assert "inactiva" in sent[1].text and FLOW not in bot.app.user_data[Team.admin]


async def test_buttons_of_the_previous_release_still_work(bot: BotHarness) -> None:
    """Cards and confirmations already in chats when letters and reassignment got their own
    prefixes (fu:doc, fu:letter, te:reasg…, ad:rsg…) do what they did. (A confirmation acts
    only with a token drawn for its presser: an older one asks to start again.)"""
    from crm.kernel.confirmations import issue, new_token

    tercero, fid = await _followup_world(bot)
    admin = await resolve_actor(bot.crm, Team.admin)
    doc = await catalogs.add_item(bot.crm, admin, "document", "Carta", template="{nombre}")
    menu = (await bot.press(Team.luis, f"fu:doc:{fid}"))[-1]
    assert menu.method == "sendMessage" and "Carta" in menu.buttons[0][0]
    sent = await bot.press(Team.luis, f"fu:letter:{fid}:{doc.id}")
    assert any(c.method == "sendDocument" for c in sent)
    pick = (await bot.press(Team.ana, f"te:reasg:{tercero}"))[-1]
    assert pick.method == "sendMessage" and "MARIA" in str(pick.buttons)
    maria = bot.users["MARIA"]
    confirm = (await bot.press(Team.ana, f"te:reasgto:{tercero}:{maria}"))[-1]
    assert "(1 seguimiento abierto)" in confirm.text
    stale = await bot.press(Team.ana, f"te:reasgok:{tercero}:{maria}:{new_token()}")
    assert "no es válido. Vuelve a empezar" in stale[-1].params["text"]
    ana = await resolve_actor(bot.crm, Team.ana)
    assert ana is not None
    done = (
        await bot.press(Team.ana, f"te:reasgok:{tercero}:{maria}:{await issue(bot.crm, ana)}")
    )[-1]
    assert "ahora es de MARIA" in done.text
    preview = (await bot.text(Team.ana, "/reasignar MARIA LUIS"))[0]
    assert "no se cambió nada" in (await bot.press(Team.ana, "ad:rsgno"))[-1].text
    moved = await bot.press(
        Team.ana, f"ad:rsg:{maria}:{bot.users['LUIS']}:{await issue(bot.crm, ana)}"
    )
    moved = moved[-1]
    assert "pasaron de MARIA a LUIS" in moved.text and preview.text
    async with bot.crm.sessions() as session:
        assert (await session.get(FollowUp, fid)).owner_id == bot.users["LUIS"]
    # the old forms are still checked like the new ones
    refused = await bot.press(Team.pedro, f"fu:doc:{fid}")
    assert "No autorizado" in refused[-1].params["text"]
