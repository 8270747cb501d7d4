"""Catalogs: create, rename, hours/meaning/effect, deactivate (never delete), all audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.followups import catalogs
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from crm.kernel.context import Crm
from crm.kernel.errors import Duplicate, InvalidInput, NotAuthorized
from storage.models import AuditEntry
from tests.conftest import seed_team
from tests.support.data import make_tercero, type_id


@pytest.fixture
async def admin(crm: Crm):  # type: ignore[no-untyped-def]
    await seed_team(crm)
    return await resolve_actor(crm, 1)


async def test_add_type_with_hours_is_used_for_new_followups(crm: Crm, admin, clock) -> None:
    item = await catalogs.add_item(crm, admin, "type", "Visita técnica", hours=48)
    assert (item.name, item.hours, item.active) == ("Visita técnica", 48, True)
    luis = await resolve_actor(crm, 3)
    tercero = await make_tercero(crm, encargado_id=luis.id)  # type: ignore[union-attr]
    f = await followups.create_followup(crm, luis, tercero_id=tercero, type_id=item.id)
    assert (f.due_at - clock.now()).total_seconds() == 48 * 3600
    await catalogs.set_hours(crm, admin, item.id, 6)
    g = await followups.create_followup(crm, luis, tercero_id=tercero, type_id=item.id)
    assert (g.due_at - clock.now()).total_seconds() == 6 * 3600


async def test_state_meaning_and_activity_effect(crm: Crm, admin) -> None:
    state = await catalogs.add_item(crm, admin, "state", "Pagado parcial", meaning="cierre")
    assert state.meaning == "closed"
    assert any(s.id == state.id for s in await followups.list_states(crm, "closed"))
    state = await catalogs.set_meaning(crm, admin, state.id, "discarded")
    assert all(s.id != state.id for s in await followups.list_states(crm, "closed"))
    activity = await catalogs.add_item(crm, admin, "activity", "WhatsApp leído")
    assert activity.effect == "neutral"
    activity = await catalogs.set_effect(crm, admin, activity.id, "avance")
    assert activity.effect == "progress"
    with pytest.raises(InvalidInput):
        await catalogs.add_item(crm, admin, "state", "Sin significado")
    with pytest.raises(InvalidInput):
        await catalogs.set_effect(crm, admin, activity.id, "mucho")


async def test_names_unique_ignoring_case_and_length_limited(crm: Crm, admin) -> None:
    with pytest.raises(Duplicate):
        await catalogs.add_item(crm, admin, "type", "cobro de CARTERA", hours=5)
    with pytest.raises(InvalidInput):
        await catalogs.add_item(crm, admin, "type", "x" * 81)
    other = await catalogs.add_item(crm, admin, "type", "Otro")
    with pytest.raises(Duplicate):
        await catalogs.rename_item(crm, admin, "type", other.id, "Visita t.a.t.")
    renamed = await catalogs.rename_item(crm, admin, "type", other.id, "  Otro   tipo ")
    assert renamed.name == "Otro tipo"


async def test_deactivated_type_keeps_history_but_leaves_pickers(crm: Crm, admin) -> None:
    luis = await resolve_actor(crm, 3)
    tercero = await make_tercero(crm, encargado_id=luis.id)  # type: ignore[union-attr]
    used = await type_id(crm, "Visita T.A.T.")
    f = await followups.create_followup(crm, luis, tercero_id=tercero, type_id=used)
    await catalogs.set_active(crm, admin, "type", used, False)
    assert used not in [t.id for t in await followups.list_types(crm)]
    card = await followups.get_followup(crm, luis, f.id)
    assert card.type_name == "Visita T.A.T."  # history keeps the name
    with pytest.raises(InvalidInput):
        await followups.create_followup(crm, luis, tercero_id=tercero, type_id=used)
    back = await catalogs.set_active(crm, admin, "type", used, True)
    assert back.active


async def test_last_active_type_and_closing_state_cannot_be_deactivated(crm: Crm, admin) -> None:
    types = await catalogs.list_items(crm, admin, "type")
    for t in types[:-1]:
        await catalogs.set_active(crm, admin, "type", t.id, False)
    with pytest.raises(InvalidInput) as last:
        await catalogs.set_active(crm, admin, "type", types[-1].id, False)
    assert last.value.key == "error.catalog_last_item"


async def test_support_document_template_placeholders(crm: Crm, admin) -> None:
    doc = await catalogs.add_item(
        crm, admin, "document", "Carta de cobro", template="Señores {nombre} ({nit}): {saldo}"
    )
    assert doc.template and doc.file_id is None
    with pytest.raises(InvalidInput) as bad:
        await catalogs.add_item(crm, admin, "document", "Mala", template="Hola {cliente}")
    assert "{cliente}" in bad.value.params["unknown"]
    with pytest.raises(InvalidInput):
        await catalogs.add_item(crm, admin, "document", "Vacía")
    with pytest.raises(InvalidInput):
        await catalogs.add_item(crm, admin, "document", "Larga", template="x" * 3001)
    swapped = await catalogs.set_document_content(
        crm, admin, doc.id, file_id="file-123", file_name="paz_y_salvo.pdf"
    )
    assert swapped.file_id == "file-123" and swapped.template is None


async def test_only_admins_touch_catalogs(crm: Crm, admin) -> None:
    ana = await resolve_actor(crm, 2)
    with pytest.raises(NotAuthorized):
        await catalogs.add_item(crm, ana, "type", "Nope", hours=3)
    with pytest.raises(NotAuthorized):
        await catalogs.set_active(crm, ana, "type", 1, False)
    with pytest.raises(NotAuthorized):
        await catalogs.list_items(crm, ana, "state")


async def test_every_change_is_audited_with_before_and_after(crm: Crm, admin) -> None:
    item = await catalogs.add_item(crm, admin, "type", "Auditada", hours=10)
    await catalogs.rename_item(crm, admin, "type", item.id, "Auditada 2")
    await catalogs.set_hours(crm, admin, item.id, 12)
    await catalogs.set_active(crm, admin, "type", item.id, False)
    async with crm.sessions() as session:
        rows = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.before, AuditEntry.after)
                .where(AuditEntry.entity == "type", AuditEntry.entity_id == str(item.id))
                .order_by(AuditEntry.id)
            )
        ).all()
        count = await session.scalar(select(func.count(AuditEntry.id)))
    assert [r.action for r in rows] == ["create", "rename", "hours", "deactivate"]
    assert '"Auditada"' in rows[1].before and '"Auditada 2"' in rows[1].after
    assert "10" in rows[2].before and "12" in rows[2].after
    assert count


async def test_find_item_by_name_or_id(crm: Crm, admin) -> None:
    by_name = await catalogs.find_item(crm, admin, "state", "pagado")
    by_id = await catalogs.find_item(crm, admin, "state", f"#{by_name.id}")
    assert by_name == by_id
    assert catalogs.parse_kind("Estado") == "state"


async def test_activities_say_which_contact_channel_they_are(crm: Crm, admin) -> None:
    """The seeded contact activities name their channel (migration 0015); new ones get the one
    their name suggests; an admin changes it, "ninguno" for none, and junk is refused."""
    seeded = {a.name: a.channel for a in await catalogs.list_items(crm, admin, "activity")}
    assert seeded == {
        "Llamada contestada": "llamada",
        "Llamada sin respuesta": "llamada",
        "Mensaje enviado": "whatsapp",
        "Visita realizada": "visita",
        "Promesa de pago": None,
        "Pedido tomado": None,
        "Cliente rechaza pago": None,
        "Cliente no encontrado": None,
    }
    sms = await catalogs.add_item(crm, admin, "activity", "Mensaje de texto enviado")
    assert sms.channel == "sms"
    mail = await catalogs.add_item(crm, admin, "activity", "Cobro enviado", channel="email")
    assert mail.channel == "correo"
    order = await catalogs.find_item(crm, admin, "activity", "Pedido tomado")
    assert (await catalogs.set_channel(crm, admin, order.id, "Visita")).channel == "visita"
    assert (await catalogs.set_channel(crm, admin, order.id, "ninguno")).channel is None
    with pytest.raises(InvalidInput) as bad:
        await catalogs.set_channel(crm, admin, order.id, "paloma")
    assert bad.value.key == "error.catalog_bad_channel"
    with pytest.raises(InvalidInput):
        await catalogs.set_channel(crm, admin, order.id, "llamada;sms")
    luis = await resolve_actor(crm, 3)
    assert luis is not None
    with pytest.raises(NotAuthorized):
        await catalogs.set_channel(crm, luis, order.id, "llamada")
    async with crm.sessions() as session:
        changes = await session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "channel")
        )
    assert changes == 2
