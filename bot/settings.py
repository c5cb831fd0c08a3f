"""Typed settings, read from the environment and an optional `.env` file, checked at start."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_RULES_FILE = Path(__file__).parent / "rules" / "eligibility.toml"
DEFAULT_TEMPLATES_DIR = Path(__file__).parent / "templates"

_PLACEHOLDERS = re.compile(r"^(<.*>|change[-_ ]?me|todo|xxx+|your[-_ ].*|\.\.\.)$", re.IGNORECASE)
_TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


class TelegramMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    """Every setting of Mentorbot. Each field is read from the environment variable named in
    its alias (see `.env.example`)."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        populate_by_name=True,
    )

    telegram_bot_token: SecretStr | None = Field(None, validation_alias=_env("TELEGRAM_BOT_TOKEN"))
    telegram_api_base_url: str = Field(
        "https://api.telegram.org/bot", validation_alias=_env("TELEGRAM_API_BASE_URL")
    )
    telegram_mode: TelegramMode = Field(
        TelegramMode.POLLING, validation_alias=_env("TELEGRAM_MODE")
    )
    telegram_webhook_url: str | None = Field(None, validation_alias=_env("TELEGRAM_WEBHOOK_URL"))
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET")
    )

    database_url: str = Field(
        "sqlite+aiosqlite:///mentorbot.db", validation_alias=_env("MENTORBOT_DATABASE_URL")
    )
    timezone: str = Field("Europe/Paris", validation_alias=_env("MENTORBOT_TIMEZONE"))
    rules_file: Path = Field(DEFAULT_RULES_FILE, validation_alias=_env("MENTORBOT_RULES_FILE"))
    templates_dir: Path = Field(
        DEFAULT_TEMPLATES_DIR, validation_alias=_env("MENTORBOT_TEMPLATES_DIR")
    )
    default_locale: str = Field("fr", validation_alias=_env("MENTORBOT_DEFAULT_LOCALE"))
    http_host: str = Field("127.0.0.1", validation_alias=_env("MENTORBOT_HTTP_HOST"))
    http_port: int = Field(8080, ge=1, le=65535, validation_alias=_env("MENTORBOT_HTTP_PORT"))
    log_level: str = Field("INFO", validation_alias=_env("MENTORBOT_LOG_LEVEL"))
    # how long staff usually take to review a case, told to the youth (working days)
    review_delay_days: int = Field(
        5, ge=1, le=60, validation_alias=_env("MENTORBOT_REVIEW_DELAY_DAYS")
    )
    # how long it usually takes from eligibility to a first pairing, told to the youth (weeks)
    pairing_delay_weeks: int = Field(
        3, ge=1, le=52, validation_alias=_env("MENTORBOT_PAIRING_DELAY_WEEKS")
    )
    # applications of people who never finished are erased after this many days (privacy notice)
    retention_days: int = Field(
        365, ge=30, le=3650, validation_alias=_env("MENTORBOT_RETENTION_DAYS")
    )

    @field_validator("telegram_bot_token", "telegram_webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value().strip()
        if _PLACEHOLDERS.match(raw):
            raise ValueError("is still a placeholder: paste the token BotFather gave you")
        if not _TELEGRAM_TOKEN.match(raw):
            raise ValueError("does not look like a bot token (expected 123456789:AbC...)")
        return SecretStr(raw)

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _WEBHOOK_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters among A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("telegram_api_base_url", "telegram_webhook_url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError(f"is not an http(s) URL: {value!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split(':', 1)[0]!r})"
            )
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Paris)") from error
        return value

    @field_validator("default_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        if value not in ("fr", "en"):
            raise ValueError("must be fr or en")
        return value

    @model_validator(mode="after")
    def _check_webhook(self) -> Settings:
        if self.telegram_mode is TelegramMode.WEBHOOK:
            if self.telegram_webhook_secret is None:
                raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook")
            if self.telegram_webhook_url is None:
                raise ValueError("TELEGRAM_WEBHOOK_URL is required when TELEGRAM_MODE=webhook")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _variable_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info else None
    if isinstance(alias, AliasChoices):
        first = alias.choices[0]
        return first if isinstance(first, str) else field
    return field.upper()


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise `SettingsError` naming each wrong variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        lines = []
        for problem in error.errors():
            where = [str(part) for part in problem.get("loc", ())]
            name = _variable_name(where[0]) if where else "settings"
            message = problem.get("msg", "is invalid").removeprefix("Value error, ")
            lines.append(f"{name}: {message}")
        raise SettingsError("Bad settings:\n  " + "\n  ".join(lines)) from None
