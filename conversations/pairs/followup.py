"""Follow-up decisions: which reminder is due, who hears it, and when to look again.

Pure functions: dates, counts and settings in, a decision out; no database, no I/O. The
scheduler's ticks carry the decisions out (outbox messages, due-date columns), so every
rule here can be tested at its boundaries without a session.

    first meeting not logged   started + mentor days --> stage 1: the mentor
                               started + both days   --> stage 2: the mentor and the youth
                               started + staff days  --> stage 3: staff, then nothing more
    mentor on holiday          the monthly round waits for the first sending hour after it
    no contact for silence days --> at risk: staff alerted once per silence
    eligible, unpaired for unpaired days --> listed in staff's weekly digest
    nothing new for retention days --> the youth's data is erased
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from conversations.core.programme import NudgePolicy
from conversations.pairs.periods import DUE_TIME
from conversations.rules.calendar import Place, SendingWindow, next_open
from storage.models import PairingStatus

__all__ = [
    "FIRST_MEETING_STAGES",
    "FirstMeetingAudience",
    "FirstMeetingStep",
    "SilenceCheck",
    "checkin_postponed_to",
    "first_meeting_audience",
    "first_meeting_days",
    "first_meeting_step",
    "is_followed",
    "retention_cutoff",
    "silence_check",
    "unpaired_digest_week",
    "unpaired_since",
    "waiting_days",
]

# reminders about a first meeting not logged: the mentor, both, then staff
FIRST_MEETING_STAGES = 3


def is_followed(status: str) -> bool:
    """Whether a pairing gets reminders, pulses and at-risk alerts: active ones only.

    Paused, proposed and closed pairings are left alone; their due dates are armed again
    when they (re)start.
    """
    return status == PairingStatus.ACTIVE


# --------------------------------------------------------------------------- first meeting


def first_meeting_days(nudges: NudgePolicy) -> tuple[int, int, int]:
    """Days after the start of the pairing at which each stage's reminder is due."""
    return (
        nudges.first_meeting_mentor_days,
        nudges.first_meeting_both_days,
        nudges.first_meeting_staff_days,
    )


@dataclass(frozen=True)
class FirstMeetingStep:
    """What to do now about a pair's first meeting not yet logged."""

    # the stage whose reminder goes out now (1, 2 or 3), None when nothing is sent
    send: int | None
    # when to look again; None stops looking (met, done, or no longer followed)
    due_at: datetime | None


def first_meeting_step(
    *,
    status: str,
    started_at: datetime | None,
    first_meeting_at: datetime | None,
    stage: int,
    now: datetime,
    nudges: NudgePolicy,
) -> FirstMeetingStep:
    """The next first-meeting reminder of a pair whose `stage` reminders have gone out.

    A stage is due `first_meeting_days` after the start, counted from the start date (so a
    pair resumed after a pause gets the reminder it is at, not all of them again). When a
    tick runs late past the following stage's date too, that one is due at once (`now`).
    """
    if (
        not is_followed(status)
        or first_meeting_at is not None
        or started_at is None
        or stage >= FIRST_MEETING_STAGES
    ):
        return FirstMeetingStep(send=None, due_at=None)
    days = first_meeting_days(nudges)
    following = stage + 1
    due = started_at + timedelta(days=days[following - 1])
    if due > now:
        return FirstMeetingStep(send=None, due_at=due)
    if following == FIRST_MEETING_STAGES:
        return FirstMeetingStep(send=following, due_at=None)
    return FirstMeetingStep(
        send=following, due_at=max(now, started_at + timedelta(days=days[following]))
    )


@dataclass(frozen=True)
class FirstMeetingAudience:
    """Who is told at a first-meeting stage."""

    mentor: bool
    youth: bool
    staff: bool


def first_meeting_audience(stage: int, *, youth_reachable: bool) -> FirstMeetingAudience:
    """Stage 1: the mentor; stage 2: the mentor and the youth (when the bot can still reach
    them); stage 3: staff only (the mentor has had two reminders)."""
    if not 1 <= stage <= FIRST_MEETING_STAGES:
        raise ValueError(f"first-meeting stages are 1 to {FIRST_MEETING_STAGES}, not {stage}")
    return FirstMeetingAudience(
        mentor=stage in (1, 2),
        youth=stage == 2 and youth_reachable,
        staff=stage == 3,
    )


# --------------------------------------------------------------------------- monthly round


def checkin_postponed_to(
    paused_until: date | None, *, today: date, zone: ZoneInfo, window: SendingWindow
) -> datetime | None:
    """When a due monthly round should go out instead, if the mentor paused check-ins
    (holidays) until `paused_until`, `today` included; None: ask it now.

    The round resumes the day after the pause at the rounds' local time (`DUE_TIME`), or
    the first sending hour after it (week-ends and public holidays skipped), in UTC.
    """
    if paused_until is None or paused_until < today:
        return None
    resume = datetime.combine(paused_until + timedelta(days=1), DUE_TIME, zone)
    return next_open(resume, window, Place(zone))


# --------------------------------------------------------------------------- silence


@dataclass(frozen=True)
class SilenceCheck:
    """What to do now about a pair that may have gone silent."""

    # the last sign of life of a silence to report to staff now (it names the alert, so a
    # new contact arms a new one); None when nothing is reported
    alert_since: datetime | None
    # when to look again; None stops looking
    due_at: datetime | None


def silence_check(
    *,
    status: str,
    last_contact_at: datetime | None,
    first_meeting_at: datetime | None,
    started_at: datetime | None,
    now: datetime,
    silence_days: int,
) -> SilenceCheck:
    """Whether a pair is at risk: no contact, first meeting or start for `silence_days`.

    Exactly `silence_days` after the last sign of life counts as silent. After an alert
    the pair is looked at again `silence_days` later (still silent: the same alert, which
    its key keeps from going out twice).
    """
    moments = [m for m in (last_contact_at, first_meeting_at, started_at) if m is not None]
    if not is_followed(status) or not moments:
        return SilenceCheck(alert_since=None, due_at=None)
    silence = timedelta(days=silence_days)
    last = max(moments)
    if last + silence > now:
        return SilenceCheck(alert_since=None, due_at=last + silence)
    return SilenceCheck(alert_since=last, due_at=now + silence)


# --------------------------------------------------------------------------- unpaired youths


def unpaired_since(now: datetime, unpaired_days: int) -> datetime:
    """Eligible youths decided at or before this moment and still without a mentor have
    waited too long (`unpaired_days`)."""
    return now - timedelta(days=unpaired_days)


def waiting_days(decided_at: datetime | None, now: datetime) -> int:
    """Whole days a youth has waited since their application was decided (0 if unknown, or
    decided after `now`)."""
    if decided_at is None or decided_at > now:
        return 0
    return (now - decided_at) // timedelta(days=1)


def unpaired_digest_week(now: datetime, *, zone: ZoneInfo, window: SendingWindow) -> str | None:
    """The ISO week ("2026-W48", programme time) whose unpaired digest may go out now, or
    None outside the sending hours (staff get it at the first sending hour of the week)."""
    if next_open(now, window, Place(zone)) > now:
        return None
    year, week, _ = now.astimezone(zone).isocalendar()
    return f"{year}-W{week:02d}"


# --------------------------------------------------------------------------- retention


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """A youth with nothing newer than this moment (application, end of mentoring) is past
    the retention the privacy notice promises, and erased."""
    return now - timedelta(days=retention_days)
