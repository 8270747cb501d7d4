"""Settings read from the environment and `.env` (prefix ``CRM_``)."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime, time
from functools import cached_property
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The drivers the bot runs on (SQLAlchemy asyncio needs an async one).
ASYNC_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
WEEKDAYS = ("lun", "mar", "mie", "jue", "vie", "sab", "dom")


class Settings(BaseSettings):
    """Everything an operator can configure; see the table in README.md."""

    # An empty variable (``CRM_IMPORT_DIR=`` as in .env.example) means "not set": the default
    # applies, never an empty path that would resolve to the current folder.
    model_config = SettingsConfigDict(
        env_prefix="CRM_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
    )

    bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///./crm.db"
    timezone: str = "America/Bogota"
    language: str = "es"
    bot_api_url: str = "https://api.telegram.org/bot"
    bot_file_url: str = "https://api.telegram.org/file/bot"
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    notify_interval_seconds: int = Field(default=60, ge=1)
    working_hours: str = "07:00-19:00"
    working_days: str = "lun,mar,mie,jue,vie,sab"
    digest_time: str = "07:00"
    escalate_after_hours: int = Field(default=48, ge=1)
    webhook_secret: SecretStr | None = None
    # /ruta's ETAs, and how close a shared location must be to verify a visit (issue 15).
    route_speed_kmh: float = Field(default=20.0, gt=0, le=200)
    visit_radius_m: int = Field(default=150, ge=10, le=5000)
    log_level: str = "INFO"
    # Operations (issue 13): the ERP drop folder and nightly backups.
    import_dir: Path | None = None
    import_settle_seconds: float = Field(default=30.0, ge=0)
    import_scan_seconds: float = Field(default=30.0, gt=0)
    import_max_mb: int = Field(default=200, ge=1)
    backup_dir: Path | None = None
    backup_keep: int = Field(default=7, ge=1)
    backup_time: str = "02:00"
    notify_lease_seconds: int = Field(default=60, ge=3, le=3600)
    redis_url: str | None = None
    ley_2300: str = "naturales"
    payment_confirm_days: int = Field(default=3, ge=1, le=60)

    def webhook_secret_token(self) -> str:
        """The ``X-Telegram-Bot-Api-Secret-Token`` every instance expects: CRM_WEBHOOK_SECRET,
        or one derived from the bot token so all instances agree without more configuration."""
        if self.webhook_secret is not None and self.webhook_secret.get_secret_value():
            return self.webhook_secret.get_secret_value()
        if self.bot_token is None:
            raise ValueError("CRM_BOT_TOKEN is required")
        digest = hashlib.sha256(b"crm-bot webhook:" + self.bot_token.get_secret_value().encode())
        return digest.hexdigest()[:48]

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: object) -> object:
        # Spaces only count as empty too (env_ignore_empty catches just "").
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not (isinstance(v, str) and not v.strip())}
        return data

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            secret = value.get_secret_value()
            if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
                raise ValueError("CRM_WEBHOOK_SECRET: 1-256 characters A-Z, a-z, 0-9, _ or -")
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"no time zone named {value!r} (use e.g. America/Bogota)") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        scheme = value.partition(":")[0].lower()
        if scheme not in ASYNC_DRIVERS:
            raise ValueError(
                "use sqlite+aiosqlite:///path/crm.db or postgresql+asyncpg://user@host/name"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        value = value.strip().upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("CRM_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("language")
    @classmethod
    def _check_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("es", "en"):
            raise ValueError("CRM_LANGUAGE must be 'es' or 'en'")
        return value

    @field_validator("ley_2300")
    @classmethod
    def _check_ley_2300(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("naturales", "todos", "no"):
            raise ValueError("CRM_LEY_2300 must be 'naturales', 'todos' or 'no'")
        return value

    @field_validator("working_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        start, end = _parse_window(value)
        if start >= end:
            raise ValueError("CRM_WORKING_HOURS must look like 07:00-19:00 (start before end)")
        return value

    @field_validator("working_days")
    @classmethod
    def _check_days(cls, value: str) -> str:
        days = [d.strip().lower() for d in value.split(",") if d.strip()]
        bad = [d for d in days if d not in WEEKDAYS]
        if bad or not days:
            raise ValueError(f"CRM_WORKING_DAYS must be a list of {','.join(WEEKDAYS)}")
        return value

    @field_validator("backup_time")
    @classmethod
    def _check_backup_time(cls, value: str) -> str:
        datetime.strptime(value, "%H:%M")
        return value

    @field_validator("digest_time")
    @classmethod
    def _check_digest(cls, value: str) -> str:
        time.fromisoformat(value)
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def working_window(self) -> tuple[time, time]:
        return _parse_window(self.working_hours)

    @property
    def working_weekdays(self) -> frozenset[int]:
        """Python weekday numbers (Monday = 0) on which pings may be sent."""
        return frozenset(
            WEEKDAYS.index(d.strip().lower()) for d in self.working_days.split(",") if d.strip()
        )

    @property
    def digest_at(self) -> time:
        return time.fromisoformat(self.digest_time)


def folder_clash(folder: Path, cwd: Path | None = None) -> Path | None:
    """The working folder or the program's folder that ``folder`` is or contains; None when
    ``folder`` is a folder of its own. The drop and backup folders move, write and delete
    files: pointed at either, they would take the operator's files for the ERP's."""
    target = Path(os.path.realpath(folder.expanduser()))
    program = Path(__file__).resolve().parents[1]
    guarded = [Path(os.path.realpath(cwd or Path.cwd())), program]
    guarded += [program / package for package in ("bot", "crm", "storage", "handlers")]
    return next((g for g in guarded if g == target or target in g.parents), None)


def _parse_window(value: str) -> tuple[time, time]:
    try:
        start, end = value.split("-")
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError as exc:
        raise ValueError("CRM_WORKING_HOURS must look like 07:00-19:00") from exc
