"""The real `python -m bot run` process when Telegram (or the network) refuses it: the token
never reaches stdout or stderr, the fault is one clear line, and the exit code is non-zero."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot import redact
from tests.e2e.test_run import TOKEN, bot_env
from tests.support.fake_bot_api import FakeBotApi

SECRET_HALF = TOKEN.split(":", 1)[1]
# Routine start-up log lines (migrations) are not part of the fault report.
INFO_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ INFO ")


def run_bot(
    tmp_path: Path, api_url: str, *args: str, **env: str
) -> subprocess.CompletedProcess[str]:
    environment = bot_env(tmp_path, CRM_BOT_TOKEN=TOKEN, CRM_BOT_API_URL=api_url, **env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", *args],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=90,
    )


def fault_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if line.strip() and not INFO_LINE.match(line)]


def assert_no_token(result: subprocess.CompletedProcess[str]) -> None:
    for stream in (result.stdout, result.stderr):
        assert TOKEN not in stream
        assert SECRET_HALF not in stream
        assert SECRET_HALF[:20] not in stream


@pytest.mark.parametrize(
    ("status", "description", "expected"),
    [
        (401, "Unauthorized", "Telegram rechazó el token"),
        (404, "Not Found", "404 Not Found"),
    ],
)
def test_rejected_token_is_one_line_without_the_token(
    tmp_path: Path, status: int, description: str, expected: str
) -> None:
    with FakeBotApi() as api:
        api.fail_next("getMe", status, description)
        result = run_bot(tmp_path, api.base_url)
        assert api.calls_to("getMe"), "the bot never asked the fake Bot API"
    assert result.returncode != 0
    assert_no_token(result)
    lines = fault_lines(result)
    assert len(lines) == 1, lines
    assert lines[0].startswith("crm-bot: ") and expected in lines[0]
    assert "CRM_BOT_TOKEN" in lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_api_is_one_line_without_the_token(tmp_path: Path) -> None:
    with FakeBotApi() as api:
        closed = f"http://127.0.0.1:{api.port}/bot"
    # The server is stopped: nothing listens on that port any more.
    result = run_bot(tmp_path, closed)
    assert result.returncode != 0
    assert_no_token(result)
    lines = fault_lines(result)
    assert len(lines) == 1, lines
    host = closed.split("//", 1)[1].split("/", 1)[0]
    assert "no se pudo conectar con la API de Telegram" in lines[0] and host in lines[0]


@pytest.mark.parametrize("how", ["--debug", "CRM_LOG_LEVEL=DEBUG"])
def test_debugging_shows_the_traceback_still_redacted(tmp_path: Path, how: str) -> None:
    with FakeBotApi() as api:
        api.fail_next("getMe", 401, "Unauthorized")
        if how == "--debug":
            result = run_bot(tmp_path, api.base_url, "--debug")
        else:
            result = run_bot(tmp_path, api.base_url, CRM_LOG_LEVEL="DEBUG")
    assert result.returncode != 0
    assert_no_token(result)
    assert "Traceback (most recent call last)" in result.stderr
    assert "InvalidToken: The token `<token>` was rejected" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("crm-bot: Telegram rechazó")


def test_any_uncaught_exception_is_one_redacted_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    saved = (list(redact.STATE.secrets), redact.STATE.debug, redact.STATE.api_url)
    hooks = (sys.excepthook, threading.excepthook)
    try:
        redact.install([TOKEN], debug=False, api_url="https://api.telegram.org/bot")
        try:
            try:
                raise ValueError(f"posting to https://api.telegram.org/bot{TOKEN}/getMe")
            except ValueError as inner:
                url = "postgresql+asyncpg://crm:hunter2secret@db:5432/crm"
                raise RuntimeError(f"{url} and {TOKEN.replace(':', '%3A')}") from inner
        except RuntimeError as error:
            failure = error
        code = redact.fatal(failure)
        quiet = capsys.readouterr().err
        redact.STATE.debug = True
        code_debug = redact.fatal(failure)
        loud = capsys.readouterr().err
    finally:
        redact.STATE.secrets, redact.STATE.debug, redact.STATE.api_url = saved
        sys.excepthook, threading.excepthook = hooks
    assert code == code_debug == 1
    assert quiet.count("\n") == 1 and quiet.startswith("crm-bot: stopped by an unexpected")
    assert "RuntimeError" in quiet and "<token>" in quiet and "hunter2secret" not in quiet
    assert "Traceback" in loud and "ValueError" in loud
    for text in (quiet, loud):
        assert SECRET_HALF not in text and "hunter2secret" not in text


def test_redaction_covers_encoded_and_half_tokens() -> None:
    state = redact.Redaction()
    state.add(TOKEN)
    text = f"a {TOKEN} b {TOKEN.replace(':', '%3A')} c {SECRET_HALF} d 12345678:{'x' * 35}"
    masked = state(text)
    assert TOKEN not in masked and SECRET_HALF not in masked and "x" * 35 not in masked
    assert masked.count("<token>") == 4
    assert state("sqlite+aiosqlite:///./crm.db") == "sqlite+aiosqlite:///./crm.db"
    assert state("postgresql://u:p4ss@h/db") == "postgresql://u:***@h/db"
