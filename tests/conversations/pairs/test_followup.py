"""The follow-up decisions, at their boundaries: exactly at a threshold, a second either
side, pairs that are not followed, week-ends and public holidays. Pure: no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conversations.core.programme import NudgePolicy
from conversations.pairs.followup import (
    FIRST_MEETING_STAGES,
    FirstMeetingAudience,
    FirstMeetingStep,
    SilenceCheck,
    checkin_postponed_to,
    first_meeting_audience,
    first_meeting_days,
    first_meeting_step,
    is_followed,
    retention_cutoff,
    silence_check,
    unpaired_digest_week,
    unpaired_since,
    waiting_days,
)
from conversations.rules.calendar import SendingWindow
from storage.models import PairingStatus

PARIS = ZoneInfo("Europe/Paris")
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
# Monday 2 November 2026, 10:00 in Paris
STARTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NUDGES = NudgePolicy()  # the programme's defaults: 7, 14 and 21 days; 45 days of silence
WINDOW = SendingWindow()  # 09:00-19:00, Monday to Friday, public holidays skipped
NOT_FOLLOWED = [PairingStatus.PROPOSED, PairingStatus.PAUSED, PairingStatus.CLOSED]


def paris(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PARIS)


# --------------------------------------------------------------------------- followed pairs


def test_only_active_pairs_are_followed() -> None:
    assert {status: is_followed(status) for status in PairingStatus} == {
        PairingStatus.PROPOSED: False,
        PairingStatus.ACTIVE: True,
        PairingStatus.PAUSED: False,
        PairingStatus.CLOSED: False,
    }
    # as read from the database: plain text
    assert is_followed("active")
    assert not is_followed("paused")


# --------------------------------------------------------------------------- first meeting


def _step(
    now: datetime,
    stage: int = 0,
    *,
    status: str = PairingStatus.ACTIVE,
    started_at: datetime | None = STARTED,
    first_meeting_at: datetime | None = None,
    nudges: NudgePolicy = NUDGES,
) -> FirstMeetingStep:
    return first_meeting_step(
        status=status,
        started_at=started_at,
        first_meeting_at=first_meeting_at,
        stage=stage,
        now=now,
        nudges=nudges,
    )


def test_the_stages_are_the_mentor_both_and_staff_days() -> None:
    assert first_meeting_days(NUDGES) == (7, 14, 21)
    assert len(first_meeting_days(NUDGES)) == FIRST_MEETING_STAGES


@pytest.mark.parametrize(
    ("stage", "days", "following_days"),
    [(0, 7, 14), (1, 14, 21)],
)
def test_a_stage_is_sent_exactly_at_its_day_and_the_next_one_is_armed(
    stage: int, days: int, following_days: int
) -> None:
    due = STARTED + timedelta(days=days)
    assert _step(due - SECOND, stage) == FirstMeetingStep(send=None, due_at=due)
    expected = FirstMeetingStep(send=stage + 1, due_at=STARTED + timedelta(days=following_days))
    assert _step(due, stage) == expected
    assert _step(due + SECOND, stage) == expected


def test_the_last_stage_is_sent_at_its_day_and_nothing_follows() -> None:
    due = STARTED + timedelta(days=21)
    assert _step(due - SECOND, 2) == FirstMeetingStep(send=None, due_at=due)
    assert _step(due, 2) == FirstMeetingStep(send=3, due_at=None)
    assert _step(due + SECOND, 2) == FirstMeetingStep(send=3, due_at=None)


def test_a_pair_woken_early_is_looked_at_again_on_its_day() -> None:
    # armed at the start, looked at on day 3 (a tick after a restart, a moved setting...)
    assert _step(STARTED + 3 * DAY) == FirstMeetingStep(send=None, due_at=STARTED + 7 * DAY)


def test_every_stage_done_sends_nothing_more() -> None:
    assert _step(STARTED + 90 * DAY, FIRST_MEETING_STAGES) == FirstMeetingStep(None, None)


def test_a_late_tick_sends_the_stage_due_and_makes_the_one_already_due_due_now() -> None:
    now = STARTED + 15 * DAY  # past day 7 and day 14, before day 21
    assert _step(now, 0) == FirstMeetingStep(send=1, due_at=now)
    assert _step(now, 1) == FirstMeetingStep(send=2, due_at=STARTED + 21 * DAY)


def test_a_very_late_tick_walks_through_every_stage_once() -> None:
    now = STARTED + 40 * DAY
    sent, stage, due = [], 0, _step(now, 0)
    while due.send is not None:
        sent.append(due.send)
        stage = due.send
        due = _step(now, stage)
    assert sent == [1, 2, 3]
    assert due == FirstMeetingStep(send=None, due_at=None)


def test_a_resumed_pair_gets_the_reminder_it_is_at_not_all_of_them() -> None:
    # paused after the mentor's reminder, resumed two months later: the "both" one is due
    assert _step(STARTED + 60 * DAY, 1) == FirstMeetingStep(send=2, due_at=STARTED + 60 * DAY)


def test_a_logged_first_meeting_stops_the_reminders() -> None:
    now = STARTED + 7 * DAY
    assert _step(now, first_meeting_at=STARTED + DAY) == FirstMeetingStep(None, None)


def test_a_pair_not_started_gets_no_reminder() -> None:
    assert _step(STARTED + 30 * DAY, started_at=None) == FirstMeetingStep(None, None)


@pytest.mark.parametrize("status", NOT_FOLLOWED)
def test_a_pair_not_active_gets_no_reminder(status: PairingStatus) -> None:
    assert _step(STARTED + 7 * DAY, status=status) == FirstMeetingStep(None, None)


def test_the_days_come_from_the_settings() -> None:
    nudges = NudgePolicy(
        first_meeting_mentor_days=5, first_meeting_both_days=10, first_meeting_staff_days=15
    )
    assert _step(STARTED + 5 * DAY - SECOND, nudges=nudges).send is None
    assert _step(STARTED + 5 * DAY, nudges=nudges) == FirstMeetingStep(1, STARTED + 10 * DAY)
    assert _step(STARTED + 15 * DAY, 2, nudges=nudges) == FirstMeetingStep(3, None)


MENTOR = FirstMeetingAudience(mentor=True, youth=False, staff=False)
BOTH = FirstMeetingAudience(mentor=True, youth=True, staff=False)
STAFF = FirstMeetingAudience(mentor=False, youth=False, staff=True)


@pytest.mark.parametrize(
    ("stage", "youth_reachable", "told"),
    [
        (1, True, MENTOR),
        (1, False, MENTOR),
        (2, True, BOTH),
        (2, False, MENTOR),  # the bot cannot reach the youth any more: the mentor only
        (3, True, STAFF),
        (3, False, STAFF),
    ],
)
def test_who_is_told_at_each_stage(
    stage: int, youth_reachable: bool, told: FirstMeetingAudience
) -> None:
    assert first_meeting_audience(stage, youth_reachable=youth_reachable) == told


@pytest.mark.parametrize("stage", [-1, 0, 4])
def test_there_is_no_audience_outside_the_stages(stage: int) -> None:
    with pytest.raises(ValueError, match="stages are 1 to 3"):
        first_meeting_audience(stage, youth_reachable=True)


# --------------------------------------------------------------------------- monthly round


def _postponed(
    paused_until: date | None, today: date, window: SendingWindow = WINDOW
) -> datetime | None:
    return checkin_postponed_to(paused_until, today=today, zone=PARIS, window=window)


def test_a_mentor_not_on_holiday_gets_the_round_now() -> None:
    assert _postponed(None, date(2026, 12, 2)) is None


def test_a_holiday_that_ended_yesterday_no_longer_holds_the_round() -> None:
    assert _postponed(date(2026, 12, 1), date(2026, 12, 2)) is None


def test_a_holiday_ending_today_holds_the_round_until_tomorrow_ten_o_clock_utc() -> None:
    # Wednesday 2 December: the round goes out on Thursday at 10:00 in Paris
    resume = _postponed(date(2026, 12, 2), date(2026, 12, 2))
    assert resume == paris(2026, 12, 3)
    assert resume is not None
    assert resume.utcoffset() == timedelta(0)


def test_a_holiday_ending_later_holds_the_round_until_the_day_after_it() -> None:
    assert _postponed(date(2026, 12, 9), date(2026, 12, 2)) == paris(2026, 12, 10)


def test_a_round_resuming_on_a_saturday_waits_for_monday_morning() -> None:
    # back on Saturday 5 December: Monday 7 December, when the sending hours open
    assert _postponed(date(2026, 12, 4), date(2026, 12, 2)) == paris(2026, 12, 7, 9)


def test_a_round_resuming_on_a_public_holiday_waits_for_the_next_working_day() -> None:
    # back on Christmas Day (a Friday): Monday 28 December
    assert _postponed(date(2026, 12, 24), date(2026, 12, 20)) == paris(2026, 12, 28, 9)


def test_public_holidays_count_as_working_days_when_the_settings_say_so() -> None:
    window = SendingWindow(skip_public_holidays=False)
    assert _postponed(date(2026, 12, 24), date(2026, 12, 20), window) == paris(2026, 12, 25)


def test_a_round_resuming_over_the_clock_change_and_easter_monday() -> None:
    # back on Sunday 28 March 2027 (summer time starts), Easter Monday follows: Tuesday
    resume = _postponed(date(2027, 3, 27), date(2027, 3, 20))
    assert resume == paris(2027, 3, 30, 9)
    assert resume == datetime(2027, 3, 30, 7, 0, tzinfo=UTC)


def test_a_round_resuming_after_the_sending_hours_open_goes_out_at_ten() -> None:
    window = SendingWindow(opens=time(8, 0), closes=time(18, 0))
    assert _postponed(date(2026, 12, 2), date(2026, 12, 2), window) == paris(2026, 12, 3)


def test_a_round_resuming_after_the_sending_hours_close_waits_for_the_next_day() -> None:
    window = SendingWindow(opens=time(6, 0), closes=time(9, 30))
    assert _postponed(date(2026, 12, 2), date(2026, 12, 2), window) == paris(2026, 12, 4, 6)


# --------------------------------------------------------------------------- silence


def _silence(
    now: datetime,
    *,
    status: str = PairingStatus.ACTIVE,
    last_contact_at: datetime | None = None,
    first_meeting_at: datetime | None = None,
    started_at: datetime | None = STARTED,
    silence_days: int = 45,
) -> SilenceCheck:
    return silence_check(
        status=status,
        last_contact_at=last_contact_at,
        first_meeting_at=first_meeting_at,
        started_at=started_at,
        now=now,
        silence_days=silence_days,
    )


def test_a_pair_is_at_risk_exactly_after_the_silence_days() -> None:
    silent = STARTED + 45 * DAY
    assert _silence(silent - SECOND) == SilenceCheck(alert_since=None, due_at=silent)
    assert _silence(silent) == SilenceCheck(alert_since=STARTED, due_at=silent + 45 * DAY)
    assert _silence(silent + SECOND) == SilenceCheck(
        alert_since=STARTED, due_at=silent + SECOND + 45 * DAY
    )


def test_the_latest_sign_of_life_counts() -> None:
    met = STARTED + 10 * DAY
    contact = STARTED + 20 * DAY
    assert _silence(contact + 45 * DAY - SECOND, first_meeting_at=met, last_contact_at=contact) == (
        SilenceCheck(alert_since=None, due_at=contact + 45 * DAY)
    )
    assert _silence(contact + 45 * DAY, first_meeting_at=met, last_contact_at=contact) == (
        SilenceCheck(alert_since=contact, due_at=contact + 90 * DAY)
    )


def test_a_first_meeting_counts_as_a_sign_of_life() -> None:
    met = STARTED + 30 * DAY
    assert _silence(STARTED + 45 * DAY, first_meeting_at=met).due_at == met + 45 * DAY


def test_a_contact_logged_before_the_first_meeting_date_does_not_hide_it() -> None:
    # dates are entered by hand: the latest one wins, whichever field holds it
    met, contact = STARTED + 30 * DAY, STARTED + 5 * DAY
    check = _silence(met + 45 * DAY, first_meeting_at=met, last_contact_at=contact)
    assert check.alert_since == met


def test_a_long_silence_keeps_naming_the_same_last_contact() -> None:
    # the alert's key names the last contact: looking again later finds the same silence
    first = _silence(STARTED + 45 * DAY)
    assert first.due_at is not None
    again = _silence(first.due_at)
    assert again.alert_since == first.alert_since == STARTED


def test_the_silence_days_come_from_the_settings() -> None:
    assert _silence(STARTED + 10 * DAY - SECOND, silence_days=10).alert_since is None
    assert _silence(STARTED + 10 * DAY, silence_days=10).alert_since == STARTED


@pytest.mark.parametrize("status", NOT_FOLLOWED)
def test_a_pair_not_active_is_never_at_risk(status: PairingStatus) -> None:
    assert _silence(STARTED + 100 * DAY, status=status) == SilenceCheck(None, None)


def test_a_pair_with_no_date_at_all_is_not_looked_at() -> None:
    assert _silence(STARTED + 100 * DAY, started_at=None) == SilenceCheck(None, None)


# --------------------------------------------------------------------------- unpaired youths


def test_youths_decided_at_or_before_the_unpaired_days_wait_too_long() -> None:
    # the query keeps `decided_at <= unpaired_since(...)`: see tests/scheduler/test_unpaired.py
    now = paris(2026, 11, 23)
    assert unpaired_since(now, 20) == now - 20 * DAY
    assert unpaired_since(now, 1) == now - DAY  # the days come from the settings


@pytest.mark.parametrize(
    ("waited", "days"),
    [
        (timedelta(0), 0),
        (20 * DAY - SECOND, 19),
        (20 * DAY, 20),
        (20 * DAY + SECOND, 20),
        (21 * DAY - SECOND, 20),
    ],
)
def test_waiting_days_are_whole_days(waited: timedelta, days: int) -> None:
    now = paris(2026, 11, 23)
    assert waiting_days(now - waited, now) == days


def test_waiting_days_are_zero_when_unknown_or_in_the_future() -> None:
    now = paris(2026, 11, 23)
    assert waiting_days(None, now) == 0
    assert waiting_days(now + SECOND, now) == 0


def _week(now: datetime, zone: ZoneInfo = PARIS) -> str | None:
    return unpaired_digest_week(now, zone=zone, window=WINDOW)


def test_the_digest_goes_out_from_the_first_sending_hour_of_the_week() -> None:
    monday = paris(2026, 11, 2, 9)
    assert _week(monday - SECOND) is None
    assert _week(monday) == "2026-W45"
    assert _week(monday + SECOND) == "2026-W45"


def test_the_digest_week_is_the_same_all_week_long() -> None:
    assert _week(paris(2026, 11, 6, 18, 59)) == "2026-W45"
    assert _week(paris(2026, 11, 9, 9)) == "2026-W46"


def test_no_digest_outside_the_sending_hours() -> None:
    assert _week(paris(2026, 11, 3, 19)) is None  # closing time
    assert _week(paris(2026, 11, 3, 18, 59)) == "2026-W45"
    assert _week(paris(2026, 11, 7, 10)) is None  # Saturday
    assert _week(paris(2026, 11, 8, 10)) is None  # Sunday


def test_no_digest_on_a_public_holiday() -> None:
    assert _week(paris(2027, 3, 29)) is None  # Easter Monday
    assert _week(paris(2027, 3, 30, 9)) == "2027-W13"


def test_the_digest_week_is_the_iso_week_and_its_year() -> None:
    # Monday 30 December 2024 belongs to the first week of 2025
    assert _week(paris(2024, 12, 30)) == "2025-W01"


def test_the_digest_week_is_counted_in_the_programme_time_zone() -> None:
    noumea = ZoneInfo("Pacific/Noumea")  # UTC+11: Monday 09:00 there is Sunday 22:00 UTC
    monday_morning = datetime(2026, 11, 8, 22, 0, tzinfo=UTC)
    assert _week(monday_morning, noumea) == "2026-W46"


# --------------------------------------------------------------------------- retention


def test_the_retention_cutoff_is_the_retention_days_ago() -> None:
    now = paris(2027, 12, 1)
    assert retention_cutoff(now, 365) == now - 365 * DAY
    assert retention_cutoff(now, 30) == now - 30 * DAY
