"""``crm-bot doctor`` through the real console script, against the fake Bot API."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.fakeapi import FakeBotApi
from tests.support.console import clean_env, crm_bot, sqlite_url

TOKEN = "7654321098:AAH-doctor-good-token-0123456789abcdef"
WRONG = "7654321098:AAH-doctor-wrong-token-0123456789abcde"


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi(token=TOKEN) as server:
        yield server


def env_for(tmp_path: Path, api: FakeBotApi, token: str, **extra: str) -> dict[str, str]:
    return clean_env(
        CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"),
        CRM_BOT_TOKEN=token,
        CRM_BOT_API_URL=api.base_url,
        CRM_BOT_FILE_URL=api.file_url,
        **extra,
    )


def test_doctor_is_green_on_a_ready_installation(tmp_path: Path, api: FakeBotApi) -> None:
    drop = tmp_path / "erp"
    drop.mkdir()
    env = env_for(tmp_path, api, TOKEN, CRM_IMPORT_DIR=str(drop))
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = crm_bot("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert all(line.startswith("✅") for line in lines[:-1]), result.stdout
    out = result.stdout
    assert "@crm_test_bot" in out
    assert str(tmp_path / "crm.db") in out  # the absolute path of the database
    assert "zona horaria America/Bogota" in out
    assert "long polling" in out and str(drop) in out
    assert "MB libres" in out
    assert TOKEN not in out + result.stderr and TOKEN.split(":")[1] not in out
    assert [c.method for c in api.calls] == ["getMe", "getWebhookInfo"]


def test_doctor_names_a_rejected_token_without_printing_it(
    tmp_path: Path, api: FakeBotApi
) -> None:
    env = env_for(tmp_path, api, WRONG, CRM_LANGUAGE="en")
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = crm_bot("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("❌")]
    assert failed == [
        "❌ Token: Telegram rejected it. Copy the token from @BotFather into CRM_BOT_TOKEN again"
    ]
    assert "✅ Telegram Bot API (127.0.0.1): reachable" in result.stdout
    assert WRONG not in result.stdout + result.stderr
    assert WRONG.split(":")[1] not in result.stdout + result.stderr


def test_doctor_lists_every_problem_and_creates_nothing(tmp_path: Path) -> None:
    env = clean_env(
        CRM_DATABASE_URL=sqlite_url(tmp_path / "missing.db"),
        CRM_BOT_TOKEN=TOKEN,
        CRM_BOT_API_URL="http://127.0.0.1:9/bot",  # nothing listens on the discard port
        CRM_IMPORT_DIR=str(tmp_path / "no-such-folder"),
    )
    result = crm_bot("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("❌")]
    assert len(failed) == 3, result.stdout
    assert "missing.db: no existe" in failed[0] and "crm-bot db upgrade" in failed[0]
    assert "no se pudo conectar con la API de Telegram en 127.0.0.1:9" in failed[1]
    assert "no-such-folder: no existe" in failed[2]
    assert not (tmp_path / "missing.db").exists()
    assert "Traceback" not in result.stdout + result.stderr
    assert TOKEN.split(":")[1] not in result.stdout + result.stderr


def test_doctor_explains_a_bad_setting(tmp_path: Path) -> None:
    env = clean_env(CRM_TIMEZONE="Bogota")
    result = crm_bot("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "❌ CRM_TIMEZONE=Bogota no es una zona horaria: use un nombre completo como America/Bogota"
    )


@pytest.mark.skipif(not os.environ.get("CRM_TEST_DATABASE_URL"), reason="no PostgreSQL")
def test_doctor_names_the_postgresql_database(tmp_path: Path, api: FakeBotApi) -> None:
    url = os.environ["CRM_TEST_DATABASE_URL"]
    env = {**env_for(tmp_path, api, TOKEN), "CRM_DATABASE_URL": url}
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = crm_bot("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout
    database = url.rsplit("@", 1)[1]  # host:port/name
    assert f"✅ Base de datos {database}: accesible y al día" in result.stdout
    assert "MB libres" not in result.stdout  # no SQLite file to watch


def test_doctor_masks_a_password_in_the_bot_api_url(tmp_path: Path) -> None:
    password = "Pr0xy-Passw0rd-4242"
    env = clean_env(
        CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"),
        CRM_BOT_TOKEN=TOKEN,
        # A Bot API behind a proxy that wants a login; nothing listens on the discard port.
        CRM_BOT_API_URL=f"http://crm:{password}@127.0.0.1:9/bot",
    )
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = crm_bot("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert password not in out and "Passw0rd" not in out
    failed = [line for line in result.stdout.splitlines() if line.startswith("❌")]
    assert len(failed) == 1 and "127.0.0.1:9" in failed[0], result.stdout


@pytest.mark.parametrize("name", ["CRM_TIMEZONE", "CRM_ADMIN_IDS", "CRM_WEBHOOK_SECRET"])
@pytest.mark.parametrize("command", [("doctor",), ("users", "list")])
def test_a_token_pasted_into_another_setting_is_never_printed(
    tmp_path: Path, name: str, command: tuple[str, ...]
) -> None:
    # Not shaped like a Telegram token (a proxy's, a typo): masked because it is the token.
    token = "secret:token-of-the-bot-0123456789"
    env = clean_env(
        CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"), CRM_BOT_TOKEN=token, **{name: token}
    )
    result = crm_bot(*command, cwd=tmp_path, env=env)
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert token not in out and "0123456789" not in out, out
    assert name in out and "Traceback" not in out


@pytest.mark.parametrize("command", [("doctor",), ("users", "list")])
def test_a_url_password_pasted_into_another_setting_is_never_printed(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    password = "Redis-Passw0rd-4242"
    env = clean_env(
        CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"),
        CRM_REDIS_URL=f"redis://:{password}@127.0.0.1:6379/5",
        CRM_TIMEZONE=password,
    )
    result = crm_bot(*command, cwd=tmp_path, env=env)
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert password not in out and "CRM_TIMEZONE=***" in out, out


def test_doctor_refuses_the_working_folder_as_drop_or_backup_folder(
    tmp_path: Path, api: FakeBotApi
) -> None:
    env = env_for(tmp_path, api, TOKEN, CRM_IMPORT_DIR=".", CRM_BACKUP_DIR=str(tmp_path.parent))
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = crm_bot("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("❌")]
    assert len(failed) == 2, result.stdout
    assert failed[0].startswith(f"❌ CRM_IMPORT_DIR={tmp_path} no puede ser la carpeta de trabajo")
    assert failed[1].startswith(f"❌ CRM_BACKUP_DIR={tmp_path.parent} no puede ser")


def test_doctor_takes_the_readmes_empty_folders_as_unset(tmp_path: Path, api: FakeBotApi) -> None:
    (tmp_path / ".env").write_text("CRM_IMPORT_DIR=\nCRM_BACKUP_DIR=\n", encoding="utf-8")
    env = env_for(tmp_path, api, TOKEN)
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    result = crm_bot("doctor", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout
    assert "✅ Carpeta de importación: no configurada (CRM_IMPORT_DIR)" in result.stdout
    assert str(tmp_path) + ":" not in result.stdout.replace(str(tmp_path / "crm.db"), "")
