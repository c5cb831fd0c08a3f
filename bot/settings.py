"""Typed settings, read from the environment and an optional `.env` file, checked at start."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import SettingsConfigDict

from bot.programme_settings import ProgrammeSettings
from bot.programme_settings import env as _env
from conversations.rules.matching import DEFAULT_MATCHING_PATH

DEFAULT_RULES_FILE = Path(__file__).parent / "rules" / "eligibility.toml"
DEFAULT_TEMPLATES_DIR = Path(__file__).parent / "templates"

_PLACEHOLDERS = re.compile(r"^(<.*>|change[-_ ]?me|todo|xxx+|your[-_ ].*|\.\.\.)$", re.IGNORECASE)
_TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# BotFather's rule: 5-32 characters among A-Z a-z 0-9 _, ending in "bot"
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,29}[Bb][Oo][Tt]$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_SLACK_ID = re.compile(r"^[UWS][A-Z0-9]{2,20}$")
_SLACK_PREFIXES = {"slack_bot_token": "xoxb-", "slack_app_token": "xapp-"}


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the environment variable."""


class TelegramMode(StrEnum):
    POLLING = "polling"
    WEBHOOK = "webhook"


class Settings(ProgrammeSettings):
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
    # the bot's @username, for the personal links of imported youths (t.me/<username>?start=);
    # unset, `mentorbot import youths --links` asks Telegram (getMe) with the token
    telegram_bot_username: str | None = Field(None, validation_alias=_env("TELEGRAM_BOT_USERNAME"))
    telegram_mode: TelegramMode = Field(
        TelegramMode.POLLING, validation_alias=_env("TELEGRAM_MODE")
    )
    telegram_webhook_url: str | None = Field(None, validation_alias=_env("TELEGRAM_WEBHOOK_URL"))
    telegram_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("TELEGRAM_WEBHOOK_SECRET")
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET")
    )
    # set: Slack Socket Mode (no public URL; one process); unset: HTTP at /slack/events
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))
    slack_staff_channel: str | None = Field(None, validation_alias=_env("SLACK_STAFF_CHANNEL"))
    # comma-separated Slack user ids (U...), or one user group id (S...)
    slack_staff_users: str | None = Field(None, validation_alias=_env("SLACK_STAFF_USERS"))

    database_url: str = Field(
        "sqlite+aiosqlite:///mentorbot.db", validation_alias=_env("MENTORBOT_DATABASE_URL")
    )
    timezone: str = Field("Europe/Paris", validation_alias=_env("MENTORBOT_TIMEZONE"))
    rules_file: Path = Field(DEFAULT_RULES_FILE, validation_alias=_env("MENTORBOT_RULES_FILE"))
    # the pairing suggestions' weights (versioned; a change is audit-logged at start)
    matching_file: Path = Field(
        DEFAULT_MATCHING_PATH, validation_alias=_env("MENTORBOT_MATCHING_FILE")
    )
    templates_dir: Path = Field(
        DEFAULT_TEMPLATES_DIR, validation_alias=_env("MENTORBOT_TEMPLATES_DIR")
    )
    default_locale: str = Field("fr", validation_alias=_env("MENTORBOT_DEFAULT_LOCALE"))
    http_host: str = Field("127.0.0.1", validation_alias=_env("MENTORBOT_HTTP_HOST"))
    http_port: int = Field(8080, ge=1, le=65535, validation_alias=_env("MENTORBOT_HTTP_PORT"))
    log_level: str = Field("INFO", validation_alias=_env("MENTORBOT_LOG_LEVEL"))
    # "text" (one line per record) or "json" (one JSON object per line, for a log collector)
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=_env("MENTORBOT_LOG_FORMAT")
    )
    # operators' Slack channel: unhandled errors are posted there, summarised, at most once
    # per kind of error an hour
    slack_ops_channel: str | None = Field(None, validation_alias=_env("SLACK_OPS_CHANNEL"))
    # a person sending more than this many messages a minute is told once, then ignored for
    # `throttle_pause_minutes` (staff never are)
    throttle_per_minute: int = Field(
        20, ge=1, le=1000, validation_alias=_env("MENTORBOT_THROTTLE_PER_MINUTE")
    )
    throttle_pause_minutes: int = Field(
        5, ge=1, le=1440, validation_alias=_env("MENTORBOT_THROTTLE_PAUSE_MINUTES")
    )
    # how long staff usually take to review a case, told to the youth (working days)
    review_delay_days: int = Field(
        5, ge=1, le=60, validation_alias=_env("MENTORBOT_REVIEW_DELAY_DAYS")
    )
    # how long it usually takes from eligibility to a first pairing, told to the youth (weeks)
    pairing_delay_weeks: int = Field(
        3, ge=1, le=52, validation_alias=_env("MENTORBOT_PAIRING_DELAY_WEEKS")
    )

    @field_validator(
        "telegram_bot_token",
        "telegram_webhook_secret",
        "telegram_bot_username",
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_staff_channel",
        "slack_staff_users",
        "slack_ops_channel",
        mode="before",
    )
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

    @field_validator("telegram_bot_username")
    @classmethod
    def _check_username(cls, value: str | None) -> str | None:
        if value is None:
            return None
        name = value.strip().removeprefix("@")
        if not _BOT_USERNAME.match(name):
            raise ValueError("must be the bot's username as BotFather shows it (e.g. MentorbotBot)")
        return name

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

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret")
    @classmethod
    def _check_slack_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value().strip()
        if _PLACEHOLDERS.match(raw):
            raise ValueError("is still a placeholder: paste the value from your Slack app's page")
        prefix = _SLACK_PREFIXES.get(info.field_name or "")
        if prefix is not None and not raw.startswith(prefix):
            raise ValueError(f"must start with {prefix} (see README, Slack)")
        return SecretStr(raw)

    @field_validator("slack_api_url")
    @classmethod
    def _check_slack_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError(f"is not an http(s) URL: {value!r}")
        # slack-sdk silently drops a path prefix from a base URL without the final slash
        if not value.endswith("/"):
            raise ValueError(f"must end with / (e.g. https://slack.com/api/), got {value!r}")
        return value

    @field_validator("slack_staff_users")
    @classmethod
    def _check_staff_users(cls, value: str | None) -> str | None:
        if value is None:
            return None
        ids = [part.strip() for part in value.split(",") if part.strip()]
        if not ids or not all(_SLACK_ID.match(i) for i in ids):
            raise ValueError("must be Slack user ids (U...) separated by commas, or a group (S...)")
        if any(i.startswith("S") for i in ids) and len(ids) > 1:
            raise ValueError("give either one user group id (S...) or user ids (U...), not both")
        return ",".join(ids)

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

    @model_validator(mode="after")
    def _check_slack(self) -> Settings:
        if (
            self.slack_bot_token is not None
            and self.slack_app_token is None
            and self.slack_signing_secret is None
        ):
            raise ValueError(
                "SLACK_SIGNING_SECRET is required with SLACK_BOT_TOKEN "
                "(or set SLACK_APP_TOKEN for Socket Mode)"
            )
        return self

    @property
    def staff_user_ids(self) -> frozenset[str]:
        """Staff Slack user ids given directly (empty when a user group is configured)."""
        ids = (self.slack_staff_users or "").split(",")
        return frozenset(i for i in ids if i.startswith(("U", "W")))

    @property
    def staff_usergroup(self) -> str | None:
        """The Slack user group whose members are staff, if one is configured."""
        users = self.slack_staff_users or ""
        return users if users.startswith("S") else None

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
