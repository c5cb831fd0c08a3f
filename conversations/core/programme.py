"""The programme's settings flows read: follow-up durations (when to remind, when to
escalate), locales, delays told to people (all from `bot.settings`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from conversations.rules.calendar import SendingWindow


@dataclass(frozen=True)
class NudgePolicy:
    """Durations and counts of the follow-up; the defaults are the programme's."""

    # first meeting not logged this many days after pairing: remind the mentor, then both,
    # then alert staff
    first_meeting_mentor_days: int = 7
    first_meeting_both_days: int = 14
    first_meeting_staff_days: int = 21
    # monthly check-in: one reminder after this many days, then a staff alert (no third message)
    checkin_reminder_days: int = 4
    checkin_escalation_days: int = 10
    # no contact logged by either side for this long: the pair is at risk (staff alerted once)
    silence_days: int = 45
    # after this many unanswered monthly rounds, ask whether to continue instead of nudging
    silent_rounds_before_asking: int = 3
    # eligible youths not paired after this many days are listed for staff
    unpaired_days: int = 20
    window: SendingWindow = field(default_factory=SendingWindow)

    def __post_init__(self) -> None:
        if not (
            0
            < self.first_meeting_mentor_days
            < self.first_meeting_both_days
            < self.first_meeting_staff_days
        ):
            raise ValueError("first-meeting reminders must come in order: mentor, both, staff")
        if not 0 < self.checkin_reminder_days < self.checkin_escalation_days:
            raise ValueError("the check-in reminder must come before the escalation")
        if self.silence_days < 1 or self.silent_rounds_before_asking < 1 or self.unpaired_days < 1:
            raise ValueError("silence, rounds and unpaired days must be positive")


@dataclass(frozen=True)
class ProgrammeConfig:
    """The programme settings flows need (built from `bot.settings.Settings`)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    default_locale: str = "fr"
    review_delay_days: int = 5
    pairing_delay_weeks: int = 3
    retention_days: int = 365
    nudges: NudgePolicy = field(default_factory=NudgePolicy)
    # a conversation left longer than this resumes with a reminder of where it stood
    resume_after_days: int = 30
    # the FAQ's question files (None: the packaged ones, bot/faq/)
    faq_dir: Path | None = None
    # messages per second the outbox sends on each channel (how long an announcement takes)
    send_rates: dict[str, float] = field(default_factory=lambda: {"telegram": 30.0, "slack": 10.0})
