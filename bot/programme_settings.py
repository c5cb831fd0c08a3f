"""The programme's own settings (how long data is kept, when and how often people are
nudged, the pacing of sends), as part of `bot.settings.Settings`, with their parsers."""

from __future__ import annotations

import re
from datetime import time

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings

from conversations.core.programme import NudgePolicy, RetentionPolicy
from conversations.rules.calendar import SendingWindow

__all__ = ["ProgrammeSettings", "env", "parse_days", "parse_hours"]


def env(name: str) -> AliasChoices:
    """The environment variable of a setting (any case)."""
    return AliasChoices(name, name.lower())


_env = env


class ProgrammeSettings(BaseSettings):
    """The settings of the programme's rhythm and rules (see `.env.example`)."""

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
