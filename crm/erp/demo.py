"""`crm-bot demo-data`: a realistic Colombian sample so a newcomer sees a living bot at once.

Terceros and documents go through the import's bulk upserts; users and follow-ups through the
ordinary use cases (with the clock moved back, so history looks lived in). Deterministic: the
same run on an empty database always gives the same data, relative to today.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from crm.followups import activity
from crm.followups import lifecycle as followups
from crm.kernel.actor import Actor, resolve_actor
from crm.kernel.clock import FakeClock
from crm.kernel.context import Crm
from crm.kernel.errors import CrmError
from crm.kernel.text import nit_base, normalize_text
from crm.ley2300 import rules as ley2300
from crm.people.users import UserView, add_user, list_users
from storage import bulk
from storage.models import Activity, FollowUpType, State, Tercero

# Telegram user ids far above any assigned today, so the sample never names a real person.
DEMO_IDS = (
    9_990_000_000_001,
    9_990_000_000_002,
    9_990_000_000_003,
    9_990_000_000_004,
    9_990_000_000_005,
)
DEMO_USERS = (
    # code, name, role, supervisor code
    ("ADMIN", "Administrador Demo", "admin", None),
    ("CMENDEZ", "Carolina Méndez", "supervisor", None),
    ("APEREZ", "Andrés Pérez", "agent", "CMENDEZ"),
    ("LTORRES", "Laura Torres", "agent", "CMENDEZ"),
    ("JRIOS", "Julián Ríos", "agent", "CMENDEZ"),
)
AGENTS = ("APEREZ", "LTORRES", "JRIOS")

TERCEROS = (
    # base NIT, name, address, city
    ("900457812", "Ferretería El Tornillo S.A.S.", "Cra 15 # 45-12", "Bogotá"),
    ("830112458", "Distribuidora La Montaña Ltda.", "Cl 80 # 68-40 Bod 3", "Bogotá"),
    ("901234567", "Droguería Santa Fe Express", "Av Caracas # 34-56", "Bogotá"),
    ("79456123", "Tienda Doña Rosa", "Cl 2 Sur # 10-25", "Bogotá"),
    ("890903407", "Almacén Agropecuario El Campo S.A.", "Cra 50 # 30-15", "Medellín"),
    (
        "900778899",
        "Comercializadora Antioqueña de Abarrotes S.A.S.",
        "Cl 10 # 43A-30",
        "Medellín",
    ),
    ("43567890", "Miscelánea La Playita", "Cra 70 # 44-21", "Medellín"),
    ("805012345", "Supermercado Los Andes del Valle", "Av 6N # 23-45", "Cali"),
    ("900345678", "Panadería y Pastelería El Trigal", "Cl 5 # 38-20", "Cali"),
    ("31987654", "Tienda Mixta Don Chucho", "Cra 39 # 12-08", "Palmira"),
    ("802004567", "Comercializadora Caribe S.A.S.", "Cra 54 # 72-80", "Barranquilla"),
    ("900998877", "Distribuciones Costa Azul Ltda.", "Cl 30 # 8-45", "Cartagena"),
    ("804003210", "Autoservicio Santander Plaza", "Cra 27 # 36-14", "Bucaramanga"),
    ("900556677", "Ferreconstrucciones del Eje S.A.S.", "Av 30 de Agosto # 40-22", "Pereira"),
    ("16789012", "Cigarrería y Licorera El Paisa", "Cl 19 # 7-33", "Pereira"),
    ("900112233", "Minimercado La Economía", "Cra 4 # 14-50", "Ibagué"),
    ("891200987", "Cooperativa de Tenderos de Nariño", "Cl 18 # 25-60", "Pasto"),
    ("900667788", "Depósito de Materiales San José", "Km 2 Vía Chía", "Chía"),
)
# Approximate town centres; each demo tercero sits within ~2 km of its town's (for /ruta).
CITY_CENTRES = {
    "Bogotá": (4.6097, -74.0817),
    "Medellín": (6.2442, -75.5812),
    "Cali": (3.4516, -76.5320),
    "Palmira": (3.5394, -76.3036),
    "Barranquilla": (10.9685, -74.7813),
    "Cartagena": (10.3910, -75.4794),
    "Bucaramanga": (7.1193, -73.1227),
    "Pereira": (4.8133, -75.6961),
    "Ibagué": (4.4389, -75.2322),
    "Pasto": (1.2136, -77.2811),
    "Chía": (4.8619, -74.0325),
}
MOBILE_PREFIXES = ("300", "301", "310", "311", "315", "316", "320", "321")
LANDLINE_PREFIX = {"Bogotá": "601", "Medellín": "604", "Cali": "602", "Barranquilla": "605"}
# Days past due of each aging bucket: not due, 1–30, 31–60, 61–90, over 90.
AGING = (-12, 9, 45, 76, 130)


class DemoRefused(CrmError):
    """demo-data only fills a database without terceros."""

    key = "demo.refused"


@dataclass(frozen=True)
class DemoSummary:
    users: tuple[UserView, ...]
    terceros: int
    documents: int
    followups: int
    admin_id: int


@dataclass(frozen=True, order=True)
class Invoice:
    document_id: int
    tercero_id: int
    encargado_id: int | None


def check_digit(nit: str) -> str:
    """The DIAN check digit (DV) of a NIT."""
    weights = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)
    total = sum(int(d) * w for d, w in zip(reversed(nit), weights, strict=False))
    rest = total % 11
    return str(rest if rest in (0, 1) else 11 - rest)


async def fill_demo_data(crm: Crm, admin_telegram_id: int | None = None) -> DemoSummary:
    """Fill an empty database with the sample; refuses (changing nothing) if it has terceros."""
    async with crm.read() as session:
        existing = int(await session.scalar(select(func.count()).select_from(Tercero)) or 0)
    if existing:
        raise DemoRefused(terceros=existing)
    codes = await _users(crm, admin_telegram_id)
    rng = random.Random(2026)
    today = crm.today()
    terceros, documents, invoices = await _terceros_and_documents(crm, codes, rng, today)
    users = tuple(u for u in await list_users(crm) if u.code in codes.values())
    created = await _followups(crm, {u.code: u for u in users}, codes, invoices)
    admin = next(u for u in users if u.code == codes["ADMIN"])
    assert admin.telegram_id is not None  # demo users are all linked
    return DemoSummary(users, terceros, documents, created, admin.telegram_id)


async def _users(crm: Crm, admin_telegram_id: int | None) -> dict[str, str]:
    """Register the demo team (reusing codes already there); demo code -> real code."""
    known = {u.code: u for u in await list_users(crm)}
    by_telegram = {u.telegram_id: u for u in known.values()}
    codes: dict[str, str] = {}
    for (code, name, role, supervisor), telegram_id in zip(DEMO_USERS, DEMO_IDS, strict=True):
        if code == "ADMIN" and admin_telegram_id is not None:
            telegram_id = admin_telegram_id
            mine = by_telegram.get(telegram_id)
            if mine is not None:  # the operator is registered already: they are the admin
                codes[code] = mine.code
                continue
        if code in known:
            codes[code] = code
            continue
        await add_user(crm, telegram_id, name, code, role, supervisor)
        codes[code] = code
    return codes


def _phones(rng: random.Random, city: str) -> str:
    mobile = f"{rng.choice(MOBILE_PREFIXES)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    landline = LANDLINE_PREFIX.get(city)
    if landline and rng.random() < 0.6:
        return f"{mobile}; {landline} {rng.randint(200, 799)} {rng.randint(1000, 9999)}"
    return mobile


async def _terceros_and_documents(
    crm: Crm, codes: dict[str, str], rng: random.Random, today: date
) -> tuple[int, int, list[Invoice]]:
    """Bulk-insert terceros and their documents; returns the counts and the open invoices."""
    async with crm.write(wait=True) as session:
        users = await bulk.users_by_code(session)
        owners = [users[codes[c]].id for c in AGENTS] + [users[codes["CMENDEZ"]].id]
        rows = []
        for index, (base, name, address, city) in enumerate(TERCEROS):
            nit = f"{base}-{check_digit(base)}"
            email_name = normalize_text(name).split(" ")[0].replace(".", "")
            rows.append(
                {
                    "nit": nit,
                    "nit_base": nit_base(nit),
                    "name": name,
                    "search_name": normalize_text(name),
                    "address": address,
                    "city": city,
                    "phones": _phones(rng, city),
                    "email": f"cartera@{email_name}.com.co" if index % 3 else None,
                    "encargado_id": owners[index % len(owners)],
                    "latitude": CITY_CENTRES[city][0] + ((index * 37) % 41 - 20) / 1000,
                    "longitude": CITY_CENTRES[city][1] + ((index * 53) % 43 - 21) / 1000,
                    "location_source": "erp",
                    "location_status": "confirmed",
                }
            )
        await bulk.upsert_terceros(session, rows, list(rows[0]))
        nits = [str(r["nit"]) for r in rows]
        refs = await bulk.terceros_by_nit(session, nits)
        docs: list[dict[str, Any]] = []
        number = 10_000
        for index, nit in enumerate(nits):
            tercero_id = refs[nit].id
            # Every tercero has 2-4 invoices spread over the aging buckets, some partly paid.
            for k in range(2 + index % 3):
                number += 1
                days_late = AGING[(index + k) % len(AGING)]
                due = today - timedelta(days=days_late)
                value = Decimal(rng.randrange(180_000, 9_500_000, 10_000))
                paid = value * Decimal(rng.choice((0, 0, 0, 25, 50))) / 100
                docs.append(
                    _doc(
                        tercero_id,
                        "FV",
                        number,
                        due - timedelta(days=30),
                        due,
                        value,
                        value - paid,
                        "Venta de mercancía",
                    )
                )
            receipt = Decimal(rng.randrange(100_000, 2_000_000, 10_000))
            docs.append(
                _doc(
                    tercero_id,
                    "RC",
                    5_000 + index,
                    today - timedelta(days=20),
                    None,
                    receipt,
                    Decimal(0),
                    "Recibo de caja",
                )
            )
            if index % 4 == 0:
                docs.append(
                    _doc(
                        tercero_id,
                        "NC",
                        700 + index,
                        today - timedelta(days=40),
                        None,
                        Decimal(95_000),
                        Decimal(0),
                        "Devolución en ventas",
                    )
                )
        await bulk.upsert_documents(session, docs, list(docs[0]))
        found = await bulk.documents_by_key(
            session, [(d["doc_type"], d["number"]) for d in docs if d["balance"] > 0]
        )
    encargado_of = {ref.id: ref.encargado_id for ref in refs.values()}
    invoices = sorted(
        Invoice(ref.id, ref.tercero_id, encargado_of[ref.tercero_id]) for ref in found.values()
    )
    return len(rows), len(docs), invoices


def _doc(
    tercero_id: int,
    doc_type: str,
    number: int,
    on: date,
    due: date | None,
    value: Decimal,
    balance: Decimal,
    detail: str,
) -> dict[str, Any]:
    return {
        "tercero_id": tercero_id,
        "doc_type": doc_type,
        "number": str(number),
        "date": on,
        "due_date": due,
        "value": value,
        "balance": balance,
        "detail": detail,
    }


async def _catalog(crm: Crm) -> dict[str, int]:
    async with crm.read() as session:
        rows = [
            *(await session.execute(select(FollowUpType.name, FollowUpType.id))).all(),
            *(await session.execute(select(Activity.name, Activity.id))).all(),
            *(await session.execute(select(State.name, State.id))).all(),
        ]
    return {f"{name}": id_ for name, id_ in rows}


async def _followups(
    crm: Crm, users: dict[str, UserView], codes: dict[str, str], invoices: list[Invoice]
) -> int:
    """Follow-ups overdue, due today and upcoming for each agent, with a lived-in history."""
    ids = await _catalog(crm)
    cobro, pedido, visita = (
        ids["Cobro de cartera"],
        ids["Seguimiento a pedido"],
        ids["Visita T.A.T."],
    )
    now = crm.now()
    local_now = crm.local_now()
    today = local_now.date()

    def at(days: int, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(today + timedelta(days=days), time(hour, minute), crm.tz)

    def then(moment: datetime) -> Crm:
        # Replay the history at the time it happened: events carry believable times.
        return replace(crm, clock=FakeClock(min(moment, now)))

    def lawful(moment: datetime) -> datetime:
        # A call is a contact: the Ley 2300 guard refuses Sundays and holidays, so the demo's
        # calls move back to the last day they were allowed.
        while ley2300.time_rule(moment.astimezone(crm.tz)) is not None:
            moment -= timedelta(days=1)
        return moment

    # Due "today": later today while there is day left, else soon.
    later_today = (
        at(0, 16) if local_now.hour < 15 else min(now + timedelta(minutes=45), at(0, 23, 59))
    )
    earlier_today = at(0, 8) if local_now.hour >= 9 else now - timedelta(minutes=30)
    created = 0
    for code in AGENTS:
        user = users[codes[code]]
        assert user.telegram_id is not None  # demo users are all linked
        actor = await resolve_actor(crm, user.telegram_id)
        assert actor is not None
        mine = [i for i in invoices if i.encargado_id == user.id] or invoices
        pick = iter(mine * 3)
        # 1. Overdue collection with an unanswered call and an observation.
        inv = next(pick)
        f = await _new(
            then(at(-6, 9)),
            actor,
            inv,
            cobro,
            at(-2, 10),
            "Cliente con cartera vencida: llamar a tesorería",
        )
        await activity.log_activity(
            then(lawful(at(-2, 10, 20))), actor, f, ids["Llamada sin respuesta"], "Nadie contesta"
        )
        await activity.add_observation(
            then(at(-2, 10, 25)), actor, f, "Dejé mensaje con la recepcionista"
        )
        # 2. Collection postponed yesterday after a promise to pay, due later today.
        inv = next(pick)
        f = await _new(then(at(-3, 8, 30)), actor, inv, cobro, at(-1, 11), None)
        await activity.log_activity(
            then(at(-1, 11, 5)), actor, f, ids["Promesa de pago"], "Dice que paga hoy en la tarde"
        )
        await followups.postpone_until(then(at(-1, 11, 10)), actor, f, later_today)
        # 3. An order follow-up that fell due earlier today.
        inv = next(pick)
        await _new(
            then(at(-2, 15)),
            actor,
            inv,
            pedido,
            earlier_today,
            "Confirmar despacho del pedido",
            linked=False,
        )
        # 4. Upcoming visits.
        inv = next(pick)
        await _new(
            then(at(-1, 17)), actor, inv, visita, at(1, 10), "Visita de rutina", linked=False
        )
        inv = next(pick)
        await _new(
            then(at(-1, 17, 5)), actor, inv, visita, at(4, 15), "Presentar catálogo", linked=False
        )
        created += 5
        # 5. A closed follow-up continued into the next one: a lineage to browse.
        inv = next(pick)
        f = await _new(then(at(-10, 9)), actor, inv, cobro, at(-7, 9), "Acordar abono")
        await activity.log_activity(
            then(lawful(at(-7, 9, 30))), actor, f, ids["Llamada contestada"]
        )
        await followups.close(
            then(at(-5, 11)), actor, f, ids["Acuerdo logrado"], "Abono del 50 % acordado"
        )
        await followups.continue_followup(
            then(at(-5, 11, 5)), actor, f, at(2, 9), "Verificar el abono acordado"
        )
        created += 2
    return created


async def _new(
    crm: Crm,
    actor: Actor,
    invoice: Invoice,
    type_id: int,
    due: datetime,
    note: str | None,
    *,
    linked: bool = True,
) -> int:
    """Create as the agent; collections point at the invoice they chase."""
    view = await followups.create_followup(
        crm,
        actor,
        tercero_id=invoice.tercero_id,
        type_id=type_id,
        due_at=due,
        note=note,
        document_id=invoice.document_id if linked else None,
    )
    return view.id
