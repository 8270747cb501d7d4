"""Text XML forbids never enters (imports and typed text), so every report stays a valid
workbook; a broken .xlsx names its row; dates outside 2000-2099 are row errors."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from crm.erp.cells import ImportFileError, RowError
from crm.erp.importer import import_file
from crm.followups import activity
from crm.followups import lifecycle as followups
from crm.kernel.actor import resolve_actor
from crm.kernel.context import Crm
from crm.kernel.text import xml_safe
from crm.reports import build_report, parse_request
from handlers.texts import t
from storage.models import Document, FollowUp, Tercero
from tests.conftest import seed_team
from tests.support.data import make_tercero, type_id

# Every character class the issue names, in one cell: NUL, BEL, VT, FF, ESC, US, U+FFFE,
# U+FFFF. Tab, LF and CR are allowed and must be kept.
FORBIDDEN = "\x00\x07\x0b\x0c\x1b\x1f\ufffe\uffff"
DIRTY_NAME = f"Ferre{FORBIDDEN}tería\tNúñez"
CLEAN_NAME = "Ferretería Núñez"  # names collapse inner whitespace (the tab) as before
DIRTY_NOTE = "Llamar\ufffe a tesorería\uffff\x01\nsegunda línea"
CLEAN_NOTE = "Llamar a tesorería\nsegunda línea"
DOCS = "nit,tipo,numero,fecha,valor"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def xlsx(tmp_path: Path, name: str, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def patch_xlsx(path: Path, placeholder: str, raw: bytes) -> Path:
    """Replace ``placeholder`` in the sheet's XML with ``raw`` bytes, which openpyxl
    would refuse to write (a lone surrogate reference, a control character...)."""
    out = path.with_name("patched-" + path.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item.startswith("xl/worksheets/"):
                assert placeholder.encode() in data
                data = data.replace(placeholder.encode(), raw)
            target.writestr(item, data)
    return out


def assert_valid_workbook(path: Path) -> list[list[Any]]:
    """The whole workbook parses (not read-only: every sheet, every string)."""
    book = load_workbook(path)
    values: list[list[Any]] = []
    for sheet in book.worksheets:
        values.extend(list(r) for r in sheet.iter_rows(values_only=True))
    for zipped in zipfile.ZipFile(path).namelist():
        if zipped.endswith(".xml"):
            text = zipfile.ZipFile(path).read(zipped).decode("utf-8")
            assert xml_safe(text) == text, zipped
    return values


def test_xml_safe_removes_exactly_what_xml_forbids() -> None:
    assert xml_safe(FORBIDDEN) == ""
    assert xml_safe("a\ud800b\udfffc") == "abc"  # lone surrogates
    kept = "tab\there\nlf\rcr \x7f del, é, 😀, \u200b, \ufffd"
    assert xml_safe(kept) is kept


async def test_imported_cells_are_cleaned_and_reports_stay_valid_xml(
    crm: Crm, tmp_path: Path
) -> None:
    users = await seed_team(crm)
    terceros = write(
        tmp_path,
        "t.csv",
        f"nit,nombre,ciudad,encargado\n900123456-7,{DIRTY_NAME},Bo\ufffegotá,LUIS\n",
    )
    result = await import_file(crm, "terceros", terceros)
    assert result.written and result.inserted == 1, result.errors
    documentos = write(
        tmp_path,
        "d.csv",
        "nit,tipo,numero,fecha,vencimiento,valor,saldo,detalle\n"
        "900123456-7,FV,1001,2026-09-01,2026-10-01,100,100,Factura\uffff\x02 de septiembre\n",
    )
    assert (await import_file(crm, "documentos", documentos)).written
    seguimientos = write(
        tmp_path,
        "s.csv",
        "nit,tipo,vence,responsable,nota,documento\n"
        f'900123456-7,Cobro de cartera,2026-11-20 09:00,LUIS,"{DIRTY_NOTE}",FV-1001\n',
    )
    result = await import_file(crm, "seguimientos", seguimientos)
    assert result.written and result.inserted == 1, result.errors

    async with crm.sessions() as session:
        tercero = await session.scalar(select(Tercero))
        document = await session.scalar(select(Document))
        followup = await session.scalar(select(FollowUp))
    assert tercero is not None and document is not None and followup is not None
    assert (tercero.name, tercero.city) == (CLEAN_NAME, "Bogotá")
    assert document.detail == "Factura de septiembre"
    assert followup.note == CLEAN_NOTE

    admin = await resolve_actor(crm, 1)
    assert admin is not None and users["LUIS"]
    seen: list[Any] = []
    for args in ("seguimientos mes", "agenda", "actividades mes", "cartera"):
        report = await build_report(crm, admin, parse_request(args, crm.today()), "es")
        for row in assert_valid_workbook(report.path):
            seen.extend(row)
    assert CLEAN_NAME in seen and CLEAN_NOTE in seen


async def test_typed_text_is_cleaned_before_it_is_stored(crm: Crm) -> None:
    users = await seed_team(crm)
    luis = await resolve_actor(crm, 3)
    assert luis is not None
    tercero = await make_tercero(crm, "900123456-7", "Tienda", users["LUIS"])
    view = await followups.create_followup(
        crm, luis, tercero_id=tercero, type_id=await type_id(crm), note=DIRTY_NOTE
    )
    await activity.add_observation(crm, luis, view.id, f"obs{FORBIDDEN}ervación")
    async with crm.sessions() as session:
        stored = await session.get(FollowUp, view.id)
    assert stored is not None and stored.note == CLEAN_NOTE
    admin = await resolve_actor(crm, 1)
    assert admin is not None
    report = await build_report(crm, admin, parse_request("actividades mes", crm.today()))
    cells = [str(v) for row in assert_valid_workbook(report.path) for v in row]
    assert any("observación" in cell for cell in cells)


async def test_a_lone_surrogate_in_an_xlsx_names_its_row(crm: Crm, tmp_path: Path) -> None:
    rows: list[list[Any]] = [["nit", "nombre"]]
    rows += [[f"9001{i:05d}", f"Cliente {i}"] for i in range(2, 40)]
    rows.append(["900999999", "BROKEN"])  # row 40
    rows += [[f"9002{i:05d}", f"Otro {i}"] for i in range(41, 60)]
    base = xlsx(tmp_path, "t.xlsx", rows)
    # A lone surrogate (as a reference, and as raw bytes), a control character reference,
    # U+FFFE as written by openpyxl (which only refuses C0): XML no parser accepts.
    for raw in (b"a&#xD800;b", b"a\xed\xa0\x80b", b"a&#x1;b", "a\ufffeb".encode()):
        path = patch_xlsx(base, "BROKEN", raw)
        with pytest.raises(ImportFileError) as caught:
            await import_file(crm, "terceros", path)
        error = caught.value
        assert error.key == "import.file.bad_xlsx_row" and error.params["row"] == 40
        message = t("es", error.key, **error.params)
        assert message.startswith(f"{path}:40: el libro .xlsx está dañado en esta fila")
        assert "Traceback" not in message
    async with crm.sessions() as session:
        assert await session.scalar(select(Tercero)) is None  # all or nothing


@pytest.mark.parametrize(
    ("kind", "header", "row", "column", "value"),
    [
        ("seguimientos", "nit,tipo,vence", "900123456-7,Cobro,9999-12-31 23:00", "vence", None),
        ("seguimientos", "nit,tipo,vence", "900123456-7,Cobro,31/12/1999", "vence", None),
        ("documentos", DOCS, "900123456-7,FV,1,1999-12-31,5", "fecha", None),
        ("documentos", DOCS, "900123456-7,FV,1,2100-01-01,5", "fecha", None),
        (
            "documentos",
            "nit,tipo,numero,fecha,vencimiento,valor",
            "900123456-7,FV,1,2026-01-01,9999-12-31,5",
            "vencimiento",
            None,
        ),
        ("documentos", DOCS, "900123456-7,FV,1,36,5", "fecha", 36),
    ],
)  # fmt: skip
async def test_dates_outside_2000_2099_are_row_errors(
    crm: Crm, tmp_path: Path, kind: str, header: str, row: str, column: str, value: Any
) -> None:
    users = await seed_team(crm)
    await make_tercero(crm, "900123456-7", "Tienda", users["LUIS"])
    if value is None:
        path = write(tmp_path, "f.csv", f"{header}\n{row}\n")
    else:  # an Excel serial number: 36 is 1900-02-05
        path = xlsx(tmp_path, "f.xlsx", [header.split(","), [*row.split(",")[:3], value, 5]])
    errors: list[RowError] = []
    result = await import_file(crm, kind, path, on_error=errors.append)
    assert not result.written and result.bad_rows == 1
    assert [(e.row, e.column, e.key) for e in errors] == [
        (2, column, "import.problem.date_out_of_range")
    ]
    text = t("es", errors[0].key, **errors[0].params)
    assert "entre 2000 y 2099" in text
