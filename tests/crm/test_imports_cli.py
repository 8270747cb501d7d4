"""`crm-bot import terceros|documentos|seguimientos FILE` end to end through the real CLI, on a
real SQLite file: both file types, every date/amount form, idempotence, all or nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.cli import main

TERCEROS_CSV = (
    "NIT;Nombre;Dirección;CIUDAD;Teléfonos;E-mail;Encargado;Observaciones\n"
    "00123456-7;Ferretería Núñez & Cía;Cra 7 # 12-34;Bogotá;300 123 4567/601 456 7890;"
    "compras@nunez.co;luis\n"
    "900555111;Distribuciones El Sol S.A.S.;Cl 10 # 5-20;Cali;3101112233;;ANA\n"
)


@dataclass
class Cli:
    """The real `crm-bot` CLI on a SQLite file in a temporary folder."""

    folder: Path
    capsys: pytest.CaptureFixture[str]

    def run(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = main(list(args))
        out, err = self.capsys.readouterr()
        return code, out, err

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.folder / "crm.db") as conn:
            return conn.execute(query, params).fetchall()

    def csv(self, name: str, text: str, *, bom: bool = False) -> Path:
        path = self.folder / name
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        return path

    def xlsx(self, name: str, rows: Sequence[Sequence[Any]]) -> Path:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        for row in rows:
            sheet.append(list(row))
        path = self.folder / name
        book.save(path)
        return path


@pytest.fixture
def cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Cli]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in ("CRM_LANGUAGE", "CRM_BOT_TOKEN", "CRM_ADMIN_IDS", "CRM_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
    harness = Cli(tmp_path, capsys)
    assert harness.run("db", "upgrade")[0] == 0  # only db upgrade creates a database
    assert (
        harness.run(
            "users", "add", "2", "Ana Supervisora", "--code", "ANA", "--role", "supervisor"
        )[0]
        == 0
    )
    assert (
        harness.run(
            "users",
            "add",
            "3",
            "Luis Gómez",
            "--code",
            "LUIS",
            "--role",
            "agent",
            "--supervisor",
            "ANA",
        )[0]
        == 0
    )
    assert (
        harness.run("users", "add", "6", "Ex Empleado", "--code", "GHOST", "--role", "agent")[0]
        == 0
    )
    assert harness.run("users", "deactivate", "GHOST")[0] == 0
    yield harness


def user_id(cli: Cli, code: str) -> int:
    return int(cli.sql("SELECT id FROM users WHERE code = ?", code)[0][0])


def load_terceros(cli: Cli) -> None:
    code, _, err = cli.run("import", "terceros", str(cli.csv("terceros.csv", TERCEROS_CSV)))
    assert code == 0, err


# --- terceros --------------------------------------------------------------------------------


def test_terceros_csv_with_bom_semicolons_accents_and_leading_zero_nit(cli: Cli) -> None:
    path = cli.csv("terceros.csv", TERCEROS_CSV, bom=True)
    code, out, err = cli.run("import", "terceros", str(path))
    assert code == 0, err
    assert "2 nuevas" in out
    rows = cli.sql(
        "SELECT nit, nit_base, name, search_name, address, city, phones, email, encargado_id "
        "FROM terceros ORDER BY nit"
    )
    assert rows[0] == (
        "00123456-7",
        "00123456",
        "Ferretería Núñez & Cía",
        "ferreteria nunez & cia",
        "Cra 7 # 12-34",
        "Bogotá",
        "300 123 4567; 601 456 7890",
        "compras@nunez.co",
        user_id(cli, "LUIS"),
    )
    assert rows[1][0] == "900555111" and rows[1][8] == user_id(cli, "ANA")
    assert "columnas ignoradas: Observaciones" in err


def test_terceros_xlsx_with_numeric_and_text_nits(cli: Cli) -> None:
    path = cli.xlsx(
        "terceros.xlsx",
        [
            ("nit", "NOMBRE", "telefonos", "ciudad"),
            ("000987654-1", "Tienda La Esquina", "3001112222, 3003334444", "Medellín"),
            (800123456, "Supermercado Andino", None, "Pereira"),
        ],
    )
    code, _out, err = cli.run("import", "terceros", str(path))
    assert code == 0, err
    assert cli.sql("SELECT nit, phones, city FROM terceros ORDER BY nit") == [
        ("000987654-1", "3001112222; 3003334444", "Medellín"),
        ("800123456", None, "Pereira"),
    ]


def test_reimport_changes_nothing_and_changed_rows_are_updated(cli: Cli) -> None:
    load_terceros(cli)
    before = cli.sql("SELECT * FROM terceros ORDER BY id")
    code, out, _ = cli.run("import", "terceros", str(cli.folder / "terceros.csv"))
    assert code == 0 and "0 nuevas, 0 actualizadas, 2 sin cambios" in out
    assert cli.sql("SELECT * FROM terceros ORDER BY id") == before

    changed = TERCEROS_CSV.replace("Cali", "Palmira")
    code, out, _ = cli.run("import", "terceros", str(cli.csv("t2.csv", changed)))
    assert code == 0 and "0 nuevas, 1 actualizada, 1 sin cambios" in out
    assert cli.sql("SELECT city FROM terceros WHERE nit = '900555111'") == [("Palmira",)]
    assert len(cli.sql("SELECT id FROM terceros")) == 2


def test_columns_missing_from_the_file_keep_their_values(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.csv("names.csv", "nit,nombre\n900555111,Distribuciones El Sol SAS\n")
    assert cli.run("import", "terceros", str(path))[0] == 0
    assert cli.sql("SELECT name, city, phones FROM terceros WHERE nit = '900555111'") == [
        ("Distribuciones El Sol SAS", "Cali", "3101112233")
    ]


def test_unknown_or_deactivated_encargado_is_a_bad_row(cli: Cli) -> None:
    path = cli.csv(
        "t.csv", "nit,nombre,encargado\n1,Uno,LUIS\n2,Dos,NADIE\n3,Tres,ghost\n4,,LUIS\n"
    )
    code, _out, err = cli.run("import", "terceros", str(path))
    assert code == 1
    assert err.splitlines()[:3] == [
        f"{path}:3: encargado: no existe un usuario con el código «NADIE»",
        f"{path}:4: encargado: el usuario «GHOST» está desactivado",
        f"{path}:5: nombre: falta el valor (es obligatorio)",
    ]
    assert "3 filas con errores" in err and "no se importó nada" in err
    assert cli.sql("SELECT COUNT(*) FROM terceros") == [(0,)]


# --- documentos ------------------------------------------------------------------------------


def test_documentos_xlsx_every_date_and_amount_form(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.xlsx(
        "docs.xlsx",
        [
            ("NIT", "Tipo", "Número", "Fecha", "Vencimiento", "Valor", "Saldo", "Detalle"),
            (
                "00123456-7",
                "FV",
                1001,
                datetime(2026, 9, 1),
                datetime(2026, 10, 1),
                1500000,
                1500000.5,
                "Venta",
            ),
            (
                "00123456-7",
                "fv",
                "1002",
                "2026-09-15",
                "2026-10-15 00:00",
                "1234567.89",
                "$ 1.234.567,89",
                None,
            ),
            ("900555111", "NC", "77", "05/09/2026", "5/10/2026 08:30", "$ 250.000", None, "Dev"),
            ("900555111", "RC", "9", 46270, None, "$1.000", "0", None),
        ],
    )
    code, _out, err = cli.run("import", "documentos", str(path))
    assert code == 0, err
    rows = cli.sql(
        "SELECT doc_type, number, date, due_date, CAST(value AS TEXT), CAST(balance AS TEXT), "
        "detail FROM documents ORDER BY id"
    )
    assert [r[:4] for r in rows] == [
        ("FV", "1001", "2026-09-01", "2026-10-01"),
        ("FV", "1002", "2026-09-15", "2026-10-15"),
        ("NC", "77", "2026-09-05", "2026-10-05"),
        ("RC", "9", "2026-09-05", None),
    ]
    assert [(Decimal(r[4]), Decimal(r[5])) for r in rows] == [
        (Decimal("1500000"), Decimal("1500000.5")),
        (Decimal("1234567.89"), Decimal("1234567.89")),
        (Decimal("250000"), Decimal("0")),
        (Decimal("1000"), Decimal("0")),
    ]
    assert rows[0][6] == "Venta" and rows[1][6] is None


def test_documentos_csv_comma_with_quoted_colombian_amounts(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.csv(
        "docs.csv",
        "nit,tipo,numero,fecha,valor,saldo\n"
        '900555111,FV,5001,2026-08-01 10:00,"$ 2.500.000,00","$ 1.000.000"\n'
        "900555111-3,FV,5002,01/08/2026,99.5,99.5\n",
    )
    code, _out, err = cli.run("import", "documentos", str(path))
    assert code == 0, err
    rows = cli.sql("SELECT number, CAST(value AS TEXT), CAST(balance AS TEXT) FROM documents")
    assert [(n, Decimal(v), Decimal(b)) for n, v, b in rows] == [
        ("5001", Decimal("2500000"), Decimal("1000000")),
        ("5002", Decimal("99.5"), Decimal("99.5")),  # "900555111-3" found by its base NIT
    ]


def test_documentos_reimport_in_other_forms_counts_new_changed_and_same(cli: Cli) -> None:
    load_terceros(cli)
    first = cli.csv(
        "docs.csv",
        "nit,tipo,numero,fecha,vencimiento,valor,saldo,detalle\n"
        "00123456-7,FV,1,2026-09-01,2026-10-01,1234567.89,1000.5,Venta  de   contado\n"
        "900555111,FV,2,2026-09-02,,500,500,\n",
    )
    code, out, err = cli.run("import", "documentos", str(first))
    assert code == 0, err
    assert "2 nuevas, 0 actualizadas, 0 sin cambios" in out
    # Row 1 again in the Colombian forms (same values), row 2 paid, a new row 3.
    second = cli.csv(
        "docs2.csv",
        "nit,tipo,numero,fecha,vencimiento,valor,saldo,detalle\n"
        '00123456-7,fv,1,01/09/2026,1/10/2026,"$ 1.234.567,89","1.000,50",Venta de contado\n'
        "900555111,FV,2,2026-09-02,,500,0,\n"
        "900555111,NC,3,2026-09-03,,20.5,,\n",
    )
    code, out, err = cli.run("import", "documentos", str(second))
    assert code == 0, err
    assert "3 filas leídas; 1 nueva, 1 actualizada, 1 sin cambios" in out
    rows = cli.sql(
        "SELECT number, date, due_date, CAST(value AS TEXT), CAST(balance AS TEXT), detail "
        "FROM documents ORDER BY number"
    )
    assert [(r[0], r[1], r[2], Decimal(r[3]), Decimal(r[4]), r[5]) for r in rows] == [
        ("1", "2026-09-01", "2026-10-01", Decimal("1234567.89"), Decimal("1000.5"), "Venta de"
         " contado"),
        ("2", "2026-09-02", None, Decimal("500"), Decimal("0"), None),
        ("3", "2026-09-03", None, Decimal("20.5"), Decimal("0"), None),
    ]  # fmt: skip


def test_the_last_row_of_a_key_wins_whatever_its_form(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.csv(
        "docs.csv",
        "nit,tipo,numero,fecha,valor\n"
        "900555111,FV,1,2026-09-01,100\n"
        '900555111,FV,1,2026-09-01,"$ 200"\n'
        '900555111,FV,2,2026-09-01,"$ 300"\n'
        "900555111,FV,2,2026-09-01,400\n",
    )
    code, out, err = cli.run("import", "documentos", str(path))
    assert code == 0, err
    assert "2 nuevas, 0 actualizadas, 2 sin cambios" in out
    rows = cli.sql("SELECT number, CAST(value AS TEXT), balance FROM documents ORDER BY number")
    assert [(n, Decimal(v), b) for n, v, b in rows] == [
        ("1", Decimal("200"), 0),
        ("2", Decimal("400"), 0),
    ]


def test_a_file_without_saldo_keeps_balances_and_starts_new_ones_at_zero(cli: Cli) -> None:
    load_terceros(cli)
    with_balance = "nit,tipo,numero,fecha,valor,saldo\n900555111,FV,1,2026-09-01,100,60\n"
    assert cli.run("import", "documentos", str(cli.csv("a.csv", with_balance)))[0] == 0
    without = (
        "nit,tipo,numero,fecha,valor\n"
        "900555111,FV,1,2026-09-01,150\n"
        "900555111,FV,2,2026-09-01,80\n"
    )
    code, out, err = cli.run("import", "documentos", str(cli.csv("b.csv", without)))
    assert code == 0, err
    assert "1 nueva, 1 actualizada, 0 sin cambios" in out
    rows = cli.sql("SELECT number, value, balance FROM documents ORDER BY number")
    assert rows == [("1", 150, 60), ("2", 80, 0)]


def test_a_bad_byte_deep_in_a_csv_is_reported_on_its_line(cli: Cli) -> None:
    load_terceros(cli)
    lines = [b"nit,tipo,numero,fecha,valor\n"]
    lines += [f"900555111,FV,{n},2026-09-01,100\n".encode() for n in range(1, 6000)]
    lines[4321] = "900555111,FV,x,2026-09-01,Peña\n".encode("latin-1")
    path = cli.folder / "docs.csv"
    path.write_bytes(b"".join(lines))
    code, _, err = cli.run("import", "documentos", str(path))
    assert code == 1 and "UTF-8" in err and f"{path}:4322" in err
    assert cli.sql("SELECT COUNT(*) FROM documents") == [(0,)]


BAD_DOCS = (
    "nit,tipo,numero,fecha,valor,saldo\n"
    "900555111,FV,1,2026-09-01,100,100\n"
    "999999999,FV,2,2026-09-01,100,100\n"
    "900555111,FV,3,31/02/2026,100,100\n"
    "900555111,FV,4,2026-09-01,,0\n"
    "900555111,FV,5,2026-09-01,200,200\n"
)


def test_all_or_nothing_lists_every_bad_row_and_writes_nothing(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.csv("docs.csv", BAD_DOCS)
    code, out, err = cli.run("import", "documentos", str(path))
    assert code != 0
    assert err.splitlines() == [
        f"{path}:3: nit: no existe un tercero con NIT «999999999» (importa primero los terceros)",
        f"{path}:4: fecha: la fecha «31/02/2026» no existe",
        f"{path}:5: valor: falta el valor (es obligatorio)",
        f"crm-bot: 3 filas con errores en {path}; no se importó nada. Corrígelas, o usa "
        "--skip-invalid para importar solo las filas buenas.",
    ]
    assert out == ""
    assert cli.sql("SELECT COUNT(*) FROM documents") == [(0,)]


def test_messages_in_english_when_configured(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    load_terceros(cli)
    monkeypatch.setenv("CRM_LANGUAGE", "en")
    path = cli.csv("docs.csv", BAD_DOCS)
    code, _, err = cli.run("import", "documentos", str(path))
    assert code == 1
    assert err.splitlines()[:3] == [
        f"{path}:3: nit: unknown nit '999999999' (import the terceros first)",
        f"{path}:4: fecha: impossible date '31/02/2026'",
        f"{path}:5: valor: missing required value",
    ]
    assert "nothing was imported" in err


def test_skip_invalid_writes_the_good_rows_and_lists_the_bad(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.csv("docs.csv", BAD_DOCS)
    code, out, err = cli.run("import", "documentos", str(path), "--skip-invalid")
    assert code == 0
    assert len(err.splitlines()) == 3 and f"{path}:4: fecha:" in err
    assert "2 nuevas" in out and "3 filas con errores se omitieron" in out
    assert cli.sql("SELECT number FROM documents ORDER BY number") == [("1",), ("5",)]


def test_missing_required_column_is_reported_on_row_1(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.csv("docs.csv", "nit,tipo,numero,fecha\n900555111,FV,1,2026-09-01\n")
    code, _, err = cli.run("import", "documentos", str(path), "--skip-invalid")
    assert code == 1
    assert err.splitlines()[0] == f"{path}:1: valor: falta la columna (es obligatoria)"
    assert cli.sql("SELECT COUNT(*) FROM documents") == [(0,)]


def test_row_numbers_are_file_lines_despite_blank_lines_and_multiline_cells(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.csv(
        "docs.csv",
        "nit,tipo,numero,fecha,valor,detalle\n"
        '900555111,FV,1,2026-09-01,100,"dos\nlíneas"\n'
        "\n"
        "900555111,FV,2,2026-09-99,100,\n",
    )
    _, _, err = cli.run("import", "documentos", str(path))
    assert err.splitlines()[0].startswith(f"{path}:5: fecha:")


def test_xlsx_row_numbers_count_empty_rows(cli: Cli) -> None:
    load_terceros(cli)
    path = cli.xlsx(
        "docs.xlsx",
        [
            ("nit", "tipo", "numero", "fecha", "valor"),
            ("900555111", "FV", "1", "2026-09-01", 100),
            (None, None, None, None, None),
            ("900555111", "FV", "2", "2026-09-01", "mucho"),
        ],
    )
    _, _, err = cli.run("import", "documentos", str(path))
    assert err.splitlines()[0] == (
        f"{path}:4: valor: «mucho» no es un valor: usa 1234567.89 o $ 1.234.567,89"
    )


def test_unreadable_files_are_explained(cli: Cli) -> None:
    latin = cli.folder / "latin.csv"
    latin.write_bytes("nit,nombre\n1,Peña\n".encode("latin-1"))
    code, _, err = cli.run("import", "terceros", str(latin))
    assert code == 1 and "UTF-8" in err and f"{latin}:2" in err
    code, _, err = cli.run("import", "terceros", str(cli.folder / "nope.xlsx"))
    assert code == 1 and "no existe" in err
    odd = cli.csv("t.ods", "x")
    code, _, err = cli.run("import", "terceros", str(odd))
    assert code == 1 and ".xlsx o .csv" in err
    assert cli.sql("SELECT COUNT(*) FROM terceros") == [(0,)]


# --- seguimientos ----------------------------------------------------------------------------


def load_documents(cli: Cli) -> None:
    path = cli.csv(
        "docs.csv",
        "nit,tipo,numero,fecha,valor,saldo\n"
        "00123456-7,FV,1001,2026-09-01,100,100\n"
        "900555111,FV,2001,2026-09-01,100,100\n",
    )
    assert cli.run("import", "documentos", str(path))[0] == 0


SEGUIMIENTOS = (
    "nit,tipo,vence,responsable,nota,documento\n"
    "00123456-7,Cobro de cartera,01/12/2026 09:00,,Llamar a tesorería,FV-1001\n"
    "900555111,cobro DE CARTERA,2026-12-02 15:30,LUIS,,\n"
    "900555111,Recaudo especial,2026-12-03,,Nuevo tipo,FV-2001\n"
)


def test_seguimientos_import_owner_type_document_and_created_event(cli: Cli) -> None:
    load_terceros(cli)
    load_documents(cli)
    code, out, err = cli.run("import", "seguimientos", str(cli.csv("s.csv", SEGUIMIENTOS)))
    assert code == 0, err
    assert "3 nuevas" in out and "tipos de seguimiento creados: Recaudo especial" in out
    rows = cli.sql(
        "SELECT u.code, ft.name, f.due_at, f.note, d.number, f.status FROM followups f "
        "JOIN users u ON u.id = f.owner_id JOIN followup_types ft ON ft.id = f.type_id "
        "LEFT JOIN documents d ON d.id = f.document_id ORDER BY f.id"
    )
    assert rows == [
        # Bogotá is UTC-5: 09:00 there is 14:00 UTC. No responsable: the encargado (LUIS).
        (
            "LUIS",
            "Cobro de cartera",
            "2026-12-01 14:00:00.000000",
            "Llamar a tesorería",
            "1001",
            "active",
        ),
        ("LUIS", "Cobro de cartera", "2026-12-02 20:30:00.000000", None, None, "active"),
        ("ANA", "Recaudo especial", "2026-12-03 05:00:00.000000", "Nuevo tipo", "2001", "active"),
    ]
    assert cli.sql("SELECT kind, COUNT(*) FROM followup_events GROUP BY kind") == [("created", 3)]
    assert cli.sql("SELECT default_hours FROM followup_types WHERE name = 'Recaudo especial'")


def test_seguimientos_reimport_is_idempotent_and_updates_what_changed(cli: Cli) -> None:
    load_terceros(cli)
    load_documents(cli)
    path = cli.csv("s.csv", SEGUIMIENTOS)
    assert cli.run("import", "seguimientos", str(path))[0] == 0
    snapshot = cli.sql("SELECT * FROM followups ORDER BY id")
    code, out, _ = cli.run("import", "seguimientos", str(path))
    assert code == 0 and "0 nuevas, 0 actualizadas, 3 sin cambios" in out
    assert cli.sql("SELECT * FROM followups ORDER BY id") == snapshot
    assert cli.sql("SELECT COUNT(*) FROM followup_events") == [(3,)]

    moved = SEGUIMIENTOS.replace("2026-12-02 15:30", "2026-12-05 10:00")
    code, out, _ = cli.run("import", "seguimientos", str(cli.csv("s2.csv", moved)))
    assert code == 0 and "0 nuevas, 1 actualizada, 2 sin cambios" in out
    assert cli.sql("SELECT due_at, version FROM followups WHERE id = 2") == [
        ("2026-12-05 15:00:00.000000", 2)
    ]
    assert cli.sql(
        "SELECT kind, from_due, to_due FROM followup_events WHERE followup_id = 2 ORDER BY id"
    ) == [
        ("created", None, "2026-12-02 20:30:00.000000"),
        ("imported", "2026-12-02 20:30:00.000000", "2026-12-05 15:00:00.000000"),
    ]


def test_a_closed_followup_is_not_reopened_by_a_reimport(cli: Cli) -> None:
    load_terceros(cli)
    load_documents(cli)
    path = cli.csv("s.csv", SEGUIMIENTOS.replace("2026-12-02 15:30", "2026-12-02 16:00"))
    assert cli.run("import", "seguimientos", str(path))[0] == 0
    cli.sql("UPDATE followups SET status = 'closed' WHERE id = 2")
    moved = SEGUIMIENTOS.replace("2026-12-02 15:30", "2026-12-09 10:00")
    code, out, _ = cli.run("import", "seguimientos", str(cli.csv("s2.csv", moved)))
    assert code == 0 and "0 nuevas, 0 actualizadas, 3 sin cambios" in out
    assert cli.sql("SELECT status, due_at FROM followups WHERE id = 2") == [
        ("closed", "2026-12-02 21:00:00.000000")
    ]


def test_seguimientos_bad_rows(cli: Cli) -> None:
    load_terceros(cli)
    load_documents(cli)
    cli.sql("UPDATE terceros SET encargado_id = NULL WHERE nit = '900555111'")
    path = cli.csv(
        "s.csv",
        "nit,tipo,vence,responsable,nota,documento\n"
        "00123456-7,Cobro de cartera,01/12/2026 09:00,,,FV-2001\n"  # another tercero's doc
        "00123456-7,Cobro de cartera,01/12/2026 09:00,,,FV-9\n"
        "00123456-7,Cobro de cartera,01/12/2026 09:00,,,1001\n"
        "111,Cobro de cartera,01/12/2026 09:00,LUIS,,\n"
        "900555111,Cobro de cartera,01/12/2026,,,\n"  # no responsable, no encargado
        "900555111,,,GHOST,,\n",
    )
    code, _out, err = cli.run("import", "seguimientos", str(path))
    assert code == 1
    assert err.splitlines()[:7] == [
        f"{path}:2: documento: el tercero 00123456-7 no tiene el documento «FV-2001»",
        f"{path}:3: documento: el tercero 00123456-7 no tiene el documento «FV-9»",
        f"{path}:4: documento: escribe el documento como TIPO-NUMERO (ej. FV-1001), no «1001»",
        f"{path}:5: nit: no existe un tercero con NIT «111» (importa primero los terceros)",
        f"{path}:6: responsable: vacío y el tercero 900555111 no tiene encargado: escribe el "
        "código del responsable",
        f"{path}:7: tipo: falta el valor (es obligatorio)",
        f"{path}:7: vence: falta el valor (es obligatorio)",
    ]
    assert f"{path}:7: responsable: el usuario «GHOST» está desactivado" in err
    assert cli.sql("SELECT COUNT(*) FROM followups") == [(0,)]
