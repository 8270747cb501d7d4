"""``crm-bot catalog``: the same catalogs from the command line, on a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.db"
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite+aiosqlite:///{path}")
    monkeypatch.setenv("CRM_LANGUAGE", "es")
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    assert main(["db", "upgrade"]) == 0  # only db upgrade creates a database
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_add_change_and_list(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "catalog", "add", "tipo", "Visita técnica", "--horas", "48")[0] == 0
    code, out, _ = run(
        capsys, "catalog", "add", "estado", "Pagado parcial", "--significado", "closed"
    )
    assert code == 0 and "cierre" in out  # the CLI speaks Spanish by default
    assert run(capsys, "catalog", "hours", "visita técnica", "36")[0] == 0
    assert run(capsys, "catalog", "rename", "tipo", "Visita técnica", "Visita de soporte")[0] == 0
    assert run(capsys, "catalog", "deactivate", "actividad", "Mensaje enviado")[0] == 0
    assert run(capsys, "catalog", "effect", "Llamada sin respuesta", "retroceso")[0] == 0
    template = db.parent / "carta.txt"
    template.write_text("Señores {nombre}\nSaldo {saldo}\n", encoding="utf-8")
    code, _, _ = run(
        capsys, "catalog", "add", "documento", "Carta", "--plantilla-archivo", str(template)
    )
    assert code == 0
    code, out, _ = run(capsys, "catalog", "list")
    assert code == 0
    assert "36 h" in out and "Visita de soporte" in out and "Visita técnica" not in out
    lines = {line.split(None, 3)[-1]: line for line in out.splitlines() if line[:1] == " "}
    assert "inactivo" in lines["Mensaje enviado"]
    assert "retroceso" in lines["Llamada sin respuesta"]
    assert "plantilla" in lines["Carta"]
    assert run(capsys, "catalog", "activate", "actividad", "Mensaje enviado")[0] == 0
    _, out, _ = run(capsys, "catalog", "list", "actividades")
    assert "[actividades]" in out and "[tipos]" not in out
    assert "inactivo" not in out


def test_an_activitys_contact_channel(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "catalog", "list", "actividad")
    lines = {line.split(None, 3)[-1]: line for line in out.splitlines() if line[:1] == " "}
    assert "avance·llamada" in lines["Llamada contestada"]
    assert "·" not in lines["Pedido tomado"]
    code, out, _ = run(capsys, "catalog", "channel", "Pedido tomado", "visita")
    assert code == 0 and "neutral·visita" not in out and "avance·visita" in out
    assert run(capsys, "catalog", "channel", "Llamada contestada", "ninguno")[0] == 0
    code, _, err = run(capsys, "catalog", "channel", "Pedido tomado", "paloma")
    assert code == 1 and "Canal no válido" in err
    code, out, _ = run(capsys, "catalog", "add", "actividad", "Correo de cobro")
    assert code == 0 and "·correo" in out
    _, out, _ = run(capsys, "catalog", "list", "actividad")
    lines = {line.split(None, 3)[-1]: line for line in out.splitlines() if line[:1] == " "}
    assert "·" not in lines["Llamada contestada"] and "·visita" in lines["Pedido tomado"]


def test_errors_are_explained_and_change_nothing(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "catalog", "add", "tipo", "Cobro de cartera", "--horas", "5")
    assert code == 1 and "Ya existe" in err
    code, _, err = run(capsys, "catalog", "add", "estado", "Raro", "--significado", "azul")
    assert code == 1 and "Significado no válido" in err
    code, _, err = run(capsys, "catalog", "hours", "Cobro de cartera", "9999")
    assert code == 1 and "720" in err
    code, _, err = run(capsys, "catalog", "add", "documento", "Mala", "--plantilla", "{x}")
    assert code == 1 and "{x}" in err
    code, _, err = run(capsys, "catalog", "rename", "planeta", "a", "b")
    assert code == 1 and "Catálogo desconocido" in err
    code, _, err = run(capsys, "catalog", "deactivate", "tipo", "No existe")
    assert code == 1 and "No encontré" in err
    _, out, _ = run(capsys, "catalog", "list", "tipo")
    assert "Raro" not in out and "24 h" in out


def test_cli_cannot_take_the_meaning_of_the_last_closing_state(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("Pagado", "Pedido entregado", "Visita realizada"):
        assert run(capsys, "catalog", "meaning", name, "open")[0] == 0
    code, _, err = run(capsys, "catalog", "meaning", "Acuerdo logrado", "discarded")
    assert code == 1 and "último estado de cierre" in err
    code, out, _ = run(capsys, "catalog", "list", "estados")
    line = next(x for x in out.splitlines() if "Acuerdo logrado" in x)
    assert "cierre" in line and "inactivo" not in line
