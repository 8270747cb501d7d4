"""The terceros import reads tipo_persona and canales_autorizados (Ley 2300)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from crm.erp.importer import import_file
from crm.kernel.context import Crm
from storage.models import Tercero


async def test_person_type_and_channels(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "terceros.csv"
    path.write_text(
        "nit;nombre;Tipo Persona;Canales autorizados\n"
        "900123456-7;Distribuciones Andinas;J;\n"
        "1020304050;Ana Pérez;n;WhatsApp, llamada\n"
        "79111222;Pedro Ríos;;\n",
        encoding="utf-8",
    )
    result = await import_file(crm, "terceros", path)
    assert result.written and result.inserted == 3 and not result.errors
    async with crm.sessions() as session:
        rows = (
            await session.execute(
                select(Tercero.nit, Tercero.tipo_persona, Tercero.canales_autorizados).order_by(
                    Tercero.nit
                )
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("1020304050", "N", "llamada;whatsapp"),
        ("79111222", None, None),
        ("900123456-7", "J", None),
    ]


async def test_bad_values_are_named(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "terceros.csv"
    path.write_text(
        "nit,nombre,tipo_persona,canales_autorizados\n"
        "1020304050,Ana Pérez,X,llamada\n"
        "79111222,Pedro Ríos,N,llamada;paloma\n",
        encoding="utf-8",
    )
    result = await import_file(crm, "terceros", path)
    assert not result.written
    assert [(e.row, e.column, e.key) for e in result.errors] == [
        (2, "tipo_persona", "import.problem.bad_person_type"),
        (3, "canales_autorizados", "import.problem.bad_channel"),
    ]
    assert result.errors[1].params == {"value": "paloma"}
