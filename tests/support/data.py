"""Small builders for test data, written straight to the database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from crm.kernel.context import Crm
from crm.kernel.text import nit_base, normalize_text
from storage.models import Activity, Document, FollowUpType, State, Tercero


async def make_tercero(
    crm: Crm,
    nit: str = "900123456-7",
    name: str = "Ferretería Núñez & Cía",
    encargado_id: int | None = None,
    phones: str | None = "3001234567; 6014567890",
    address: str | None = "Cra 7 # 12-34",
    city: str | None = "Bogotá",
    email: str | None = None,
) -> int:
    async with crm.sessions.begin() as session:
        tercero = Tercero(
            nit=nit,
            nit_base=nit_base(nit),
            name=name,
            search_name=normalize_text(name),
            phones=phones,
            address=address,
            city=city,
            email=email,
            encargado_id=encargado_id,
        )
        session.add(tercero)
        await session.flush()
        return tercero.id


async def make_document(
    crm: Crm,
    tercero_id: int,
    number: str = "1001",
    *,
    doc_type: str = "FV",
    on: date = date(2026, 10, 1),
    due: date | None = date(2026, 10, 31),
    value: str = "1500000",
    balance: str = "1500000",
) -> int:
    async with crm.sessions.begin() as session:
        document = Document(
            tercero_id=tercero_id,
            doc_type=doc_type,
            number=number,
            date=on,
            due_date=due,
            value=Decimal(value),
            balance=Decimal(balance),
        )
        session.add(document)
        await session.flush()
        return document.id


async def type_id(crm: Crm, name: str = "Cobro de cartera") -> int:
    async with crm.sessions() as session:
        found = await session.scalar(select(FollowUpType.id).where(FollowUpType.name == name))
    assert found is not None
    return found


async def state_id(crm: Crm, name: str) -> int:
    async with crm.sessions() as session:
        found = await session.scalar(select(State.id).where(State.name == name))
    assert found is not None
    return found


async def activity_id(crm: Crm, name: str) -> int:
    async with crm.sessions() as session:
        found = await session.scalar(select(Activity.id).where(Activity.name == name))
    assert found is not None, name
    return found
