"""Importing one ERP file: all or nothing (unless ``skip_invalid``), in one transaction, then
what runs after it (``AFTER_IMPORT``, each in its own transaction)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from crm.cobranza import payments, promises
from crm.erp.cells import (
    BATCH_SIZE,
    KEPT_ERRORS,
    KINDS,
    ErrorSink,
    Importer,
    ImportFileError,
    ImportResult,
    ProgressSink,
    ReadAhead,
    RowError,
    map_header,
)
from crm.erp.documentos import DocumentImporter
from crm.erp.seguimientos import FollowUpImporter
from crm.erp.terceros import TerceroImporter
from crm.erp.usuarios import UserImporter
from crm.kernel import audit
from crm.kernel.actor import SYSTEM, Actor
from crm.kernel.context import Crm
from crm.kernel.parsing import (
    BadFile,
    open_sheet,
)
from crm.kernel.permissions import ensure_role
from storage import bulk, maintenance

IMPORTERS: dict[str, type[Importer]] = {
    "usuarios": UserImporter,
    "terceros": TerceroImporter,
    "documentos": DocumentImporter,
    "seguimientos": FollowUpImporter,
}
assert tuple(IMPORTERS) == KINDS


# --- what runs after an import ---------------------------------------------------------------


@dataclass(frozen=True)
class AfterImport:
    """Work an import of ``kind`` sets off once it committed: ``run(crm, result)`` opens its own
    transaction, so the import stays written whatever happens to it."""

    kind: str
    run: Callable[[Crm, ImportResult], Awaitable[object]]
    # Only when the import inserted or updated rows (else after every import of that kind).
    when_changed: bool


async def settle_reported_payments(crm: Crm, result: ImportResult) -> None:
    """Reported payments are settled after every documentos import, even one that changed
    nothing: "no visto en cartera" is about days passing (crm/cobranza/payments.py)."""
    await payments.settle_reports(crm)


async def after_documents_import(crm: Crm, result: ImportResult) -> None:
    """Balances moved: promises to pay are re-evaluated (kept when the balance went down by
    the promised amount)."""
    await promises.evaluate_promises(crm)


# In this order, each in its own transaction, after the import's own.
AFTER_IMPORT: list[AfterImport] = [
    AfterImport("documentos", settle_reported_payments, when_changed=False),
    AfterImport("documentos", after_documents_import, when_changed=True),
]


# --- the use case ----------------------------------------------------------------------------


async def import_file(
    crm: Crm,
    kind: str,
    path: Path,
    *,
    skip_invalid: bool = False,
    actor: Actor = SYSTEM,
    on_error: ErrorSink | None = None,
    on_progress: ProgressSink | None = None,
    batch_size: int = BATCH_SIZE,
    source: BinaryIO | None = None,
) -> ImportResult:
    """Import one ERP export file (admins only): all or nothing unless ``skip_invalid``.
    ``source``: the file already opened (the drop folder opens it without following links);
    it is read from the start and closed."""
    ensure_role(actor, "admin")
    if kind not in KINDS:
        raise ImportFileError("import.file.bad_kind", kind=kind, kinds=", ".join(KINDS))
    result = ImportResult(kind=kind, file=str(path))

    def report(error: RowError) -> None:
        if len(result.errors) < KEPT_ERRORS:
            result.errors.append(error)
        if on_error is not None:
            on_error(error)

    try:
        # Opening reads the header and counts the lines: never on the event loop.
        sheet = await asyncio.to_thread(open_sheet, path, source)
    except BadFile as exc:
        raise ImportFileError(exc.key, file=str(path), row=exc.row, **exc.params) from None
    try:
        importer_class = IMPORTERS[kind]
        positions = map_header(importer_class.file_columns, sheet, result, report)
        if positions is None:
            return result
        try:
            # While the import holds SQLite's write lock, the bot answers writes at once with
            # "Se está actualizando la cartera" instead of waiting (storage/maintenance.py).
            async with (
                _announced(crm),
                crm.write(wait=True) as session,
                bulk.bulk_write_cache(
                    session, trusted_references=importer_class.checks_references
                ),
            ):
                importer = importer_class(crm, session, positions, report)
                await importer.prepare()
                done = 0
                reader = ReadAhead(sheet.rows, batch_size, importer.pre)
                try:
                    while (item := await reader.next()) is not None:
                        batch, pre = item
                        records = await importer.validate(batch, result, pre)
                        # Once a bad row is seen (without skip_invalid) the import will be
                        # rolled back: stop writing, keep reading to report every bad row.
                        if records and (skip_invalid or result.bad_rows == 0):
                            await importer.write(records, result)
                        result.rows += len(batch)
                        done += len(batch)
                        if on_progress is not None:
                            on_progress(done, sheet.total_rows)
                finally:
                    await reader.close()
                await importer.finish(result)
                if result.bad_rows and not skip_invalid:
                    raise _Rollback()
                result.created_types = importer.created_types
                audit.record(
                    session,
                    at=crm.now(),
                    actor_id=actor.id,
                    entity="import",
                    entity_id=kind,
                    action="import",
                    after={
                        "file": path.name,
                        "rows": result.rows,
                        "inserted": result.inserted,
                        "updated": result.updated,
                        "unchanged": result.unchanged,
                        "bad_rows": result.bad_rows,
                    },
                )
        except _Rollback:
            result.inserted = result.updated = result.unchanged = 0
            result.created_types = []
            return result
        except BadFile as exc:
            raise ImportFileError(exc.key, file=str(path), row=exc.row, **exc.params) from None
    finally:
        sheet.close()
    result.written = True
    changed = bool(result.inserted or result.updated)
    for effect in AFTER_IMPORT:
        if effect.kind == kind and (changed or not effect.when_changed):
            await effect.run(crm, result)
    return result


@asynccontextmanager
async def _announced(crm: Crm) -> AsyncIterator[None]:
    with maintenance.importing(crm.url):
        yield


class _Rollback(Exception):
    """Raised inside the transaction to undo everything when a bad row was found."""
