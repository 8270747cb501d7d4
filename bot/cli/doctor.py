"""``crm-bot doctor``: one ✅ or ❌ line per thing the bot needs, with what to do."""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from bot import redact
from bot.cli.faults import fault_line, raw_language, setting_lines
from bot.cli.parser import h
from bot.console import describe_database, sqlite_path
from bot.settings import Settings, folder_clash
from handlers.texts import t

# Below this much free space beside a SQLite file, doctor warns (backups need room too).
MIN_FREE_BYTES = 500 * 1024 * 1024


@dataclass(frozen=True)
class Check:
    ok: bool
    text: str

    def line(self) -> str:
        return f"{'✅' if self.ok else '❌'} {self.text}"


def cmd_doctor(args: argparse.Namespace, _settings: Settings | None) -> int:
    lang = raw_language()
    try:
        settings = Settings()
    except ValidationError as exc:
        for text in setting_lines(exc, lang):
            print(Check(False, text).line())
        return 1
    lang = settings.language
    # Every secret of the settings is masked by value in what doctor prints (a password in
    # CRM_BOT_API_URL, the token pasted into another setting…).
    redact.install_for(settings)
    checks = [settings_check(settings)]
    checks.append(asyncio.run(database_check(settings)))
    checks.extend(asyncio.run(telegram_checks(settings)))
    disk = disk_check(settings)
    if disk is not None:
        checks.append(disk)
    checks.append(import_dir_check(settings))
    backups = backup_dir_check(settings)
    if backups is not None:
        checks.append(backups)
    for check in checks:
        print(redact.redact(check.line()))
    failed = sum(not c.ok for c in checks)
    print(t(lang, "doctor.failed", count=failed) if failed else t(lang, "doctor.all_good"))
    sys.stdout.flush()
    return 1 if failed else 0


def settings_check(settings: Settings) -> Check:
    return Check(
        True,
        t(
            settings.language,
            "doctor.settings",
            tz=settings.timezone,
            hours=settings.working_hours,
            days=settings.working_days,
            language=settings.language,
        ),
    )


async def database_check(settings: Settings) -> Check:
    from storage.db import make_engine
    from storage.migrate import _head, is_behind

    lang = settings.language
    database = describe_database(settings.database_url)
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        return Check(False, t(lang, "doctor.db_missing", database=database))
    engine = make_engine(settings.database_url)
    try:
        behind = await is_behind(engine)
    except Exception as exc:
        line = fault_line(exc, lang, database_url=settings.database_url)
        return Check(False, t(lang, "doctor.db_error", database=database, error=line))
    finally:
        await engine.dispose()
    if behind:
        return Check(False, t(lang, "doctor.db_behind", database=database))
    return Check(True, t(lang, "doctor.db_ok", database=database, revision=_head()))


async def telegram_checks(settings: Settings) -> list[Check]:
    """Bot API reachable, token accepted (getMe), webhook state (getWebhookInfo)."""
    import httpx

    lang = settings.language
    token = settings.bot_token.get_secret_value().strip() if settings.bot_token else ""
    host = httpx.URL(settings.bot_api_url).host
    if not token:
        return [Check(False, t(lang, "doctor.no_token"))]
    base = f"{settings.bot_api_url}{token}"
    async with httpx.AsyncClient(timeout=10) as client:
        try:
            me = await client.post(f"{base}/getMe")
        except httpx.HTTPError as exc:
            reason = fault_line(exc, lang, bot_api_url=settings.bot_api_url, token=token)
            return [Check(False, t(lang, "doctor.api_unreachable", reason=reason))]
        checks = [Check(True, t(lang, "doctor.api_ok", host=host))]
        if me.status_code in (401, 404):
            checks.append(Check(False, t(lang, "doctor.token_rejected")))
            return checks
        body = _json(me)
        if not body.get("ok"):
            error = str(body.get("description") or me.status_code)
            checks.append(Check(False, t(lang, "doctor.api_error", method="getMe", error=error)))
            return checks
        username = body["result"].get("username", "?")
        checks.append(Check(True, t(lang, "doctor.token_ok", username=username)))
        try:
            info = _json(await client.post(f"{base}/getWebhookInfo")).get("result") or {}
        except httpx.HTTPError as exc:
            reason = fault_line(exc, lang, bot_api_url=settings.bot_api_url, token=token)
            checks.append(
                Check(False, t(lang, "doctor.api_unreachable", host=host, reason=reason))
            )
            return checks
    checks.append(webhook_check(lang, info))
    return checks


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def webhook_check(lang: str, info: dict[str, Any]) -> Check:
    url = info.get("url") or ""
    pending = int(info.get("pending_update_count") or 0)
    if info.get("last_error_message"):
        return Check(
            False,
            t(lang, "doctor.webhook_error", url=url, error=info["last_error_message"]),
        )
    if not url:
        return Check(True, t(lang, "doctor.polling", pending=pending))
    return Check(True, t(lang, "doctor.webhook", url=url, pending=pending))


def disk_check(settings: Settings) -> Check | None:
    path = sqlite_path(settings.database_url)
    if path is None:
        return None
    folder = path.parent
    lang = settings.language
    if not folder.exists():
        return Check(False, t(lang, "doctor.no_folder", folder=str(folder)))
    free = shutil.disk_usage(folder).free
    mb = free // (1024 * 1024)
    if free < MIN_FREE_BYTES:
        return Check(False, t(lang, "doctor.disk_low", folder=str(folder), mb=mb))
    return Check(True, t(lang, "doctor.disk_ok", folder=str(folder), mb=mb))


def import_dir_check(settings: Settings) -> Check:
    import os

    lang = settings.language
    folder = settings.import_dir
    if folder is None:
        return Check(True, t(lang, "doctor.no_import_dir"))
    folder = folder.expanduser().resolve()
    clash = folder_clash(folder)
    if clash is not None:
        text = t(lang, "folder.clash", setting="CRM_IMPORT_DIR", folder=folder, clash=clash)
        return Check(False, text)
    if not folder.is_dir():
        return Check(False, t(lang, "doctor.import_dir_missing", folder=str(folder)))
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        return Check(False, t(lang, "doctor.import_dir_denied", folder=str(folder)))
    return Check(True, t(lang, "doctor.import_dir_ok", folder=str(folder)))


def backup_dir_check(settings: Settings) -> Check | None:
    """CRM_BACKUP_DIR, when set: a folder of its own (created at the first copy) that this
    user may write."""
    import os

    if settings.backup_dir is None:
        return None
    lang = settings.language
    folder = settings.backup_dir.expanduser().resolve()
    clash = folder_clash(folder)
    if clash is not None:
        text = t(lang, "folder.clash", setting="CRM_BACKUP_DIR", folder=folder, clash=clash)
        return Check(False, text)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), folder)
    if not os.access(existing, os.W_OK | os.X_OK):
        return Check(False, t(lang, "doctor.backup_dir_denied", folder=str(folder)))
    return Check(True, t(lang, "doctor.backup_dir_ok", folder=str(folder)))


def register(sub: Any) -> None:
    doctor = sub.add_parser("doctor", help=h("doctor"))
    doctor.set_defaults(func=cmd_doctor, own_settings=True)
