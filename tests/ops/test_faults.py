"""Operator faults: one actionable line, a non-zero exit, no traceback unless debugging.

Everything runs the real ``crm-bot`` console script in a temporary folder.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import subprocess
from pathlib import Path

import pytest

from bot.cli.faults import fault_line
from bot.fakeapi import FakeBotApi
from tests.support.console import clean_env, console_script, crm_bot, sqlite_url

TOKEN = "7654321098:AAH-faults-token-0123456789abcdefXYZ"


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The single line the command printed on stderr (it must be exactly one)."""
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture
def db(tmp_path: Path) -> dict[str, str]:
    env = clean_env(CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"))
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    return env


def test_bot_api_unreachable_at_run(tmp_path: Path, db: dict[str, str]) -> None:
    env = {**db, "CRM_BOT_TOKEN": TOKEN, "CRM_BOT_API_URL": "http://127.0.0.1:9/bot"}
    result = crm_bot("run", cwd=tmp_path, env=env)
    assert result.returncode == 1
    line = one_line(result)
    assert line.startswith("crm-bot: no se pudo conectar con la API de Telegram en 127.0.0.1:9")
    assert "cortafuegos" in line
    assert TOKEN.split(":")[1] not in result.stdout + result.stderr


def test_postgresql_down(tmp_path: Path) -> None:
    env = clean_env(CRM_DATABASE_URL="postgresql+asyncpg://crm@127.0.0.1:9/empresa")
    result = crm_bot("users", "list", cwd=tmp_path, env=env)
    assert result.returncode == 1
    line = one_line(result)
    assert "no se pudo conectar con la base de datos 127.0.0.1:9/empresa" in line
    assert "PostgreSQL" in line


def test_postgresql_url_without_the_async_driver(tmp_path: Path) -> None:
    env = clean_env(CRM_DATABASE_URL="postgresql://crm:secreto@db/empresa", CRM_LANGUAGE="en")
    result = crm_bot("users", "list", cwd=tmp_path, env=env)
    assert result.returncode != 0
    line = one_line(result)
    assert line.startswith("crm-bot: CRM_DATABASE_URL: use sqlite+aiosqlite:///")
    assert "postgresql+asyncpg://" in line
    assert "secreto" not in line  # the password is not echoed


def test_a_time_zone_without_its_region(tmp_path: Path) -> None:
    result = crm_bot("users", "list", cwd=tmp_path, env=clean_env(CRM_TIMEZONE="Bogota"))
    assert result.returncode != 0
    assert one_line(result) == (
        "crm-bot: CRM_TIMEZONE=Bogota no es una zona horaria: use un nombre completo como "
        "America/Bogota"
    )


def test_a_corrupt_xlsx(tmp_path: Path, db: dict[str, str]) -> None:
    (tmp_path / "terceros.xlsx").write_bytes(b"PK\x03\x04 half a workbook")
    result = crm_bot("import", "terceros", "terceros.xlsx", cwd=tmp_path, env=db)
    assert result.returncode == 1
    assert one_line(result) == (
        "crm-bot: terceros.xlsx no es un libro de Excel válido (está dañado, incompleto o es de "
        "otro formato): ábralo en Excel y guárdelo de nuevo como .xlsx, o expórtelo como .csv"
    )


def test_a_database_that_cannot_be_opened(tmp_path: Path) -> None:
    (tmp_path / "crm.db").mkdir()  # a folder where the file should be: SQLite cannot open it
    env = clean_env(CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"))
    result = crm_bot("users", "list", cwd=tmp_path, env=env)
    assert result.returncode == 1
    line = one_line(result)
    assert f"no se puede abrir o escribir la base de datos {tmp_path / 'crm.db'}" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_permission_denied_on_a_file(tmp_path: Path, db: dict[str, str]) -> None:
    path = tmp_path / "terceros.csv"
    path.write_text("nit,nombre\n900,El Sol\n", encoding="utf-8")
    path.chmod(0)
    result = crm_bot("import", "terceros", str(path), cwd=tmp_path, env=db)
    assert result.returncode == 1
    assert one_line(result).startswith(f"crm-bot: permiso denegado en {path}")


def test_permission_denied_line() -> None:
    error = PermissionError(errno.EACCES, "Permission denied", "/srv/erp/terceros.csv")
    assert fault_line(error, "es") == (
        "permiso denegado en /srv/erp/terceros.csv: dé permiso al usuario que ejecuta crm-bot "
        "o use otra ruta"
    )
    assert fault_line(error, "en").startswith("permission denied on /srv/erp/terceros.csv")


def test_the_traceback_is_there_when_debugging(tmp_path: Path) -> None:
    env = clean_env(CRM_DATABASE_URL="postgresql+asyncpg://crm@127.0.0.1:9/empresa")
    flag = crm_bot("--debug", "users", "list", cwd=tmp_path, env=env)
    assert flag.returncode == 1 and "Traceback" in flag.stderr
    level = crm_bot("users", "list", cwd=tmp_path, env={**env, "CRM_LOG_LEVEL": "DEBUG"})
    assert level.returncode == 1 and "Traceback" in level.stderr


def test_commands_refuse_to_create_a_stray_database(tmp_path: Path) -> None:
    other = tmp_path / "otra-carpeta"
    other.mkdir()
    for argv in (("users", "list"), ("catalog", "list"), ("report", "cartera", "-o", "x.xlsx")):
        result = crm_bot(*argv, cwd=other)  # the default ./crm.db, from the wrong folder
        assert result.returncode == 1
        line = one_line(result)
        assert f"no existe la base de datos {other / 'crm.db'}" in line
        assert "crm-bot db upgrade" in line
        assert list(other.iterdir()) == []
    assert crm_bot("db", "upgrade", cwd=other).returncode == 0
    assert (other / "crm.db").exists()


def test_version(tmp_path: Path) -> None:
    from importlib.metadata import version

    result = crm_bot("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"crm-bot {version('crm-bot')}"


def test_run_says_what_is_running_in_one_line(tmp_path: Path, db: dict[str, str]) -> None:
    with FakeBotApi() as api:
        env = {
            **db,
            "CRM_BOT_TOKEN": TOKEN,
            "CRM_BOT_API_URL": api.base_url,
            "CRM_BOT_FILE_URL": api.file_url,
        }
        process = subprocess.Popen(
            [console_script(), "run"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            api.wait_for(lambda c: c.method == "getUpdates", timeout=60)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
    from importlib.metadata import version

    started = [line for line in output.splitlines() if " started as @" in line]
    assert len(started) == 1, output
    assert started[0].endswith(
        f"crm-bot {version('crm-bot')} started as @crm_test_bot: database "
        f"{tmp_path / 'crm.db'}, mode polling, time zone America/Bogota"
    )
    assert "alembic" not in output and "apscheduler" not in output
    assert TOKEN.split(":")[1] not in output


def test_routine_scheduler_lines_only_at_debug() -> None:
    from bot.startline import quiet_routine_loggers

    job_log = logging.getLogger("apscheduler.executors.default")
    try:
        quiet_routine_loggers(logging.INFO)
        assert not job_log.isEnabledFor(logging.INFO)
        assert job_log.isEnabledFor(logging.WARNING)
        quiet_routine_loggers(logging.DEBUG)
        assert job_log.isEnabledFor(logging.DEBUG)
    finally:
        for name in ("apscheduler", "alembic"):
            logging.getLogger(name).setLevel(logging.NOTSET)
        logging.getLogger("telegram.ext").filters.clear()
