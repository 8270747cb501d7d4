"""The command line speaks the configured language (Spanish by default)."""

from __future__ import annotations

from pathlib import Path

from tests.support.console import clean_env, crm_bot, sqlite_url


def test_help_is_spanish_by_default_and_english_when_configured(tmp_path: Path) -> None:
    spanish = crm_bot("--help", cwd=tmp_path)
    assert spanish.returncode == 0
    assert spanish.stdout.startswith("uso: crm-bot")
    assert "revisa configuración, base de datos" in spanish.stdout
    assert "muestra esta ayuda y termina" in spanish.stdout
    sub = crm_bot("catalog", "hours", "--help", cwd=tmp_path)
    assert sub.stdout.startswith("uso: crm-bot catalog hours") and "nombre o id" in sub.stdout
    english = crm_bot("--help", cwd=tmp_path, env=clean_env(CRM_LANGUAGE="en"))
    assert english.stdout.startswith("usage: crm-bot")
    assert "check settings, database, token" in english.stdout


def test_spanish_roles_messages_and_headers(tmp_path: Path) -> None:
    env = clean_env(CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"))
    upgraded = crm_bot("db", "upgrade", cwd=tmp_path, env=env)
    assert (
        upgraded.stdout.strip() == f"crm-bot: la base de datos {tmp_path / 'crm.db'} está al día"
    )
    added = crm_bot(
        "users", "add", "7", "Yolanda", "--code", "yo", "--role", "administrador",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "crm-bot: usuario YO (Yolanda, administrador) registrado"
    agent = crm_bot(
        "users", "add", "8", "Luis", "--code", "LUIS", "--role", "agente", cwd=tmp_path, env=env
    )
    assert agent.returncode == 0, agent.stderr
    listed = crm_bot("users", "list", cwd=tmp_path, env=env).stdout.splitlines()
    assert listed[0].split() == [
        "CÓDIGO",
        "ID",
        "TELEGRAM",
        "ROL",
        "SUPERVISOR",
        "ESTADO",
        "NOMBRE",
    ]
    assert listed[1].split()[:4] == ["LUIS", "8", "agente", "-"]
    english = crm_bot("users", "list", cwd=tmp_path, env={**env, "CRM_LANGUAGE": "en"})
    assert english.stdout.splitlines()[0].split()[0] == "CODE"
    assert "agent" in english.stdout.splitlines()[1]
