"""The import use case on SQLite and PostgreSQL: one transaction across batches, last row wins
within a file, admins only, progress and the after-documentos hook."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

import crm.erp.importer as imports
from crm.erp.cells import ImportResult, RowError
from crm.erp.importer import import_file
from crm.kernel.actor import Actor
from crm.kernel.context import Crm
from crm.kernel.errors import NotAuthorized
from storage import bulk
from storage.models import AuditEntry, BalanceChange, Document, FollowUp, Tercero
from tests.conftest import DB_PARAMS, seed_team
from tests.support.data import make_tercero


async def count(crm: Crm, model: type) -> int:
    async with crm.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def terceros_file(tmp_path: Path, rows: int, bad_at: int | None = None) -> Path:
    lines = ["nit,nombre"]
    for i in range(1, rows + 1):
        lines.append(f"{9000 + i},{'' if i == bad_at else f'Cliente {i}'}")
    return write(tmp_path, "t.csv", "\n".join(lines) + "\n")


async def test_a_bad_row_in_a_late_batch_undoes_the_earlier_batches(
    crm: Crm, tmp_path: Path
) -> None:
    errors: list[RowError] = []
    result = await import_file(
        crm,
        "terceros",
        terceros_file(tmp_path, 9, bad_at=8),
        batch_size=2,
        on_error=errors.append,
    )
    assert not result.written and result.bad_rows == 1 and result.rows == 9
    assert errors == [RowError(9, "nombre", "import.problem.required", {})]
    assert await count(crm, Tercero) == 0
    assert await count(crm, AuditEntry) == 0


async def test_skip_invalid_across_batches(crm: Crm, tmp_path: Path) -> None:
    progress: list[tuple[int, int | None]] = []
    result = await import_file(
        crm,
        "terceros",
        terceros_file(tmp_path, 9, bad_at=3),
        batch_size=4,
        skip_invalid=True,
        on_progress=lambda done, total: progress.append((done, total)),
    )
    assert result.written and (result.inserted, result.bad_rows) == (8, 1)
    assert await count(crm, Tercero) == 8
    assert progress == [(4, 9), (8, 9), (9, 9)]
    async with crm.sessions() as session:
        entry = await session.scalar(select(AuditEntry).where(AuditEntry.entity == "import"))
    assert entry is not None and '"inserted": 8' in (entry.after or "")


async def test_the_same_key_twice_in_a_file_keeps_the_last_row(crm: Crm, tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "nit,nombre\n1,Primero\n2,Otro\n1,Segundo\n")
    result = await import_file(crm, "terceros", path)
    assert (result.inserted, result.unchanged) == (2, 1)
    async with crm.sessions() as session:
        assert await session.scalar(select(Tercero.name).where(Tercero.nit == "1")) == "Segundo"


async def test_duplicate_followup_keys_in_one_batch(crm: Crm, tmp_path: Path) -> None:
    users = await seed_team(crm)
    await make_tercero(crm, "800", "Uno", encargado_id=users["LUIS"])
    path = write(
        tmp_path,
        "s.csv",
        "nit,tipo,vence,nota\n"
        "800,Visita T.A.T.,2026-12-01,uno\n"
        "800,Visita T.A.T.,2026-12-02,dos\n",
    )
    result = await import_file(crm, "seguimientos", path)
    assert result.inserted == 1
    async with crm.sessions() as session:
        followup = (await session.scalars(select(FollowUp))).one()
    assert followup.note == "dos" and followup.owner_id == users["LUIS"]


async def test_only_admins_import(crm: Crm, tmp_path: Path) -> None:
    agent = Actor(id=3, telegram_id=3, name="Luis", code="LUIS", role="agent")
    with pytest.raises(NotAuthorized):
        await import_file(crm, "terceros", terceros_file(tmp_path, 1), actor=agent)


async def test_after_documents_hook_runs_only_when_documents_changed(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[ImportResult] = []

    async def hook(env: Crm, result: ImportResult) -> None:
        calls.append(result)

    effects = [e for e in imports.AFTER_IMPORT if e.run is not imports.after_documents_import]
    effects.append(imports.AfterImport("documentos", hook, when_changed=True))
    monkeypatch.setattr(imports, "AFTER_IMPORT", effects)
    await make_tercero(crm, "800", "Uno")
    path = write(tmp_path, "d.csv", "nit,tipo,numero,fecha,valor,saldo\n800,FV,1,2026-09-01,5,5\n")
    await import_file(crm, "documentos", path)
    await import_file(crm, "documentos", path)  # nothing changed: no re-evaluation
    assert [c.inserted for c in calls] == [1]
    assert await count(crm, Document) == 1


async def test_a_bad_byte_read_ahead_stops_the_import_after_reporting_earlier_rows(
    crm: Crm, tmp_path: Path
) -> None:
    users = await seed_team(crm)
    await make_tercero(crm, "900555111", "Uno", users["LUIS"])
    lines = [b"nit,tipo,numero,fecha,valor\n"]
    lines += [f"900555111,FV,{n},2026-09-01,100\n".encode() for n in range(1, 4000)]
    lines[7] = b"900555111,FV,7,2026-02-31,100\n"  # a bad row in the first batch
    # Line 3501, some 100 kB in: the text is decoded in blocks, so earlier rows come first.
    lines[3500] = "900555111,FV,x,2026-09-01,Peña\n".encode("latin-1")
    path = tmp_path / "d.csv"
    path.write_bytes(b"".join(lines))
    errors: list[RowError] = []
    with pytest.raises(imports.ImportFileError) as caught:
        await import_file(crm, "documentos", path, batch_size=100, on_error=errors.append)
    assert caught.value.key == "import.file.not_utf8" and caught.value.params["row"] == 3501
    assert [(e.row, e.column) for e in errors] == [(8, "fecha")]
    assert await count(crm, Document) == 0


async def test_documentos_import_writes_without_sqlite_fk_checks_and_leaves_them_on(
    sqlite_crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The importer resolves every tercero itself, in its transaction; SQLite's per-row
    # foreign-key checks are off for that transaction only.
    seen: list[int] = []
    upsert = bulk.upsert_document_rows

    async def spy(session: AsyncSession, rows: Any, columns: Any, **kw: Any) -> tuple[int, int]:
        seen.append((await session.execute(text("PRAGMA foreign_keys"))).scalar_one())
        return await upsert(session, rows, columns, **kw)

    monkeypatch.setattr(bulk, "upsert_document_rows", spy)
    tercero_id = await make_tercero(sqlite_crm, "800", "Uno")
    text_ = "nit,tipo,numero,fecha,valor\n800,FV,1,2026-09-01,5\n999,FV,2,2026-09-01,5\n"
    path = write(tmp_path, "d.csv", text_)
    errors: list[RowError] = []
    result = await import_file(sqlite_crm, "documentos", path, on_error=errors.append)
    assert not result.written and [(e.row, e.key) for e in errors] == [
        (3, "import.problem.unknown_nit")
    ]
    result = await import_file(sqlite_crm, "documentos", path, skip_invalid=True)
    assert result.written and result.inserted == 1 and seen == [0]
    with pytest.raises(IntegrityError):
        async with sqlite_crm.sessions.begin() as session:
            session.add(
                Document(
                    tercero_id=tercero_id + 99,
                    doc_type="FV",
                    number="3",
                    date=date(2026, 9, 1),
                    value=Decimal(1),
                    balance=Decimal(0),
                )
            )
    assert await count(sqlite_crm, Document) == 1


def documentos_file(tmp_path: Path, name: str, numbers: range, saldo: int) -> Path:
    lines = ["nit,tipo,numero,fecha,valor,saldo"]
    lines += [f"{800 + n % 2},FV,{n},2026-09-01,1000,{saldo}" for n in numbers]
    return write(tmp_path, name, "\n".join(lines) + "\n")


@pytest.mark.parametrize("db_url", [DB_PARAMS[1]], indirect=True)
async def test_postgres_documentos_import_sends_the_same_statements_whatever_its_size(
    crm: Crm, tmp_path: Path
) -> None:
    # A statement with a list of parameters is a new prepared statement for each length, whose
    # generic plan may scan documents for every batch (issue 20: imports grew with the square
    # of their rows). A first import (new cartera) and a re-import (changed saldos) of 100 and
    # of 230 rows must send the same statements, none of them with more than a few parameters.
    users = await seed_team(crm)
    for nit in ("800", "801"):
        await make_tercero(crm, nit, f"Cliente {nit}", encargado_id=users["LUIS"])
    engine = crm.sessions.kw["bind"]
    sent: list[tuple[str, int]] = []

    def hook(conn: Any, cursor: Any, statement: str, params: Any, *_: Any) -> None:
        sent.append((statement, len(params) if isinstance(params, tuple | list) else 0))

    async def statements(path: Path) -> tuple[set[str], int]:
        sent.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", hook)
        try:
            result = await import_file(crm, "documentos", path, batch_size=40)
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", hook)
        assert result.written and result.inserted + result.updated == result.rows
        return {sql for sql, _ in sent}, max(count for _, count in sent)

    small = range(1, 101)
    large = range(1001, 1231)
    new_small = await statements(documentos_file(tmp_path, "a.csv", small, 1000))
    new_large = await statements(documentos_file(tmp_path, "b.csv", large, 1000))
    changed_small = await statements(documentos_file(tmp_path, "c.csv", small, 600))
    changed_large = await statements(documentos_file(tmp_path, "d.csv", large, 600))
    assert new_small[0] == new_large[0] and changed_small[0] == changed_large[0]
    assert max(new_small[1], new_large[1], changed_small[1], changed_large[1]) <= 8
    async with crm.sessions() as session:
        history = await session.execute(
            select(func.count(), func.sum(BalanceChange.new_balance)).where(
                BalanceChange.encargado_id == users["LUIS"]
            )
        )
    assert tuple(history.one()) == (660, Decimal(330 * 1000 + 330 * 600))
