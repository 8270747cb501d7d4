"""Letters filled from the tercero, reassignment of a book or a tercero, the audit trail."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.audit import trail as audit_trail
from crm.audit.trail import AuditFilter
from crm.followups import activity, catalogs, letters
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from crm.kernel.context import Crm
from crm.kernel.errors import AlreadyFinished, InvalidInput, NotAuthorized, NotFound
from crm.people import reassign
from storage.models import FollowUp, FollowUpEvent, Tercero, User
from tests.conftest import seed_team
from tests.support.data import make_document, make_tercero, state_id, type_id

TEMPLATE = (
    "Bogotá, {fecha}\nSeñores {nombre}\nNIT {nit}\n\nSu saldo pendiente es {saldo}:\n"
    "{documentos}\n\nAtentamente, { firma } {desconocido"
)


@pytest.fixture
async def world(crm: Crm) -> dict[str, object]:
    ids = await seed_team(crm)
    actors = {
        c: await resolve_actor(crm, tg)
        for c, tg in (("ADMIN", 1), ("ANA", 2), ("LUIS", 3), ("MARIA", 4), ("PEDRO", 5))
    }
    tercero = await make_tercero(crm, encargado_id=ids["LUIS"])
    await make_document(crm, tercero, "1001", value="1500000", balance="1234567")
    await make_document(crm, tercero, "1002", balance="0")
    await make_document(crm, tercero, "1003", doc_type="ND", value="100000", balance="100000")
    f = await followups.create_followup(
        crm, actors["LUIS"], tercero_id=tercero, type_id=await type_id(crm)
    )
    return {"ids": ids, "tercero": tercero, "followup": f.id, **actors}


async def _template_doc(crm: Crm, admin, template: str = "Hola {nombre}") -> int:  # type: ignore[no-untyped-def]
    return (
        await catalogs.add_item(crm, admin, "document", "Carta de cobro", template=template)
    ).id


async def test_letter_filled_with_tercero_balance_documents_and_date(crm: Crm, world) -> None:
    doc = await _template_doc(crm, world["ADMIN"], TEMPLATE)
    letter = await letters.render_letter(crm, world["LUIS"], world["followup"], doc)
    assert letter.content is not None and letter.file_id is None
    assert letter.filename.endswith(".txt") and "900123456" in letter.filename
    text = letter.content.decode("utf-8")
    assert "Bogotá, 27/11/2026" in text
    assert "Señores Ferretería Núñez & Cía" in text and "NIT 900123456-7" in text
    assert "$ 1.334.567" in text  # 1.234.567 + 100.000 open; the paid one left out
    assert "FV-1001" in text and "ND-1003" in text and "FV-1002" not in text
    assert "{ firma } {desconocido" in text  # unknown brace text stays as typed
    assert "\r\n" in text  # opens cleanly in Windows Notepad too


async def test_letter_logged_as_event_and_audited(crm: Crm, world) -> None:
    doc = await _template_doc(crm, world["ADMIN"])
    await letters.render_letter(crm, world["ANA"], world["followup"], doc)
    async with crm.sessions() as session:
        events = (
            await session.scalars(
                select(FollowUpEvent.kind).where(FollowUpEvent.followup_id == world["followup"])
            )
        ).all()
    assert "letter_sent" in events
    page = await audit_trail.audit_page(
        crm, world["ADMIN"], AuditFilter(followup_id=world["followup"])
    )
    assert page.rows[0].action == "letter_sent"
    assert page.rows[0].after == {"document": "Carta de cobro", "support_document_id": doc}


async def test_uploaded_file_is_resent_by_id(crm: Crm, world) -> None:
    doc = await catalogs.add_item(
        crm, world["ADMIN"], "document", "Paz y salvo", file_id="F-1", file_name="pys.pdf"
    )
    letter = await letters.render_letter(crm, world["LUIS"], world["followup"], doc.id)
    assert letter.file_id == "F-1" and letter.content is None


async def test_letter_refused_for_others_inactive_or_finished(crm: Crm, world) -> None:
    doc = await _template_doc(crm, world["ADMIN"])
    with pytest.raises(NotAuthorized):
        await letters.render_letter(crm, world["MARIA"], world["followup"], doc)
    with pytest.raises(NotAuthorized):
        await letters.render_letter(crm, world["PEDRO"], world["followup"], doc)
    with pytest.raises(NotAuthorized):
        await letters.support_documents_for(crm, world["PEDRO"], world["followup"])
    await catalogs.set_active(crm, world["ADMIN"], "document", doc, False)
    with pytest.raises(NotFound):
        await letters.render_letter(crm, world["LUIS"], world["followup"], doc)
    assert await letters.support_documents_for(crm, world["LUIS"], world["followup"]) == []
    await catalogs.set_active(crm, world["ADMIN"], "document", doc, True)
    await followups.close(crm, world["LUIS"], world["followup"], await state_id(crm, "Pagado"))
    with pytest.raises(AlreadyFinished):
        await letters.render_letter(crm, world["LUIS"], world["followup"], doc)
    async with crm.sessions() as session:
        sent = await session.scalar(
            select(FollowUpEvent.id).where(FollowUpEvent.kind == "letter_sent")
        )
    assert sent is None


async def test_reassign_book_moves_open_followups_and_terceros(crm: Crm, world) -> None:
    ids = world["ids"]
    other = await make_tercero(crm, nit="800111222-3", name="Otro", encargado_id=ids["LUIS"])
    closed = await followups.create_followup(
        crm, world["LUIS"], tercero_id=other, type_id=await type_id(crm)
    )
    await followups.close(crm, world["LUIS"], closed.id, await state_id(crm, "Pagado"))
    preview = await reassign.preview_reassign(crm, world["ANA"], "luis", "MARIA")
    assert (preview.open_followups, preview.terceros) == (1, 2)
    done = await reassign.reassign_all(crm, world["ANA"], ids["LUIS"], ids["MARIA"])
    assert (done.open_followups, done.terceros) == (1, 2)
    async with crm.sessions() as session:
        moved = await session.get(FollowUp, world["followup"])
        kept = await session.get(FollowUp, closed.id)
        owners = (await session.scalars(select(Tercero.encargado_id))).all()
        event = await session.scalar(
            select(FollowUpEvent).where(FollowUpEvent.kind == "reassigned")
        )
    assert moved.owner_id == ids["MARIA"] and kept.owner_id == ids["LUIS"]  # history stays
    assert set(owners) == {ids["MARIA"]}
    assert event is not None and event.text == "LUIS → MARIA"
    maria_card = await followups.get_followup(crm, world["MARIA"], world["followup"])
    assert maria_card.owner_code == "MARIA"
    page = await audit_trail.audit_page(crm, world["ADMIN"])
    assert any(r.action == "reassign" and r.after["terceros"] == 2 for r in page.rows)


async def test_reassign_scope(crm: Crm, world) -> None:
    ids = world["ids"]
    with pytest.raises(NotAuthorized):  # PEDRO is not in Ana's team
        await reassign.preview_reassign(crm, world["ANA"], "LUIS", "PEDRO")
    with pytest.raises(NotAuthorized):
        await reassign.reassign_all(crm, world["ANA"], ids["LUIS"], ids["PEDRO"])
    with pytest.raises(NotAuthorized):
        await reassign.reassign_all(crm, world["LUIS"], ids["LUIS"], ids["MARIA"])
    with pytest.raises(InvalidInput):
        await reassign.reassign_all(crm, world["ADMIN"], ids["LUIS"], ids["GHOST"])
    with pytest.raises(InvalidInput):
        await reassign.preview_reassign(crm, world["ADMIN"], "LUIS", "luis")
    admin_move = await reassign.reassign_all(crm, world["ADMIN"], ids["LUIS"], ids["PEDRO"])
    assert admin_move.open_followups == 1
    async with crm.sessions() as session:
        assert (await session.get(FollowUp, world["followup"])).owner_id == ids["PEDRO"]


async def test_reassign_one_tercero(crm: Crm, world) -> None:
    ids = world["ids"]
    people = await reassign.tercero_candidates(crm, world["ANA"], world["tercero"])
    assert sorted(p.code for p in people) == ["ANA", "MARIA"]
    preview = await reassign.preview_tercero(crm, world["ANA"], world["tercero"], ids["MARIA"])
    assert preview.open_followups == 1 and preview.source.code == "LUIS"
    with pytest.raises(NotAuthorized):
        await reassign.reassign_tercero(crm, world["ANA"], world["tercero"], ids["PEDRO"])
    with pytest.raises(NotAuthorized):
        await reassign.reassign_tercero(crm, world["PEDRO"], world["tercero"], ids["PEDRO"])
    done = await reassign.reassign_tercero(crm, world["ANA"], world["tercero"], ids["MARIA"])
    assert done.open_followups == 1
    async with crm.sessions() as session:
        assert (await session.get(Tercero, world["tercero"])).encargado_id == ids["MARIA"]
        assert (await session.get(FollowUp, world["followup"])).owner_id == ids["MARIA"]


async def test_audit_filters_and_admin_only(crm: Crm, world) -> None:
    ids = world["ids"]
    await followups.postpone(crm, world["LUIS"], world["followup"], 5)
    by_followup = await audit_trail.audit_page(
        crm, world["ADMIN"], AuditFilter(followup_id=world["followup"])
    )
    assert [r.action for r in by_followup.rows] == ["postpone", "create"]
    assert by_followup.rows[0].actor_code == "LUIS"
    by_user = await audit_trail.audit_page(
        crm, world["ADMIN"], await audit_trail.resolve_user_filter(crm, world["ADMIN"], "luis")
    )
    assert by_user.subject == "LUIS"
    # Changes made by LUIS and changes made to LUIS's user row (its creation by the seed).
    assert {r.action for r in by_user.rows} >= {"postpone", "create"}
    assert any(r.entity == "user" and r.entity_id == str(ids["LUIS"]) for r in by_user.rows)
    with pytest.raises(NotAuthorized):
        await audit_trail.audit_page(crm, world["ANA"])
    with pytest.raises(NotAuthorized):
        await audit_trail.export_audit(crm, world["ANA"])
    with pytest.raises(NotFound):
        await audit_trail.resolve_user_filter(crm, world["ADMIN"], "NADIE")


async def test_audit_excel_export(crm: Crm, world) -> None:
    await activity.add_observation(crm, world["LUIS"], world["followup"], '=HYPERLINK("x")')
    data = await audit_trail.export_audit(crm, world["ADMIN"])
    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == list(audit_trail.HEADERS)
    assert sheet[1][0].font.b and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    first = sheet[2]
    assert isinstance(first[0].value, datetime)
    assert first[0].value == datetime(2026, 11, 27, 14, 0)  # Bogotá time, not UTC
    assert first[0].number_format == "DD/MM/YYYY HH:MM"
    observation = next(r for r in sheet.iter_rows(min_row=2) if r[6].value == "observation")
    number = world["followup"]
    assert observation[3].value == f'Luis Gómez anotó en #{number}: «=HYPERLINK("x")»'
    assert observation[7].data_type == "s" and "HYPERLINK" in observation[7].value
    assert json.loads(observation[8].value) == {
        "before": None,
        "after": {"text": '=HYPERLINK("x")'},
    }  # the raw JSON, last, for technicians
    assert sheet.max_row > 5
    # A risky first character is kept as typed and marked text (no visible apostrophe added).
    async with crm.sessions.begin() as session:
        user = await session.get(User, world["LUIS"].id)
        user.name = "=CMD|' /C calc'!A0"
    await activity.add_observation(crm, world["LUIS"], world["followup"], "otra")
    data = await audit_trail.export_audit(crm, world["ADMIN"])
    sheet = load_workbook(io.BytesIO(data)).active
    names = [r[2] for r in sheet.iter_rows(min_row=2) if r[2].value and "CMD" in r[2].value]
    assert names and all(c.value == "=CMD|' /C calc'!A0" and c.data_type == "s" for c in names)
    assert all(c.quotePrefix for c in names)
