"""``crm-bot import usuarios``, pending users and their one-time links, through the console
script, and a real ``crm-bot run`` binding the Telegram account that opens the link."""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
from pathlib import Path

import pytest

from bot.fakeapi import FakeBotApi
from tests.support.console import clean_env, console_script, crm_bot, sqlite_url

TOKEN = "7654321098:AAH-usuarios-token-0123456789abcdefX"

USUARIOS = (
    "codigo,nombre,rol,supervisor,telegram_id,activo\n"
    "ADMIN2,Admin Dos,administrador,,2001,si\n"
    "LUIS,Luis Gómez,agente,ANA,,si\n"  # pending; his supervisor comes later in the file
    "ANA,Ana Supervisora,Supervisor,,2002,Sí\n"
    "MARIA,María Ruiz,agent,ANA,,\n"
    "EX,Ex Empleado,vendedor,,,no\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = clean_env(CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"))
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    return env


def sql(tmp_path: Path, query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / "crm.db") as conn:
        return conn.execute(query).fetchall()


def test_import_usuarios_with_pending_users(tmp_path: Path, env: dict[str, str]) -> None:
    (tmp_path / "usuarios.csv").write_text(USUARIOS, encoding="utf-8")
    result = crm_bot("import", "usuarios", "usuarios.csv", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "usuarios: 5 filas leídas; 5 nuevas, 0 actualizadas, 0 sin cambios" in result.stdout
    assert sql(
        tmp_path,
        "SELECT u.code, u.role, s.code, u.telegram_id, u.active, u.unreachable FROM users u "
        "LEFT JOIN users s ON s.id = u.supervisor_id ORDER BY u.code",
    ) == [
        ("ADMIN2", "admin", None, 2001, 1, 0),
        ("ANA", "supervisor", None, 2002, 1, 0),
        ("EX", "agent", None, None, 0, 1),
        ("LUIS", "agent", "ANA", None, 1, 1),
        ("MARIA", "agent", "ANA", None, 1, 1),
    ]
    listed = crm_bot("users", "list", cwd=tmp_path, env=env)
    luis = next(line for line in listed.stdout.splitlines() if line.startswith("LUIS"))
    assert luis.split()[1:5] == ["-", "agente", "ANA", "pendiente"]
    assert listed.stdout.splitlines()[0].split()[0] == "CÓDIGO"

    # A pending user can already own terceros.
    (tmp_path / "terceros.csv").write_text(
        "nit,nombre,encargado\n900111222,El Sol SAS,LUIS\n", encoding="utf-8"
    )
    assert crm_bot("import", "terceros", "terceros.csv", cwd=tmp_path, env=env).returncode == 0

    again = crm_bot("import", "usuarios", "usuarios.csv", cwd=tmp_path, env=env)
    assert "5 filas leídas; 0 nuevas, 0 actualizadas, 5 sin cambios" in again.stdout

    assert crm_bot("users", "activate", "ex", cwd=tmp_path, env=env).returncode == 0
    assert sql(tmp_path, "SELECT active FROM users WHERE code = 'EX'") == [(1,)]


def test_bad_usuarios_rows_are_listed_and_nothing_is_written(
    tmp_path: Path, env: dict[str, str]
) -> None:
    (tmp_path / "ok.csv").write_text(USUARIOS, encoding="utf-8")
    assert crm_bot("import", "usuarios", "ok.csv", cwd=tmp_path, env=env).returncode == 0
    before = sql(tmp_path, "SELECT * FROM users ORDER BY id")
    (tmp_path / "bad.csv").write_text(
        "codigo,nombre,rol,supervisor,telegram_id,activo\n"
        "NUEVO,Nuevo Agente,agente,,,si\n"
        "PEPE,Pepe,jefe,,,si\n"  # 3: unknown role
        "RITA,Rita,agente,LUIS,,si\n"  # 4: LUIS is not a supervisor
        "TOMAS,Tomás,agente,,2001,si\n"  # 5: ADMIN2's Telegram id
        "JUAN,Juan,agente,,,quizás\n"  # 6: not si/no
        "LOLA,Lola,agente,NADIE,abc,si\n"  # 7: no such supervisor; not an id
        ",Sin código,agente,,,si\n",  # 8: code required
        encoding="utf-8",
    )
    result = crm_bot("import", "usuarios", "bad.csv", cwd=tmp_path, env=env)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("bad.csv:")]
    assert errors == [
        "bad.csv:3: rol: rol no válido «jefe»: agente, supervisor o administrador "
        "(o agent, admin)",
        "bad.csv:5: telegram_id: el id de Telegram 2001 ya es del usuario ADMIN2",
        "bad.csv:6: activo: «quizás» no es si o no",
        "bad.csv:7: telegram_id: «abc» no es un id de Telegram (solo dígitos)",
        "bad.csv:8: codigo: falta el valor (es obligatorio)",
        "bad.csv:4: supervisor: «LUIS» no tiene el rol supervisor",
        "bad.csv:7: supervisor: no existe un usuario con el código «NADIE»",
    ]
    assert "no se importó nada" in result.stderr
    assert sql(tmp_path, "SELECT * FROM users ORDER BY id") == before


def test_users_link_binds_the_first_telegram_account_that_opens_it(
    tmp_path: Path, env: dict[str, str]
) -> None:
    (tmp_path / "usuarios.csv").write_text(USUARIOS, encoding="utf-8")
    assert crm_bot("import", "usuarios", "usuarios.csv", cwd=tmp_path, env=env).returncode == 0
    with FakeBotApi() as api:
        bot_env = {
            **env,
            "CRM_BOT_TOKEN": TOKEN,
            "CRM_BOT_API_URL": api.base_url,
            "CRM_BOT_FILE_URL": api.file_url,
        }
        linked = crm_bot("users", "link", "luis", cwd=tmp_path, env=bot_env)
        assert linked.returncode == 0, linked.stderr
        match = re.search(r"https://t\.me/crm_test_bot\?start=(\S+)", linked.stdout)
        assert match, linked.stdout
        assert "LUIS (Luis Gómez)" in linked.stdout and TOKEN not in linked.stdout
        refused = crm_bot("users", "link", "ANA", cwd=tmp_path, env=bot_env)
        assert refused.returncode == 1
        assert "ANA ya tiene una cuenta de Telegram (2002)" in refused.stderr

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
            api.inject(api.message(3003, f"/start {match.group(1)}", first_name="Luis"))
            api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 3003)
            api.inject(api.message(4004, f"/start {match.group(1)}", first_name="Otro"))
            late = api.wait_for(lambda c: c.method == "sendMessage" and c.chat_id == 4004)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert sql(
        tmp_path, "SELECT telegram_id, unreachable, name FROM users WHERE code = 'LUIS'"
    ) == [(3003, 0, "Luis Gómez")]
    assert sql(tmp_path, "SELECT COUNT(*) FROM users") == [(5,)]  # bound, not added
    assert "Luis" not in late.text
    listed = crm_bot("users", "list", cwd=tmp_path, env=env)
    luis = next(line for line in listed.stdout.splitlines() if line.startswith("LUIS"))
    assert luis.split()[1:5] == ["3003", "agente", "ANA", "activo"]
