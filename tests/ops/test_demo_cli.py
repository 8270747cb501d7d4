"""``crm-bot demo-data`` / ``crm-bot demo``: the sample lives in ./demo.db, never in crm.db."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
from pathlib import Path

from bot.fakeapi import FakeBotApi
from tests.support.console import clean_env, console_script, crm_bot, sqlite_url

TOKEN = "7654321098:AAH-demo-token-0123456789abcdefXYZ"


def test_demo_data_goes_to_demo_db_and_says_how_to_run_it(tmp_path: Path) -> None:
    env = clean_env(CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"))
    result = crm_bot("demo-data", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    demo = tmp_path / "demo.db"
    assert demo.exists() and not (tmp_path / "crm.db").exists()
    assert f"CRM_DATABASE_URL=sqlite+aiosqlite:///{demo} crm-bot run" in result.stdout
    assert "crm-bot demo" in result.stdout
    assert "CÓDIGO" in result.stdout and "agente" in result.stdout
    listed = crm_bot(
        "users", "list", cwd=tmp_path, env=clean_env(CRM_DATABASE_URL=sqlite_url(demo))
    )
    assert listed.returncode == 0 and "CMENDEZ" in listed.stdout

    other = tmp_path / "other.db"
    result = crm_bot("demo-data", "--database", sqlite_url(other), cwd=tmp_path, env=env)
    assert result.returncode == 0 and other.exists()
    again = crm_bot("demo-data", cwd=tmp_path, env=env)
    assert again.returncode == 0  # already filled: said, not a failure
    assert f"{demo} ya tiene 18 terceros" in again.stderr


def test_demo_fills_and_runs_the_bot(tmp_path: Path) -> None:
    with FakeBotApi() as api:
        env = clean_env(
            CRM_BOT_TOKEN=TOKEN, CRM_BOT_API_URL=api.base_url, CRM_BOT_FILE_URL=api.file_url
        )
        process = subprocess.Popen(
            [console_script(), "demo", "--admin-id", "4242"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            api.wait_for(lambda c: c.method == "getUpdates", timeout=60)
            api.inject(api.message(4242, "/start", first_name="Yo"))
            greeting = api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 4242)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "administrador" in greeting.text
    assert f"database {tmp_path / 'demo.db'}" in output  # the start line names it
    assert not (tmp_path / "crm.db").exists()
    with sqlite3.connect(tmp_path / "demo.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM terceros").fetchone() == (18,)
