"""The ERP drop folder with a running bot (good file, bad file, half-copied file) and
``crm-bot sync`` for cron, through the console script."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from bot.fakeapi import FakeBotApi
from tests.support.console import clean_env, console_script, crm_bot, sqlite_url

TOKEN = "7654321098:AAH-drop-token-0123456789abcdefXYZ"
ADMIN = 5001

USUARIOS = "codigo,nombre,rol,supervisor\nANA,Ana Sup,supervisor,\nLUIS,Luis Gómez,agente,ANA\n"
TERCEROS = "nit,nombre,encargado\n900111222,El Sol SAS,LUIS\n"
DOCUMENTOS_MALO = (
    "nit,tipo,numero,fecha,valor\n"
    "900111222,FV,1001,2026-11-01,100000\n"
    "999999999,FV,1002,2026-11-01,50000\n"  # 3: no such tercero
    "900111222,FV,1003,31/02/2026,70000\n"  # 4: no such date
)
SEGUIMIENTOS = "nit,tipo,vence,responsable\n900111222,Llamada,2026-12-10 09:00,LUIS\n"


def settled(path: Path, text: str) -> Path:
    """A file the ERP finished writing two hours ago."""
    path.write_text(text, encoding="utf-8")
    old = time.time() - 7200
    os.utime(path, (old, old))
    return path


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = clean_env(CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"))
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    admin = ("users", "add", str(ADMIN), "Admin", "--code", "ADMIN", "--role", "admin")
    assert crm_bot(*admin, cwd=tmp_path, env=env).returncode == 0
    return env


def sql(tmp_path: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "crm.db") as conn:
        return conn.execute(query).fetchall()


def test_running_bot_imports_the_drop_folder_and_tells_the_admins(
    tmp_path: Path, env: dict[str, str]
) -> None:
    drop = tmp_path / "erp"
    drop.mkdir()
    # Written in the "wrong" order: the folder still imports usuarios before terceros.
    settled(drop / "terceros.csv", TERCEROS)
    settled(drop / "usuarios.csv", USUARIOS)
    settled(drop / "documentos-malo.csv", DOCUMENTOS_MALO)
    (drop / "seguimientos.csv").write_text(SEGUIMIENTOS, encoding="utf-8")  # still copying
    (drop / "notas.txt").write_text("not ours", encoding="utf-8")
    with FakeBotApi() as api:
        bot_env = {
            **env,
            "CRM_BOT_TOKEN": TOKEN,
            "CRM_BOT_API_URL": api.base_url,
            "CRM_BOT_FILE_URL": api.file_url,
            "CRM_IMPORT_DIR": str(drop),
            "CRM_IMPORT_SETTLE_SECONDS": "3600",
            "CRM_IMPORT_SCAN_SECONDS": "1",
        }
        process = subprocess.Popen(
            [console_script(), "run"],
            cwd=tmp_path,
            env=bot_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            first = api.wait_for(
                lambda c: c.method == "sendMessage" and c.chat_id == ADMIN, timeout=60
            )
            attached = api.wait_for(lambda c: c.method == "sendDocument", timeout=30)
            # The half-copied file is left alone until it settles or gets its .listo marker.
            assert (drop / "seguimientos.csv").exists()
            (drop / "seguimientos.csv.listo").write_text("", encoding="utf-8")
            second = api.wait_for(
                lambda c: c.method == "sendMessage" and "✅ seguimientos.csv" in c.text,
                timeout=60,
            )  # fmt: skip
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    lines = first.text.splitlines()
    assert lines[0] == f"📥 Importación desde {drop}:"
    assert lines[1] == "✅ usuarios.csv: 2 filas; 2 nuevas, 0 actualizadas, 0 sin cambios"
    assert lines[2] == "✅ terceros.csv: 1 filas; 1 nuevas, 0 actualizadas, 0 sin cambios"
    assert lines[3].startswith("❌ documentos-malo.csv: 2 filas con errores; no se importó nada")
    assert (
        "documentos-malo.csv:3: nit:" in first.text
        and "documentos-malo.csv:4: fecha:" in first.text
    )
    assert "seguimientos.csv" in lines[-1] and lines[-1].startswith("⏳")
    assert attached.params["document"]["filename"] == "documentos-malo.errores.txt"
    assert "1 filas; 1 nuevas" in second.text

    assert sorted(p.name for p in (drop / "procesados").iterdir()) == [
        "seguimientos.csv",
        "terceros.csv",
        "usuarios.csv",
    ]
    rejected = drop / "rechazados"
    assert sorted(p.name for p in rejected.iterdir()) == [
        "documentos-malo.csv",
        "documentos-malo.errores.txt",
    ]
    errors = (rejected / "documentos-malo.errores.txt").read_text(encoding="utf-8").splitlines()
    assert len(errors) == 2 and errors[0].startswith("documentos-malo.csv:3: nit: ")
    assert sorted(p.name for p in drop.iterdir()) == ["notas.txt", "procesados", "rechazados"]
    assert sql(tmp_path, "SELECT COUNT(*) FROM documents") == [(0,)]  # all or nothing
    assert sql(tmp_path, "SELECT COUNT(*) FROM followups WHERE import_key IS NOT NULL") == [(1,)]
    assert TOKEN.split(":")[1] not in output


def test_sync_does_one_pass_for_cron(tmp_path: Path, env: dict[str, str]) -> None:
    drop = tmp_path / "erp"
    drop.mkdir()
    settled(drop / "usuarios.csv", USUARIOS)
    settled(drop / "terceros.xlsx", "this is no workbook")
    result = crm_bot("sync", str(drop), cwd=tmp_path, env=env)
    assert result.returncode == 1  # a file was rejected
    assert "✅ usuarios.csv: 2 filas; 2 nuevas" in result.stdout
    assert "❌ terceros.xlsx" in result.stdout
    assert "terceros.xlsx no es un libro de Excel válido" in result.stdout
    assert (drop / "rechazados" / "terceros.errores.txt").exists()
    again = crm_bot("sync", cwd=tmp_path, env={**env, "CRM_IMPORT_DIR": str(drop)})
    assert again.returncode == 0 and f"nada que importar en {drop}" in again.stdout
    fresh = drop / "usuarios-2.csv"
    fresh.write_text(USUARIOS, encoding="utf-8")  # being written right now
    waiting = crm_bot("sync", str(drop), cwd=tmp_path, env=env)
    assert waiting.returncode == 0 and "⏳" in waiting.stdout and fresh.exists()
    quick = crm_bot("sync", str(drop), cwd=tmp_path, env={**env, "CRM_IMPORT_SETTLE_SECONDS": "0"})
    assert quick.returncode == 0 and "usuarios-2.csv: 2 filas; 0 nuevas" in quick.stdout


def test_one_instance_at_a_time(tmp_path: Path, env: dict[str, str]) -> None:
    """While another instance holds the folder's lease, sync leaves the files alone."""
    import asyncio
    from datetime import UTC, datetime, timedelta

    from crm.dropfolder import LEASE
    from storage import botstate
    from storage.db import make_engine, make_session_factory

    async def hold() -> None:
        engine = make_engine(sqlite_url(tmp_path / "crm.db"))
        now = datetime.now(UTC)
        taken = await botstate.take_lease(
            make_session_factory(engine), *LEASE, "other-instance", now, now + timedelta(hours=1)
        )
        await engine.dispose()
        assert taken

    drop = tmp_path / "erp"
    drop.mkdir()
    settled(drop / "usuarios.csv", USUARIOS)
    asyncio.run(hold())
    result = crm_bot("sync", str(drop), cwd=tmp_path, env=env)
    assert result.returncode == 0
    assert "otra instancia está procesando la carpeta" in result.stdout
    assert (drop / "usuarios.csv").exists() and not (drop / "procesados").exists()
