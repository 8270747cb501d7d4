"""The seguimientos file: open follow-ups from the ERP, keyed by NIT, type and document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crm.erp.cells import (
    NEW_TYPE_HOURS,
    Column,
    Importer,
    ImportResult,
    Row,
    last_wins,
    plain_text,
    terceros_for,
)
from crm.erp.documentos import DOC_TYPE
from crm.kernel.parsing import (
    BadValue,
    cell_text,
    parse_local_datetime,
    show,
)
from crm.kernel.text import normalize_text
from storage import bulk


def parse_document_ref(value: Any) -> tuple[str, str]:
    """``TIPO-NUMERO`` (e.g. ``FV-1001``) -> ("FV", "1001")."""
    doc_type, sep, number = cell_text(value).replace(" ", "").partition("-")
    if not sep or not number or not DOC_TYPE.match(doc_type.upper()):
        raise BadValue("import.problem.bad_document_ref", value=show(value))
    return doc_type.upper(), number


class FollowUpImporter(Importer):
    file_columns = (
        Column("nit", True),
        Column("tipo", True),
        Column("vence", True),
        Column("responsable"),
        Column("nota"),
        Column("documento"),
    )

    async def prepare(self) -> None:
        await super().prepare()
        known = await bulk.followup_types(self.session)
        self.types = {normalize_text(name): id_ for id_, name in known}
        self.type_names: dict[str, str] = {}

    async def check(self, rows: list[Row]) -> list[dict[str, Any] | None]:
        tercero_of = await terceros_for(self.session, rows)
        refs = {}
        for row in rows:
            ref = row.get("documento", parse_document_ref)
            if ref is not None:
                refs[row.number] = ref
        documents = await bulk.documents_by_key(self.session, refs.values())
        records: list[dict[str, Any] | None] = []
        for row in rows:
            tercero = tercero_of(row)
            type_name = row.get("tipo", plain_text, required=True, limit=80)
            due = row.get("vence", lambda v: parse_local_datetime(v, self.crm.tz), required=True)
            note = row.get("nota", cell_text, limit=1000)
            owner = None
            if cell_text(row.raw("responsable")):
                owner = self.user(row, "responsable")
            elif tercero is not None:
                # The tercero's encargado answers for follow-ups nobody was named for.
                encargado = self.users_by_id.get(tercero.encargado_id or 0)
                if encargado is None:
                    row.fail("responsable", "import.problem.no_owner", nit=tercero.nit)
                elif not encargado.active:
                    row.fail("responsable", "import.problem.inactive_user", value=encargado.code)
                else:
                    owner = encargado
            document_id = None
            ref = refs.get(row.number)
            if ref is not None and tercero is not None:
                document = documents.get(ref)
                if document is None or document.tercero_id != tercero.id:
                    row.fail(
                        "documento",
                        "import.problem.unknown_document",
                        value=f"{ref[0]}-{ref[1]}",
                        nit=tercero.nit,
                    )
                else:
                    document_id = document.id
            if tercero is None or owner is None or type_name is None or due is None:
                records.append(None)
                continue
            type_key = normalize_text(type_name)
            self.type_names.setdefault(type_key, type_name)
            label = f"{ref[0]}-{ref[1]}" if ref else ""
            records.append(
                {
                    "import_key": f"{tercero.nit}|{type_key}|{label}",
                    "tercero_id": tercero.id,
                    "type_key": type_key,
                    "owner_id": owner.id,
                    "due_at": due,
                    "note": note or None,
                    "document_id": document_id,
                }
            )
        return records

    async def _type_id(self, type_key: str) -> int:
        type_id = self.types.get(type_key)
        if type_id is None:
            # Unknown follow-up types are created (the ERP has more than our defaults).
            name = self.type_names[type_key]
            type_id = await bulk.add_followup_type(self.session, name, NEW_TYPE_HOURS)
            self.types[type_key] = type_id
            self.created_types.append(name)
        return type_id

    async def write(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        now = self.crm.now()
        unique = last_wins(records, lambda r: r["import_key"])
        existing = await bulk.followups_by_import_key(
            self.session, [r["import_key"] for r in unique]
        )
        rows = []
        for record in unique:
            rows.append(
                {
                    "import_key": record["import_key"],
                    "tercero_id": record["tercero_id"],
                    "type_id": await self._type_id(record["type_key"]),
                    "owner_id": record["owner_id"],
                    "due_at": record["due_at"],
                    "note": record["note"],
                    "document_id": record["document_id"],
                    "status": "active",
                    "created_at": now,
                    "created_by_id": None,
                    "postpone_count": 0,
                    "version": 1,
                }
            )
        written = await bulk.upsert_imported_followups(self.session, rows)
        by_key = {r["import_key"]: r for r in rows}
        events = []
        for followup_id, key in written:
            row = by_key[key]
            before = existing.get(key)
            events.append(
                event_row(
                    followup_id,
                    "created" if before is None else "imported",
                    now,
                    from_due=before.due_at if before else None,
                    to_due=row["due_at"],
                    text=row["note"],
                )
            )
        await bulk.insert_events(self.session, events)
        inserted = sum(1 for _, key in written if key not in existing)
        result.inserted += inserted
        result.updated += len(written) - inserted
        result.unchanged += len(records) - len(written)


def event_row(
    followup_id: int,
    kind: str,
    at: datetime,
    *,
    from_due: datetime | None,
    to_due: datetime,
    text: str | None,
) -> dict[str, Any]:
    return {
        "followup_id": followup_id,
        "kind": kind,
        "at": at,
        "actor_id": None,
        "from_due": from_due,
        "to_due": to_due,
        "text": text,
    }
