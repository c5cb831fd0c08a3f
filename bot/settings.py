"""Typed settings, read from the environment and an optional `.env` file, checked at start."""

from __future__ import annotations

import re
from datetime import time
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
from pydantic_settings import BaseSettings, SettingsConfigDict

from conversations.core.programme import NudgePolicy, RetentionPolicy
from conversations.rules.calendar import SendingWindow
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
    # --- retention: how long data is kept (days), stated in the privacy notice from these
    # the default of the three periods of a youth's data below, when they are not set
    retention_days: int = Field(
        365, ge=30, le=3650, validation_alias=_env("MENTORBOT_RETENTION_DAYS")
    )
    # a registration left unfinished (or a privacy notice never answered), since the last step
    retention_unfinished_days: int | None = Field(
        None, ge=7, le=3650, validation_alias=_env("MENTORBOT_RETENTION_UNFINISHED_DAYS")
    )
    # a refused application, since the decision (at least a month: time to contest it)
    retention_refused_days: int | None = Field(
        None, ge=30, le=3650, validation_alias=_env("MENTORBOT_RETENTION_REFUSED_DAYS")
    )
    # a closed mentoring, since the pair's last contact
    retention_closed_days: int | None = Field(
        None, ge=30, le=3650, validation_alias=_env("MENTORBOT_RETENTION_CLOSED_DAYS")
    )
    # what people wrote in a case, since the case was resolved
    retention_cases_days: int = Field(
        365, ge=30, le=3650, validation_alias=_env("MENTORBOT_RETENTION_CASES_DAYS")
    )
    # audit entries (at least a year: who did what must be answerable for the yearly report)
    retention_audit_days: int = Field(
        730, ge=365, le=3650, validation_alias=_env("MENTORBOT_RETENTION_AUDIT_DAYS")
    )
    # a conversation left this long resumes with a reminder of where it stood
    resume_after_days: int = Field(
        30, ge=1, le=365, validation_alias=_env("MENTORBOT_RESUME_AFTER_DAYS")
    )

    # --- when proactive messages may go out (each person's local time)
    send_hours: str = Field("09:00-19:00", validation_alias=_env("MENTORBOT_SEND_HOURS"))
    send_days: str = Field("mon,tue,wed,thu,fri", validation_alias=_env("MENTORBOT_SEND_DAYS"))
    skip_public_holidays: bool = Field(
        True, validation_alias=_env("MENTORBOT_SKIP_PUBLIC_HOLIDAYS")
    )
    # at most one nudge, pulse or broadcast per person per day (staff alerts and answers to
    # a person's own request are not counted)
    daily_budget: bool = Field(True, validation_alias=_env("MENTORBOT_DAILY_BUDGET"))
    # --- the follow-up rules (days)
    first_meeting_days: str = Field(
        "7,14,21", validation_alias=_env("MENTORBOT_FIRST_MEETING_DAYS")
    )
    checkin_reminder_days: int = Field(
        4, ge=1, le=27, validation_alias=_env("MENTORBOT_CHECKIN_REMINDER_DAYS")
    )
    checkin_escalation_days: int = Field(
        10, ge=2, le=28, validation_alias=_env("MENTORBOT_CHECKIN_ESCALATION_DAYS")
    )
    silence_days: int = Field(45, ge=7, le=365, validation_alias=_env("MENTORBOT_SILENCE_DAYS"))
    silent_rounds: int = Field(3, ge=1, le=12, validation_alias=_env("MENTORBOT_SILENT_ROUNDS"))
    unpaired_days: int = Field(20, ge=1, le=365, validation_alias=_env("MENTORBOT_UNPAIRED_DAYS"))
    # --- pacing (platform limits are unpublished: settings)
    telegram_messages_per_second: float = Field(
        30.0, gt=0, le=1000, validation_alias=_env("TELEGRAM_MESSAGES_PER_SECOND")
    )
    telegram_chat_messages_per_second: float = Field(
        1.0, gt=0, le=30, validation_alias=_env("TELEGRAM_CHAT_MESSAGES_PER_SECOND")
    )
    slack_messages_per_second: float = Field(
        10.0, gt=0, le=100, validation_alias=_env("SLACK_MESSAGES_PER_SECOND")
    )
    slack_channel_messages_per_second: float = Field(
        1.0, gt=0, le=10, validation_alias=_env("SLACK_CHANNEL_MESSAGES_PER_SECOND")
    )
    # how often the scheduler computes what is due, and the dispatcher looks for messages
    tick_seconds: int = Field(60, ge=5, le=3600, validation_alias=_env("MENTORBOT_TICK_SECONDS"))
    dispatch_seconds: float = Field(
        2.0, ge=0.1, le=300, validation_alias=_env("MENTORBOT_DISPATCH_SECONDS")
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

    @field_validator("send_hours")
    @classmethod
    def _check_hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("send_days")
    @classmethod
    def _check_days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("first_meeting_days")
    @classmethod
    def _check_first_meeting(cls, value: str) -> str:
        days = _integers(value, 3)
        if not 0 < days[0] < days[1] < days[2]:
            raise ValueError("must be three increasing day counts, e.g. 7,14,21")
        return value

    @property
    def window(self) -> SendingWindow:
        opens, closes = parse_hours(self.send_hours)
        return SendingWindow(
            opens=opens,
            closes=closes,
            weekdays=parse_days(self.send_days),
            skip_public_holidays=self.skip_public_holidays,
        )

    @property
    def nudges(self) -> NudgePolicy:
        mentor, both, staff = _integers(self.first_meeting_days, 3)
        return NudgePolicy(
            first_meeting_mentor_days=mentor,
            first_meeting_both_days=both,
            first_meeting_staff_days=staff,
            checkin_reminder_days=self.checkin_reminder_days,
            checkin_escalation_days=self.checkin_escalation_days,
            silence_days=self.silence_days,
            silent_rounds_before_asking=self.silent_rounds,
            unpaired_days=self.unpaired_days,
            window=self.window,
        )

    @property
    def retention(self) -> RetentionPolicy:
        """The retention periods; a youth's three default to MENTORBOT_RETENTION_DAYS."""
        return RetentionPolicy(
            unfinished_days=self.retention_unfinished_days or self.retention_days,
            refused_days=self.retention_refused_days or self.retention_days,
            closed_days=self.retention_closed_days or self.retention_days,
            cases_days=self.retention_cases_days,
            audit_days=self.retention_audit_days,
        )

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


_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def parse_hours(value: str) -> tuple[time, time]:
    """ "09:00-19:00" -> (09:00, 19:00)."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    if not match:
        raise ValueError("must look like 09:00-19:00")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) >= (h2, m2):
        raise ValueError("must be two times of day, the first before the second")
    return time(h1, m1), time(h2, m2)


def parse_days(value: str) -> frozenset[int]:
    """ "mon,tue,wed" -> {0, 1, 2}."""
    names = [part.strip().lower()[:3] for part in value.split(",") if part.strip()]
    unknown = [name for name in names if name not in _DAYS]
    if not names or unknown:
        raise ValueError("must list days among mon,tue,wed,thu,fri,sat,sun")
    return frozenset(_DAYS[name] for name in names)


def _integers(value: str, count: int) -> list[int]:
    try:
        numbers = [int(part) for part in value.split(",")]
    except ValueError:
        raise ValueError(f"must be {count} whole numbers separated by commas") from None
    if len(numbers) != count:
        raise ValueError(f"must be {count} whole numbers separated by commas")
    return numbers
