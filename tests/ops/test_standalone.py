"""bench/ and the fake Bot API work where pytest is not installed."""

from __future__ import annotations

import subprocess
import sys

from tests.support.console import ROOT

BLOCK_PYTEST = (
    "import sys, importlib\n"
    "class NoPytest:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name == 'pytest' or name.startswith(('pytest.', '_pytest')):\n"
    "            raise ImportError('pytest is not installed here')\n"
    "sys.meta_path.insert(0, NoPytest())\n"
)


def test_every_benchmark_imports_without_pytest() -> None:
    from bench.__main__ import BENCHMARKS

    modules = ["bench.__main__", "bench.cartera_book", *(f"bench.{m}" for m in BENCHMARKS)]
    code = BLOCK_PYTEST + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_fake_bot_api_chats_from_the_terminal_without_pytest() -> None:
    """``python -m bot.fakeapi`` serves a fixed port and prints how to point the bot at it."""
    code = BLOCK_PYTEST + (
        "sys.argv = ['bot.fakeapi', '--port', '0']\n"
        "import runpy\n"
        "runpy.run_module('bot.fakeapi', run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        input="",  # Ctrl-D at once
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "CRM_BOT_API_URL=http://127.0.0.1:" in result.stdout
    assert "crm-bot run" in result.stdout


def test_watch_the_bot_answer_in_the_terminal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``python -m bot.fakeapi --run``: type /start, read the bot's greeting."""
    import socket

    from tests.support.console import clean_env, crm_bot, sqlite_url

    env = clean_env(CRM_DATABASE_URL=sqlite_url(tmp_path / "crm.db"), PYTHONPATH=str(ROOT))
    assert crm_bot("db", "upgrade", cwd=tmp_path, env=env).returncode == 0
    added = crm_bot(
        "users", "add", "1001", "Operadora", "--code", "OPE", "--role", "admin",
        cwd=tmp_path, env=env,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.fakeapi", "--port", str(port), "--run"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        seen = []
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Type as Telegram user"):
                process.stdin.write("/start\n")
                process.stdin.flush()
            if "Operadora" in line and any("bot says to 1001" in s for s in seen):
                break
    finally:
        process.stdin.close()  # Ctrl-D: the fake API stops the bot it started, then itself
        output = process.stdout.read()
        process.stdout.close()
        process.wait(60)
    assert process.returncode == 0, "".join(seen) + output
    assert any("Operadora" in line for line in seen)
    assert (tmp_path / "fakeapi-bot.log").exists()
