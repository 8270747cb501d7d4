"""Who may use the database at once, through the real console script: ``restore`` refuses
while an import runs (and loses nothing), ``backup`` refuses the live database however it is
named, a second polling ``run`` is refused at start (SQLite and PostgreSQL), and Telegram's
409 Conflict ends ``run`` with one line."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.fakeapi import FakeBotApi
from tests.support.console import clean_env, console_script, crm_bot, sqlite_url

TOKEN = "7654321098:AAH-locks-token-0123456789abcdefXYZ"
PG_URL = os.environ.get("CRM_TEST_DATABASE_URL")
# Routine start-up log lines (migrations, the start line) are not part of a refusal.
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|DEBUG) ")
HEADER = "NIT;Nombre;Dirección;CIUDAD;Teléfonos;E-mail;Encargado\n"


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    text = result.stdout + result.stderr
    return [line for line in text.splitlines() if line.strip() and not LOG_LINE.match(line)]


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    env = clean_env(CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"))
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    yield tmp_path, env


def test_restore_refuses_while_an_import_runs_and_loses_nothing(
    folder: tuple[Path, dict[str, str]],
) -> None:
    tmp_path, env = folder
    database = tmp_path / "crm.db"
    assert crm_bot("backup", "antes.db", cwd=tmp_path, env=env).returncode == 0
    rows = 5000
    csv = tmp_path / "terceros.csv"
    body = "".join(f"{900000000 + i};Cliente {i};Cl {i};Cali;310{i:07d};;\n" for i in range(rows))
    csv.write_text(HEADER + body, encoding="utf-8")
    importing = subprocess.Popen(
        [console_script(), "import", "terceros", str(csv)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    marker = tmp_path / "crm.db-importing"  # written once the import starts writing
    try:
        while not marker.exists():
            assert importing.poll() is None, "the import ended before it was seen running"
            time.sleep(0.001)
        importing.send_signal(signal.SIGSTOP)  # held mid-import, whatever the machine's speed
        try:
            restore = crm_bot("restore", "antes.db", cwd=tmp_path, env=env)
        finally:
            importing.send_signal(signal.SIGCONT)
        out, err = importing.communicate(timeout=120)
    finally:
        if importing.poll() is None:
            importing.kill()
    assert restore.returncode == 1, restore.stdout + restore.stderr
    assert restore.stderr.strip() == (
        f"crm-bot: otro proceso de crm-bot (el bot, una importación, una sincronización…) está "
        f"usando {database}: espere a que termine o detenga el bot (systemctl stop crm-bot) y "
        "repita"
    )
    assert importing.returncode == 0, err
    assert f"{rows} nuevas" in out
    assert count(database, "terceros") == rows  # the import's rows are all there
    assert not [p for p in tmp_path.iterdir() if ".antes-de-restaurar-" in p.name]
    # Once the import is done, the restore goes through.
    assert crm_bot("restore", "antes.db", cwd=tmp_path, env=env).returncode == 0
    assert count(database, "terceros") == 0


@pytest.mark.parametrize("how", ["path", "relative", "symlink", "hardlink", "wal"])
def test_backup_refuses_the_live_database(folder: tuple[Path, dict[str, str]], how: str) -> None:
    tmp_path, env = folder
    database = tmp_path / "crm.db"
    add = ("users", "add", "3", "Luis", "--code", "LUIS", "--role", "agente")
    assert crm_bot(*add, cwd=tmp_path, env=env).returncode == 0
    target = {
        "path": str(database),
        "relative": "./sub/../crm.db",
        "symlink": "enlace.db",
        "hardlink": "duro.db",
        "wal": "crm.db-wal",
    }[how]
    (tmp_path / "sub").mkdir()
    if how == "symlink":
        (tmp_path / "enlace.db").symlink_to(database)
    if how == "hardlink":
        os.link(database, tmp_path / "duro.db")
    before = database.read_bytes()
    result = crm_bot("backup", target, cwd=tmp_path, env=env)
    assert result.returncode == 1, result.stdout
    [line] = lines(result)
    assert line.startswith("crm-bot: ") and "es la base de datos en uso" in line
    assert f"({database})" in line
    assert database.read_bytes() == before
    assert count(database, "users") == 1
    assert not list(tmp_path.glob("*.partial"))


def start_bot(tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [console_script(), "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def bot_env(env: dict[str, str], api: FakeBotApi, **extra: str) -> dict[str, str]:
    return {
        **env,
        "CRM_BOT_TOKEN": TOKEN,
        "CRM_BOT_API_URL": api.base_url,
        "CRM_BOT_FILE_URL": api.file_url,
        **extra,
    }


def second_run_is_refused(tmp_path: Path, env: dict[str, str], database: str) -> None:
    with FakeBotApi() as api:
        first = start_bot(tmp_path, bot_env(env, api))
        try:
            api.wait_for(lambda c: c.method == "getUpdates", timeout=60)
            second = crm_bot("run", cwd=tmp_path, env=bot_env(env, api), timeout=120)
            polls = len(api.calls_to("getUpdates"))
            api.inject(api.message(777, "hola", first_name="Extraño"))
            api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 777)
        finally:
            first.send_signal(signal.SIGTERM)
            output, _ = first.communicate(timeout=60)
    assert first.returncode == 0, output  # the first bot went on, undisturbed
    assert second.returncode == 1, second.stdout + second.stderr
    assert lines(second) == [
        f"crm-bot: otro `crm-bot run` ya recibe los mensajes de {database} (long polling): solo "
        "uno puede hacerlo; usa ese, o detenlo (systemctl stop crm-bot) y repite"
    ]
    assert polls >= 1 and "Traceback" not in second.stderr


def test_a_second_polling_run_on_the_same_sqlite_file_is_refused(
    folder: tuple[Path, dict[str, str]],
) -> None:
    tmp_path, env = folder
    second_run_is_refused(tmp_path, env, str(tmp_path / "crm.db"))


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="CRM_TEST_DATABASE_URL not set")
def test_a_second_polling_run_on_the_same_postgresql_database_is_refused(
    tmp_path: Path,
) -> None:
    assert PG_URL is not None
    env = clean_env(CRM_DATABASE_URL=PG_URL)
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    # Each process in its own folder: no SQLite lock file could be what refuses it.
    (tmp_path / "b").mkdir()
    database = PG_URL.rsplit("@", 1)[1]  # host:port/name, as the operator knows it
    with FakeBotApi() as api:
        first = start_bot(tmp_path, bot_env(env, api))
        try:
            api.wait_for(lambda c: c.method == "getUpdates", timeout=60)
            second = crm_bot("run", cwd=tmp_path / "b", env=bot_env(env, api), timeout=120)
        finally:
            first.send_signal(signal.SIGTERM)
            output, _ = first.communicate(timeout=60)
    assert first.returncode == 0, output
    assert second.returncode == 1, second.stdout + second.stderr
    assert lines(second) == [
        f"crm-bot: otro `crm-bot run` ya recibe los mensajes de {database} (long polling): solo "
        "uno puede hacerlo; usa ese, o detenlo (systemctl stop crm-bot) y repite"
    ]
    # Once the first one stopped, the lock is free again.
    with FakeBotApi() as api:
        again = start_bot(tmp_path / "b", bot_env(env, api))
        try:
            api.wait_for(lambda c: c.method == "getUpdates", timeout=60)
        finally:
            again.send_signal(signal.SIGTERM)
            output, _ = again.communicate(timeout=60)
    assert again.returncode == 0, output


@pytest.mark.parametrize("lang", ["es", "en"])
def test_telegram_409_conflict_is_one_line_and_a_clean_exit(
    folder: tuple[Path, dict[str, str]], lang: str
) -> None:
    tmp_path, env = folder
    expected = {
        "es": "Telegram respondió 409 Conflict: otro bot está recibiendo los mensajes con este "
        "token",
        "en": "Telegram answered 409 Conflict: another bot is polling with this token",
    }[lang]
    with FakeBotApi() as api:
        # Another client polls with this token somewhere: Telegram answers 409 to ours.
        api.fail_always(
            "getUpdates",
            409,
            "Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running",
        )
        result = crm_bot("run", cwd=tmp_path, env=bot_env(env, api, CRM_LANGUAGE=lang))
    assert result.returncode == 1
    [line] = lines(result)
    assert line.startswith(f"crm-bot: {expected}")
    assert "Traceback" not in result.stderr
    assert TOKEN not in result.stdout + result.stderr
