"""The programme's settings flows read: follow-up durations (when to remind, when to
escalate), locales, delays told to people (all from `bot.settings`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
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
class RetentionPolicy:
    """How long each kind of data is kept (days), as the privacy notice states them: a
    youth's data once nothing happened for that long (a registration left unfinished, a
    refusal, a mentoring's last contact), the text of resolved cases, the audit log.

    Mentors are not erased by these periods: they are volunteers staff keep in touch with
    between mentorings; what they wrote about a youth (contact and check-in notes) goes
    with the youth. Eligible youths waiting for a mentor, or for staff's review, are kept."""

    # a registration left unfinished (or a privacy notice never answered), since the last step
    unfinished_days: int = 365
    # a refused application, since the decision (time to contest it, and to see why)
    refused_days: int = 365
    # a closed mentoring, since the pair's last contact (or its closing, without any)
    closed_days: int = 365
    # what people wrote in a case, since it was resolved (the case stays, for figures)
    cases_days: int = 365
    # audit entries (pseudonymous ids and codes only), since they were written
    audit_days: int = 730

    def __post_init__(self) -> None:
        for name in ("unfinished", "refused", "closed", "cases", "audit"):
            if getattr(self, f"{name}_days") < 1:
                raise ValueError(f"the {name} retention must be at least a day")

    def notice(self) -> dict[str, Any]:
        """The periods as the privacy notice and the FAQ name them (template variables)."""
        return {
            "unfinished_days": self.unfinished_days,
            "refused_days": self.refused_days,
            "closed_days": self.closed_days,
            "cases_days": self.cases_days,
            "audit_days": self.audit_days,
        }


@dataclass(frozen=True)
class ProgrammeConfig:
    """The programme settings flows need (built from `bot.settings.Settings`)."""

    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    default_locale: str = "fr"
    review_delay_days: int = 5
    pairing_delay_weeks: int = 3
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    nudges: NudgePolicy = field(default_factory=NudgePolicy)
    # a conversation left longer than this resumes with a reminder of where it stood
    resume_after_days: int = 30
    # the FAQ's question files (None: the packaged ones, bot/faq/)
    faq_dir: Path | None = None
    # the pairing suggestions' weights (None: the packaged bot/rules/matching.toml)
    matching_file: Path | None = None
    # messages per second the outbox sends on each channel (how long an announcement takes)
    send_rates: dict[str, float] = field(default_factory=lambda: {"telegram": 30.0, "slack": 10.0})
    # a person sending more than this many messages a minute is told once, then ignored for
    # the pause (staff never are)
    throttle_per_minute: int = 20
    throttle_pause_minutes: int = 5
