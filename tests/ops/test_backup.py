"""``crm-bot backup`` / ``restore`` round trip while a bot runs, the nightly copy with its
rotation, and pg_dump on PostgreSQL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.backupjob import nightly_backup
from bot.fakeapi import FakeBotApi
from bot.settings import Settings
from crm.kernel.clock import FakeClock
from tests.support.console import clean_env, console_script, crm_bot, sqlite_url
from tests.support.crmkit import START, make_test_crm

TOKEN = "7654321098:AAH-backup-token-0123456789abcdefXY"


def users(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT code FROM users ORDER BY code").fetchall()


def test_backup_while_the_bot_runs_and_restore_once_it_stopped(tmp_path: Path) -> None:
    database = tmp_path / "crm.db"
    env = clean_env(CRM_DATABASE_URL=sqlite_url(database))
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    add = ("users", "add", "3", "Luis", "--code", "LUIS", "--role", "agente")
    assert crm_bot(*add, cwd=tmp_path, env=env).returncode == 0
    with FakeBotApi() as api:
        bot_env = {
            **env,
            "CRM_BOT_TOKEN": TOKEN,
            "CRM_BOT_API_URL": api.base_url,
            "CRM_BOT_FILE_URL": api.file_url,
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
            api.wait_for(lambda c: c.method == "getUpdates", timeout=60)
            api.inject(api.message(3, "/start", first_name="Luis"))  # the bot writes meanwhile
            copy = crm_bot("backup", "copias/hoy.db", cwd=tmp_path, env=env)
            api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 3)
            busy = crm_bot("restore", "copias/hoy.db", cwd=tmp_path, env=env)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert copy.returncode == 0, copy.stderr
    backup = tmp_path / "copias" / "hoy.db"
    assert f"copia de {database} en {backup}" in copy.stdout
    assert users(backup) == [("LUIS",)]
    assert busy.returncode == 1
    assert busy.stderr.strip() == (
        f"crm-bot: otro proceso de crm-bot (el bot, una importación, una sincronización…) está "
        f"usando {database}: espere a que termine o detenga el bot (systemctl stop crm-bot) y "
        "repita"
    )

    later = ("users", "add", "4", "María", "--code", "MARIA", "--role", "agente")
    assert crm_bot(*later, cwd=tmp_path, env=env).returncode == 0
    restored = crm_bot("restore", str(backup), cwd=tmp_path, env=env)
    assert restored.returncode == 0, restored.stderr
    assert users(database) == [("LUIS",)]
    kept = [p for p in tmp_path.iterdir() if ".antes-de-restaurar-" in p.name]
    assert len(kept) == 1 and users(kept[0]) == [("LUIS",), ("MARIA",)]
    listed = crm_bot("users", "list", cwd=tmp_path, env=env)
    assert "LUIS" in listed.stdout and "MARIA" not in listed.stdout

    (tmp_path / "junk.db").write_bytes(b"not a database at all")
    junk = crm_bot("restore", "junk.db", cwd=tmp_path, env=env)
    assert junk.returncode == 1 and "no es una copia de crm-bot" in junk.stderr
    assert users(database) == [("LUIS",)]


async def test_nightly_backup_keeps_the_last_ones_once_per_day(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "crm.db")
    clock = FakeClock(START)
    crm = await make_test_crm(url, clock)
    folder = tmp_path / "copias"
    folder.mkdir()
    for day in range(1, 10):
        (folder / f"crm-202611{day:02d}-020000.db").write_bytes(b"old")
    settings = Settings(database_url=url, backup_dir=folder, backup_keep=7)
    try:
        made = await nightly_backup(crm, settings, "instance-a")
        assert made is not None and made.name == "crm-20261127-140000.db"
        assert await nightly_backup(crm, settings, "instance-b") is None  # the day is taken
        clock.advance(days=1)
        second = await nightly_backup(crm, settings, "instance-b")
    finally:
        await crm.sessions.kw["bind"].dispose()
    assert second is not None
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 7 and names[-2:] == [made.name, second.name]
    with sqlite3.connect(second) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()


@pytest.mark.skipif(not os.environ.get("CRM_TEST_DATABASE_URL"), reason="no PostgreSQL")
def test_backup_of_postgresql_uses_pg_dump(tmp_path: Path) -> None:
    import shutil

    url = os.environ["CRM_TEST_DATABASE_URL"]
    env = clean_env(CRM_DATABASE_URL=url)
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = crm_bot("backup", "pg.dump", cwd=tmp_path, env=env)
    if shutil.which("pg_dump") is None:
        assert result.returncode == 1 and "pg_dump no está instalado" in result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pg.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    refused = crm_bot("restore", "pg.dump", cwd=tmp_path, env=env)
    assert refused.returncode == 1 and "pg_restore" in refused.stderr
