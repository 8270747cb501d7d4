"""The cartera queries are driven by indexes on SQLite: no plain scan of documents."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Select, case, func, select, text
from sqlalchemy.dialects import sqlite

from crm.cobranza import cartera
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.scope import tercero_visible
from storage.models import Document

TODAY = date(2026, 11, 27)
ACTORS = {
    "agent": Actor(3, 3, "Luis", "LUIS", "agent"),
    "supervisor": Actor(2, 2, "Ana", "ANA", "supervisor"),
    "admin": Actor(1, 1, "Admin", "ADMIN", "admin"),
}


async def _plan(crm: Crm, query: Select) -> list[str]:  # type: ignore[type-arg]
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    async with crm.sessions() as session:
        rows = (await session.execute(text("EXPLAIN QUERY PLAN " + sql))).all()
    return [str(r[-1]) for r in rows]


def _uses_index_on_documents(plan: list[str]) -> bool:
    on_documents = [line for line in plan if " documents" in line]
    return bool(on_documents) and all("INDEX" in line for line in on_documents)


@pytest.mark.parametrize("role", list(ACTORS))
async def test_book_aging_uses_an_index(sqlite_crm: Crm, role: str) -> None:
    where = (tercero_visible(ACTORS[role], Document.tercero_id), cartera.is_open())
    query = select(
        *cartera.aging_columns(TODAY),
        func.count(Document.id),
        func.sum(case((cartera.active_followup_exists(), 0), else_=1)),
    ).where(*where)
    plan = await _plan(sqlite_crm, query)
    assert _uses_index_on_documents(plan), plan
    # "sin seguimiento" looks follow-ups up by the partial index on active document_id.
    assert any("ix_followups_active_document" in line for line in plan), plan


async def test_tercero_cartera_uses_an_index(sqlite_crm: Crm) -> None:
    query = (
        select(Document, cartera.bucket_case(TODAY), cartera.covering_followup_id())
        .where(Document.tercero_id == 7, cartera.is_open())
        .order_by(cartera.due_column(), Document.id)
    )
    plan = await _plan(sqlite_crm, query)
    assert any("SEARCH documents USING INDEX ix_documents_open_by_tercero" in p for p in plan)
    assert _uses_index_on_documents(plan), plan
