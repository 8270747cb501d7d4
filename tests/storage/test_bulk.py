"""Bulk upserts on SQLite and PostgreSQL: insert, no-op on identical rows, update on change."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError

from crm.kernel.context import Crm
from storage import bulk
from storage.models import Document, FollowUp
from tests.conftest import seed_team
from tests.support.data import make_tercero, type_id


def tercero(nit: str, name: str, city: str | None = None) -> dict[str, object]:
    return {"nit": nit, "nit_base": nit, "name": name, "search_name": name.lower(), "city": city}


async def test_upsert_terceros_counts_only_real_changes(crm: Crm) -> None:
    columns = ["nit", "nit_base", "name", "search_name", "city"]
    rows = [tercero("01", "Uno", "Cali"), tercero("02", "Dos")]
    async with crm.sessions.begin() as session:
        assert await bulk.upsert_terceros(session, rows, columns) == 2
    async with crm.sessions.begin() as session:
        assert await bulk.upsert_terceros(session, rows, columns) == 0
        changed = [tercero("01", "Uno", "Bogotá"), tercero("02", "Dos")]
        assert await bulk.upsert_terceros(session, changed, columns) == 1
        found = await bulk.terceros_by_nit(session, ["01", "02"])
    assert set(found) == {"01", "02"}


async def test_upsert_documents_by_type_and_number(crm: Crm) -> None:
    tercero_id = await make_tercero(crm)
    row = {
        "tercero_id": tercero_id,
        "doc_type": "FV",
        "number": "1",
        "date": date(2026, 9, 1),
        "value": Decimal("100.50"),
        "balance": Decimal("100.50"),
    }
    columns = list(row)
    async with crm.sessions.begin() as session:
        assert await bulk.upsert_documents(session, [row], columns) == 1
        assert await bulk.upsert_documents(session, [row], columns) == 0
        paid = {**row, "balance": Decimal("0")}
        assert await bulk.upsert_documents(session, [paid], columns) == 1
    async with crm.sessions() as session:
        document = (await session.scalars(select(Document))).one()
    assert document.balance == Decimal("0") and document.value == Decimal("100.50")


async def test_imported_followups_update_only_while_active(crm: Crm) -> None:
    users = await seed_team(crm)
    tercero_id = await make_tercero(crm)
    row = {
        "import_key": "k",
        "tercero_id": tercero_id,
        "type_id": await type_id(crm),
        "owner_id": users["LUIS"],
        "due_at": datetime(2026, 12, 1, 14, tzinfo=UTC),
        "note": None,
        "document_id": None,
        "status": "active",
        "created_at": datetime(2026, 11, 1, tzinfo=UTC),
        "created_by_id": None,
        "postpone_count": 0,
        "version": 1,
    }
    moved = {**row, "due_at": datetime(2026, 12, 5, 14, tzinfo=UTC)}
    async with crm.sessions.begin() as session:
        [(followup_id, key)] = await bulk.upsert_imported_followups(session, [row])
        assert key == "k"
        assert await bulk.upsert_imported_followups(session, [row]) == []
        assert await bulk.upsert_imported_followups(session, [moved]) == [(followup_id, "k")]
    async with crm.sessions.begin() as session:
        followup = await session.get(FollowUp, followup_id)
        assert followup is not None and followup.version == 2
        followup.status = "closed"
    async with crm.sessions.begin() as session:
        assert await bulk.upsert_imported_followups(session, [row]) == []
        found = await bulk.followups_by_import_key(session, ["k"])
    assert found["k"].due_at == datetime(2026, 12, 5, 14, tzinfo=UTC)


async def test_document_rows_upsert_counts_inserts_and_real_updates(crm: Crm) -> None:
    users = await seed_team(crm)
    tercero_id = await make_tercero(crm, "900-1", "Uno", users["LUIS"])
    columns = ["tercero_id", "doc_type", "number", "date", "value"]
    day = date(2026, 9, 1)
    rows = [(tercero_id, "FV", "1", day, Decimal("100.50")), (tercero_id, "FV", "2", day, 7)]
    async with crm.sessions.begin() as session:
        assert await bulk.upsert_document_rows(session, rows, columns) == (2, 0)
    again = [*rows[:1], (tercero_id, "FV", "2", day, Decimal(8)), (tercero_id, "NC", "1", day, 1)]
    async with crm.sessions.begin() as session:
        assert await bulk.upsert_document_rows(session, again, columns) == (1, 1)
        assert await bulk.upsert_document_rows(session, again, columns) == (0, 0)
        found = (
            await session.execute(
                select(
                    Document.doc_type, Document.number, Document.value, Document.balance
                ).order_by(Document.doc_type, Document.number)
            )
        ).all()
    assert [tuple(r) for r in found] == [
        ("FV", "1", Decimal("100.50"), Decimal("0.00")),
        ("FV", "2", Decimal("8.00"), Decimal("0.00")),
        ("NC", "1", Decimal("1.00"), Decimal("0.00")),
    ]


async def test_terceros_by_exact_nit_and_by_base(crm: Crm) -> None:
    users = await seed_team(crm)
    await make_tercero(crm, "900123456-7", "Con DV", users["LUIS"])
    await make_tercero(crm, "800", "Sin DV", users["LUIS"])
    async with crm.sessions() as session:
        exact = await bulk.terceros_by_exact_nit(session, ["900123456-7", "900123456", "800"])
        by_base = await bulk.terceros_by_nit_base(session, ["900123456"])
    assert sorted(exact) == ["800", "900123456-7"]
    assert [ref.nit for ref in by_base] == ["900123456-7"]


async def test_the_bulk_cache_is_given_back_after_an_import(sqlite_crm: Crm) -> None:
    async with sqlite_crm.sessions() as session:
        default = (await session.execute(text("PRAGMA cache_size"))).scalar_one()
    async with sqlite_crm.sessions.begin() as session:
        async with bulk.bulk_write_cache(session):
            inside = (await session.execute(text("PRAGMA cache_size"))).scalar_one()
        after = (await session.execute(text("PRAGMA cache_size"))).scalar_one()
    assert inside == -bulk.BULK_CACHE_MB * 1024 and after == default != inside


class _Abort(Exception):
    pass


@pytest.mark.parametrize("outcome", ["commit", "rollback"])
async def test_trusted_import_skips_foreign_key_checks_and_the_next_transaction_has_them(
    sqlite_crm: Crm, outcome: str
) -> None:
    tercero_id = await make_tercero(sqlite_crm, "800", "Uno")
    orphan = {"doc_type": "FV", "number": "9", "date": date(2026, 9, 1), "value": Decimal(1)}
    with contextlib.suppress(_Abort):
        async with sqlite_crm.sessions.begin() as session:
            async with bulk.bulk_write_cache(session, trusted_references=True):
                inside = (await session.execute(text("PRAGMA foreign_keys"))).scalar_one()
                raw = await (await session.connection()).get_raw_connection()
                import_connection = raw.dbapi_connection
                await session.execute(insert(Document).values(tercero_id=tercero_id, **orphan))
            if outcome == "rollback":
                raise _Abort
    assert inside == 0
    async with sqlite_crm.sessions.begin() as session:
        raw = await (await session.connection()).get_raw_connection()
        assert raw.dbapi_connection is import_connection  # the very connection, reused
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1
    with pytest.raises(IntegrityError):
        async with sqlite_crm.sessions.begin() as session:
            await session.execute(insert(Document).values(tercero_id=tercero_id + 99, **orphan))
    async with sqlite_crm.sessions() as session:
        numbers = (await session.scalars(select(Document.number))).all()
    assert numbers == (["9"] if outcome == "commit" else [])


async def test_an_ordinary_bulk_write_keeps_foreign_key_checks(sqlite_crm: Crm) -> None:
    async with sqlite_crm.sessions.begin() as session, bulk.bulk_write_cache(session):
        assert (await session.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1


async def test_rows_in_sqlite_bind_form_match_what_sqlalchemy_writes(sqlite_crm: Crm) -> None:
    # The import's fast path hands SQLite ISO dates and floats itself: they must be exactly
    # what the ORM stores, or a re-import would count (and rewrite) unchanged documents.
    tercero_id = await make_tercero(sqlite_crm, "900-1", "Uno")
    columns = ["tercero_id", "doc_type", "number", "date", "due_date", "value", "balance"]
    day = date(2026, 9, 1)
    rows = [(tercero_id, "FV", "1", day, None, Decimal("100.50"), Decimal("0.10"))]
    async with sqlite_crm.sessions.begin() as session:
        session.add(Document(**dict(zip(columns, rows[0], strict=True))))
    bound = bulk.sqlite_document_binds(rows, columns)
    assert bound == [(tercero_id, "FV", "1", "2026-09-01", None, 100.5, 0.1)]
    async with sqlite_crm.sessions.begin() as session:
        assert await bulk.upsert_document_rows(session, bound, columns, bound=True) == (0, 0)
        changed = [(tercero_id, "FV", "1", "2026-09-02", None, 100.5, 0.1)]
        assert await bulk.upsert_document_rows(session, changed, columns, bound=True) == (0, 1)
        document = (await session.scalars(select(Document))).one()
    assert (document.date, document.value) == (date(2026, 9, 2), Decimal("100.50"))


async def test_bound_document_rows_are_refused_off_sqlite(crm: Crm) -> None:
    async with crm.sessions.begin() as session:
        dialect = (await session.connection()).dialect.name
        if dialect == "sqlite":
            pytest.skip("SQLite is where bound rows belong")
        with pytest.raises(ValueError):
            await bulk.upsert_document_rows(session, [("1",)], ["number"], bound=True)
