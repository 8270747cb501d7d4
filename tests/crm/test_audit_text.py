"""The audit trail in words, in Spanish and English, for every action the code records."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm.audit import text as audit_text
from crm.audit.trail import AuditFilter, audit_page
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.people import reassign
from tests.conftest import seed_team
from tests.support.data import make_tercero, type_id

BOGOTA = ZoneInfo("America/Bogota")
NAMES = {
    "user:5": "Pedro Soto (PEDRO)",
    "user:2": "Ana Supervisora (ANA)",
    "tercero:9": "Ferretería Núñez",
    "nit:900123456-7": "Ferretería Núñez",
}
CASES: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None, str, str]] = [
    (
        "followup", "postpone", {"due": "2026-11-27T16:00:00+00:00"},
        {"due": "2026-11-27T23:00:00+00:00"},
        "Ana Gómez pospuso #12: vence 27/11 11:00 → 18:00",
        "Ana Gómez postponed #12: due 27/11 11:00 → 18:00",
    ),
    (
        "followup", "postpone", {"due": "2026-11-27T16:00:00+00:00"},
        {"due": "2026-11-28T13:00:00+00:00"},
        "Ana Gómez pospuso #12: vence 27/11 11:00 → 28/11 08:00",
        "Ana Gómez postponed #12: due 27/11 11:00 → 28/11 08:00",
    ),
    (
        "followup", "create", None,
        {"tercero": "900123456-7", "type": "Cobro de cartera", "owner": "LUIS",
         "due": "2026-11-28T19:00:00+00:00", "parent": None},
        "Ana Gómez creó #12: Cobro de cartera para Ferretería Núñez, de LUIS, vence 28/11 14:00",
        "Ana Gómez created #12: Cobro de cartera for Ferretería Núñez, owned by LUIS, due "
        "28/11 14:00",
    ),
    (
        "followup", "close", {"status": "active"},
        {"status": "closed", "state": "Pagado", "note": "pagó"},
        "Ana Gómez cerró #12: Pagado · pagó", "Ana Gómez closed #12: Pagado · pagó",
    ),
    (
        "followup", "letter_sent", None, {"document": "Carta de cobro", "support_document_id": 3},
        "Ana Gómez generó la carta «Carta de cobro» para #12",
        "Ana Gómez generated the letter “Carta de cobro” for #12",
    ),
    (
        "user", "reassign", {"owner": "BETO"}, {"owner": "ANA", "followups": 6, "terceros": 13},
        "Ana Gómez reasignó 6 seguimientos y 13 terceros de BETO a ANA",
        "Ana Gómez reassigned 6 follow-ups and 13 terceros from BETO to ANA",
    ),
    (
        "user", "deactivate", {"active": True}, {"active": False},
        "Ana Gómez desactivó a Pedro Soto (PEDRO)", "Ana Gómez deactivated Pedro Soto (PEDRO)",
    ),
    (
        "user", "team", {"supervisor_id": None}, {"supervisor_id": 2},
        "Ana Gómez cambió el supervisor de Pedro Soto (PEDRO): — → Ana Supervisora (ANA)",
        "Ana Gómez changed the supervisor of Pedro Soto (PEDRO): — → Ana Supervisora (ANA)",
    ),
    (
        "user", "role", {"role": "agent"}, {"role": "supervisor", "supervisor_id": None},
        "Ana Gómez cambió el rol de Pedro Soto (PEDRO) a supervisor",
        "Ana Gómez changed the role of Pedro Soto (PEDRO) to supervisor",
    ),
    (
        "promise", "kept", {"status": "pending"}, {"status": "kept", "paid": "400000.00"},
        "La promesa de pago #12 se cumplió: pagado $ 400.000",
        "Payment promise #12 was kept: paid $ 400.000",
    ),
    (
        "catalog", "update", {"active": True, "state_id": 4}, {"active": False, "state_id": 4},
        "Ana Gómez · catalog #12 · update: active: sí → no",
        "Ana Gómez · catalog #12 · update: active: yes → no",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("entity", "action", "before", "after", "es", "en"), CASES)
def test_each_action_reads_as_a_sentence_in_both_languages(
    entity: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    es: str,
    en: str,
) -> None:
    entity_id = "5" if entity == "user" and action != "reassign" else "12"
    for lang, expected in (("es", es), ("en", en)):
        got = audit_text.describe(
            lang=lang, tz=BOGOTA, names=NAMES, who="Ana Gómez", entity=entity,
            entity_id=entity_id, action=action, before=before, after=after,
        )  # fmt: skip
        assert got == expected


def test_both_languages_have_the_same_templates() -> None:
    assert audit_text.TEXTS["es"].keys() == audit_text.TEXTS["en"].keys()
    for key, template in audit_text.TEXTS["es"].items():
        fields = {p.split("}")[0] for p in template.split("{")[1:]}
        other = {p.split("}")[0] for p in audit_text.TEXTS["en"][key].split("{")[1:]}
        assert fields == other, key


async def test_audit_page_names_instead_of_ids(crm: Crm, clock: FakeClock) -> None:
    users = await seed_team(crm)
    luis, admin = await resolve_actor(crm, 3), await resolve_actor(crm, 1)
    assert luis is not None and admin is not None
    tid = await make_tercero(crm, encargado_id=users["LUIS"])
    fu = await followups.create_followup(
        crm, luis, tercero_id=tid, type_id=await type_id(crm, "Cobro de cartera"), note="hola"
    )
    await followups.postpone(crm, luis, fu.id, 5)
    await reassign.reassign_tercero(crm, admin, tid, users["MARIA"])
    page = await audit_page(crm, admin)
    sentences = [
        audit_text.describe(
            lang="es", tz=crm.tz, names=page.names, who=r.actor_name, entity=r.entity,
            entity_id=r.entity_id, action=r.action, before=r.before, after=r.after,
        )
        for r in page.rows
    ]  # fmt: skip
    assert sentences[0] == (
        "Admin General reasignó el tercero Ferretería Núñez & Cía de LUIS a MARIA "
        "(seguimientos movidos: 1)"
    )
    assert sentences[1].startswith(f"Luis Gómez pospuso #{fu.id}: vence ")
    assert sentences[2].startswith(f"Luis Gómez creó #{fu.id}: Cobro de cartera para ")
    followup_only = await audit_page(crm, admin, AuditFilter(followup_id=fu.id))
    assert [r.action for r in followup_only.rows] == ["postpone", "create"]
