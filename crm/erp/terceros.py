"""The terceros file: NIT, name, address, phones, encargado, location and the
Ley 2300 fields."""

from __future__ import annotations

from typing import Any

from crm.erp.cells import (
    Column,
    Importer,
    ImportResult,
    Row,
    by_columns,
    last_wins,
    plain_text,
)
from crm.kernel import geo
from crm.kernel.parsing import (
    BadValue,
    cell_text,
    parse_email,
    parse_nit,
    parse_phones,
    show,
)
from crm.kernel.text import nit_base, normalize_text
from storage import bulk


class TerceroImporter(Importer):
    file_columns = (
        Column("nit", True),
        Column("nombre", True),
        Column("direccion"),
        Column("ciudad"),
        Column("telefonos", aliases=("telefono",)),
        Column("email", aliases=("correo",)),
        Column("encargado"),
        Column("latitud", aliases=("latitude", "lat")),
        Column("longitud", aliases=("longitude", "lon", "lng")),
        Column("tipo_persona", aliases=("tipopersona",)),
        Column("canales_autorizados", aliases=("canalesautorizados", "canales")),
    )

    async def check(self, rows: list[Row]) -> list[dict[str, Any] | None]:
        records: list[dict[str, Any] | None] = []
        for row in rows:
            nit = row.get("nit", parse_nit, required=True, limit=40)
            name = row.get("nombre", plain_text, required=True, limit=200)
            record: dict[str, Any] = {
                "nit": nit,
                "nit_base": nit_base(nit) if nit else None,
                "name": name,
                "search_name": normalize_text(name)[:200] if name else None,
            }
            if row.has("direccion"):
                record["address"] = row.get("direccion", plain_text, limit=200)
            if row.has("ciudad"):
                record["city"] = row.get("ciudad", plain_text, limit=80)
            if row.has("telefonos"):
                record["phones"] = row.get("telefonos", parse_phones, limit=200)
            if row.has("email"):
                record["email"] = row.get("email", parse_email, limit=120)
            if row.has("encargado"):
                user = self.user(row, "encargado")
                record["encargado_id"] = user.id if user else None
            if row.has("latitud") or row.has("longitud"):
                record.update(geo.import_location(row))
            ley2300_fields(row, record)
            records.append(record)
        return records

    async def write(self, records: list[dict[str, Any]], result: ImportResult) -> None:
        unique = last_wins(records, lambda r: r["nit"])
        existing = await bulk.existing_nits(self.session, [r["nit"] for r in unique])
        changed = 0
        # Rows without coordinates leave the stored ones alone, so they are written apart.
        for columns, group in by_columns(unique).items():
            changed += await bulk.upsert_terceros(self.session, group, list(columns))
        inserted = sum(1 for r in unique if r["nit"] not in existing)
        result.inserted += inserted
        result.updated += changed - inserted
        result.unchanged += len(records) - changed


def ley2300_fields(row: Row, record: dict[str, Any]) -> None:
    """Ley 2300 columns of a terceros row (crm/ley2300.py has the rules)."""
    from crm.ley2300.rules import BadChannels, parse_channels, parse_person_type

    def person(value: Any) -> str:
        try:
            return parse_person_type(cell_text(value))
        except ValueError:
            raise BadValue("import.problem.bad_person_type", value=show(value)) from None

    def channels(value: Any) -> str:
        try:
            return parse_channels(cell_text(value))
        except BadChannels as exc:
            raise BadValue("import.problem.bad_channel", value=show(exc.value)) from None

    if row.has("tipo_persona"):
        record["tipo_persona"] = row.get("tipo_persona", person)
    if row.has("canales_autorizados"):
        record["canales_autorizados"] = row.get("canales_autorizados", channels) or None
