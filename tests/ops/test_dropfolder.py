"""The ERP drop folder with a running bot (good file, bad file, half-copied file) and
``crm-bot sync`` for cron, through the console script."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from bot.fakeapi import FakeBotApi
from crm.erp.dropfolder import sync_folder
from crm.kernel.context import Crm
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
    settled(drop / "terceros\n✅ falso.csv: 9 filas.csv", TERCEROS)  # a line of its own?
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
    assert not any(line.startswith("✅ falso") for line in lines), first.text
    assert any(
        line.startswith("❌ 'terceros\\n✅ falso.csv: 9 filas.csv': el nombre tiene caracteres")
        for line in lines
    ), first.text
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
        "terceros_✅ falso.csv: 9 filas.csv",
        "terceros_✅ falso.csv: 9 filas.errores.txt",
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

    from crm.erp.dropfolder import LEASE
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


# --- side doors (issue 20): what the folder holds is not trusted ------------------------------


def quick(env: dict[str, str], **extra: str) -> dict[str, str]:
    """Files count as settled at once: the tests below are about what else is checked."""
    return {**env, "CRM_IMPORT_SETTLE_SECONDS": "0", **extra}


def test_symlinks_are_not_followed(tmp_path: Path, env: dict[str, str]) -> None:
    drop = tmp_path / "erp"
    drop.mkdir()
    outside = settled(tmp_path / "secret.csv", TERCEROS)
    (drop / "terceros.csv").symlink_to(outside)
    (drop / "usuarios.csv").symlink_to("/etc/passwd")
    result = crm_bot("sync", str(drop), cwd=tmp_path, env=quick(env))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "root:" not in result.stdout and "El Sol" not in result.stdout
    assert "❌ terceros.csv: no es un archivo normal" in result.stdout
    assert "❌ usuarios.csv: no es un archivo normal" in result.stdout
    assert sql(tmp_path, "SELECT COUNT(*) FROM terceros") == [(0,)]
    assert sql(tmp_path, "SELECT COUNT(*) FROM users") == [(1,)]  # the admin only
    # The links themselves were set aside; what they point at is untouched.
    rejected = drop / "rechazados"
    assert (rejected / "terceros.csv").is_symlink() and (rejected / "usuarios.csv").is_symlink()
    assert outside.read_text(encoding="utf-8") == TERCEROS
    reason = (rejected / "usuarios.errores.txt").read_text(encoding="utf-8")
    assert "no es un archivo normal" in reason


@pytest.mark.skipif(not os.path.isdir("/proc/self/fdinfo"), reason="needs Linux /proc")
def test_a_file_still_open_for_writing_is_left_alone(tmp_path: Path, env: dict[str, str]) -> None:
    """The writer paused longer than the settle time: the file looks settled, but it is still
    open for writing, so it is neither read nor moved."""
    drop = tmp_path / "erp"
    drop.mkdir()
    path = drop / "usuarios.csv"
    head, rest = USUARIOS.split("LUIS")
    with path.open("w", encoding="utf-8") as writer:
        writer.write(head)
        writer.flush()
        old = time.time() - 7200
        os.utime(path, (old, old))
        paused = crm_bot("sync", str(drop), cwd=tmp_path, env=quick(env))
        assert paused.returncode == 0, paused.stdout + paused.stderr
        assert "⏳" in paused.stdout and "usuarios.csv" in paused.stdout
        assert path.exists() and not (drop / "procesados").exists()
        writer.write("LUIS" + rest)
    os.utime(path, (old, old))
    done = crm_bot("sync", str(drop), cwd=tmp_path, env=quick(env))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "✅ usuarios.csv: 2 filas; 2 nuevas" in done.stdout


def test_bad_names_are_set_aside_and_the_others_imported(
    tmp_path: Path, env: dict[str, str]
) -> None:
    drop = tmp_path / "erp"
    drop.mkdir()
    long_name = "terceros-" + "x" * 237 + ".csv"
    assert len(long_name) == 250
    settled(drop / long_name, TERCEROS)
    settled(drop / "terceros\n✅ falso.csv: 999 filas.csv", TERCEROS)
    settled(drop / "documentos.csv ", DOCUMENTOS_MALO)
    settled(drop / "usuarios.csv", USUARIOS)
    result = crm_bot("sync", str(drop), cwd=tmp_path, env=quick(env))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "✅ usuarios.csv: 2 filas; 2 nuevas, 0 actualizadas, 0 sin cambios" in lines
    assert not any(line.startswith("✅ falso") for line in lines)
    refused = [line for line in lines if line.startswith("❌")]
    assert len(refused) == 3, result.stdout
    assert any("nombre demasiado largo" in line for line in refused)
    assert any("caracteres de control" in line and "falso" in line for line in refused)
    assert any("'documentos.csv '" in line and "espacios al final" in line for line in refused)
    assert sql(tmp_path, "SELECT COUNT(*) FROM terceros") == [(0,)]
    assert sorted(p.name for p in drop.iterdir()) == ["procesados", "rechazados"]
    kept = sorted(p.name for p in (drop / "rechazados").iterdir())
    assert len(kept) == 6 and all(len(name) <= 120 for name in kept), kept
    assert all(name.isprintable() and name == name.strip() for name in kept), kept
    assert "documentos.csv" in kept and "documentos.errores.txt" in kept


def test_an_empty_setting_means_unset(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's own .env: CRM_IMPORT_DIR= and CRM_BACKUP_DIR= mean "no folder", never the
    current one, whose files are not the ERP's."""
    (tmp_path / ".env").write_text("CRM_IMPORT_DIR=\nCRM_BACKUP_DIR=\n", encoding="utf-8")
    kept = settled(tmp_path / "usuarios.csv", USUARIOS)
    result = crm_bot("sync", cwd=tmp_path, env=quick(env))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "configure CRM_IMPORT_DIR" in result.stderr
    assert kept.exists() and not (tmp_path / "procesados").exists()

    from bot.settings import Settings

    for name in Settings.model_fields:
        monkeypatch.delenv(f"CRM_{name.upper()}", raising=False)
    settings = Settings(_env_file=tmp_path / ".env")  # type: ignore[call-arg]
    assert settings.import_dir is None and settings.backup_dir is None
    # Every setting, empty or blank in the environment, is its default.
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    for number, name in enumerate(Settings.model_fields):
        monkeypatch.setenv(f"CRM_{name.upper()}", " " * (number % 2))
    assert Settings(_env_file=None) == defaults  # type: ignore[call-arg]


