"""The real `crm-bot run` process against a fake Bot API server over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_bot_api import FakeBotApi
from tests.support.telegram import ApiCall

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "7654321098:AAHsecret-token-e2e-0123456789abcdefXYZ"
MENU = {"start", "ayuda", "agenda", "nuevo", "tercero", "cartera", "informe", "cancelar"}


def bot_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    env.update(
        PYTHONPATH=str(ROOT),
        CRM_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}",
        **extra,
    )
    return env


def crm_bot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        yield server


def test_run_greets_users_refuses_strangers_and_stops_cleanly(
    tmp_path: Path, api: FakeBotApi
) -> None:
    env = bot_env(
        tmp_path,
        CRM_BOT_TOKEN=TOKEN,
        CRM_BOT_API_URL=api.base_url,
        CRM_BOT_FILE_URL=api.file_url,
    )
    assert crm_bot("db", "upgrade", env=env, cwd=tmp_path).returncode == 0
    added = crm_bot(
        "users",
        "add",
        "3",
        "Luis Gómez",
        "--code",
        "LUIS",
        "--role",
        "agent",
        env=env,
        cwd=tmp_path,
    )
    assert added.returncode == 0, added.stderr
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        api.wait_for(lambda c: c.method == "getUpdates", timeout=60)
        api.inject(api.message(3, "/start", first_name="Luis"))
        greeting = api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 3)
        api.inject(api.message(777, "hola", first_name="Extraño"))
        refusal = api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 777)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert "Luis Gómez" in greeting.text and "agente" in greeting.text
    assert "777" in refusal.text and "Luis" not in refusal.text
    assert len(api.calls_to("sendMessage")) == 2  # one reply each, nothing else

    by_language: dict[str | None, set[str]] = {}
    for call in api.calls_to("setMyCommands"):
        names = {c["command"] for c in call.params["commands"]}
        by_language[call.params.get("language_code")] = names
    assert by_language["es"] >= MENU and by_language["en"] >= MENU
    assert all(len(call.params["commands"]) >= 8 for call in api.calls_to("setMyCommands"))

    assert process.returncode == 0, output
    assert TOKEN not in output and TOKEN.split(":")[1] not in output
    assert "Traceback" not in output


def test_run_without_token_says_where_to_get_one(tmp_path: Path) -> None:
    result = crm_bot("run", env=bot_env(tmp_path), cwd=tmp_path)
    assert result.returncode != 0
    assert "CRM_BOT_TOKEN" in result.stderr and "@BotFather" in result.stderr


def test_fake_api_records_multipart_uploads_and_answers_errors(api: FakeBotApi) -> None:
    import httpx

    url = f"{api.base_url}{TOKEN}"
    sent = httpx.post(
        f"{url}/sendDocument",
        data={"chat_id": "3", "caption": "Informe"},
        files={"document": ("informe.xlsx", b"PK\x03\x04data")},
    ).json()
    assert sent["ok"] and sent["result"]["document"]["file_name"] == "informe.xlsx"
    call: ApiCall = api.calls_to("sendDocument")[0]
    assert call.params["document"]["data"] == b"PK\x03\x04data" and call.text == "Informe"
    api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    answer = httpx.post(f"{url}/sendMessage", data={"chat_id": "3", "text": "x"}).json()
    assert answer == {
        "ok": False,
        "error_code": 403,
        "description": "Forbidden: bot was blocked by the user",
    }
    assert httpx.post(f"{url}/sendMessage", json={"chat_id": 3, "text": "y"}).json()["ok"]