def test_the_working_folder_is_never_the_drop_folder(tmp_path: Path, env: dict[str, str]) -> None:
    kept = settled(tmp_path / "usuarios.csv", USUARIOS)
    for folder in (".", str(tmp_path), ".."):
        result = crm_bot("sync", folder, cwd=tmp_path, env=quick(env))
        assert result.returncode == 1, result.stdout + result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "no puede ser la carpeta de trabajo" in lines[0], lines
    run = crm_bot(
        "run", cwd=tmp_path, env={**quick(env), "CRM_BOT_TOKEN": TOKEN, "CRM_IMPORT_DIR": "."}
    )
    assert run.returncode == 2
    assert "CRM_IMPORT_DIR" in run.stderr and "no puede ser la carpeta de trabajo" in run.stderr
    backup = crm_bot(
        "run", cwd=tmp_path, env={**quick(env), "CRM_BOT_TOKEN": TOKEN, "CRM_BACKUP_DIR": "."}
    )
    assert backup.returncode == 2 and "CRM_BACKUP_DIR" in backup.stderr
    assert kept.exists() and not (tmp_path / "procesados").exists()


# --- in process: what the parser is given, and on which thread --------------------------------


async def test_an_oversize_file_is_refused_without_being_read(
    sqlite_crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import crm.erp.importer

    opened: list[Path] = []

    def spy(path: Path, *args: Any) -> Any:
        opened.append(path)
        raise AssertionError("the parser was given the oversize file")

    monkeypatch.setattr(crm.erp.importer, "open_sheet", spy)
    drop = tmp_path / "erp"
    drop.mkdir()
    with (drop / "documentos.csv").open("wb") as sparse:
        sparse.truncate(2 * 1024**3)  # 2 GB of nothing, no disk used
    old = time.time() - 7200
    os.utime(drop / "documentos.csv", (old, old))
    report = await sync_folder(sqlite_crm, drop, 0, "test", explain)
    assert report is not None and opened == []
    [outcome] = report.outcomes
    assert not outcome.ok and "2048 MB" in outcome.errors[0] and "200 MB" in outcome.errors[0]
    assert (drop / "rechazados" / "documentos.csv").stat().st_size == 2 * 1024**3


async def test_the_parser_runs_off_the_event_loop(
    sqlite_crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import crm.erp.importer

    threads: list[threading.Thread] = []
    real = crm.erp.importer.open_sheet

    def spy(path: Path, *args: Any) -> Any:
        threads.append(threading.current_thread())
        return real(path, *args)

    monkeypatch.setattr(crm.erp.importer, "open_sheet", spy)
    drop = tmp_path / "erp"
    drop.mkdir()
    settled(drop / "usuarios.csv", USUARIOS)
    report = await sync_folder(sqlite_crm, drop, 0, "test", explain)
    assert report is not None and [o.ok for o in report.outcomes] == [True]
    assert threads and threading.main_thread() not in threads


def explain(key: str, params: dict[str, Any]) -> str:
    from handlers.texts import t

    return t("es", key, **params)
