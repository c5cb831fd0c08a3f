"""The monthly check-in: which month it belongs to, when the next one is due, sending one,
and the mentor's one-tap answer.

    start_checkin --outbox--> "did you have contact this month?"
        yes ---------> the contact form (`contact_log`) --> logged, check-in answered
        not yet -----> offer a reminder in a few days --> remind_at set (scheduler asks again)
        unreachable -> logged as such

A check-in is unique per pairing, period ("YYYY-MM" in the programme's time zone) and
respondent, so starting it twice, or a button pressed twice, changes nothing twice. When it
goes out is the scheduler's business: here it is started from code or `mentorbot checkin`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations import contact_log, mentoring
from conversations.contact_log import Kind
from conversations.engine import ProgrammeConfig
from conversations.mentoring import NotAllowed, Result
from conversations.messages import Channel, Choice
from storage import outbox
from storage.models import (
    Checkin,
    CheckinAnswer,
    Interaction,
    MentorProfile,
    Pairing,
    PairingStatus,
    Person,
    Role,
)

# check-ins are due at this local time on the pair's check-in day
DUE_TIME = time(10, 0)
# "not yet": ask again after this many days
REMIND_AFTER_DAYS = 3


class CheckinError(Exception):
    """A check-in that cannot be started; the message says why, for the staff member."""


def period_of(when: datetime, zone: ZoneInfo) -> str:
    """The month a moment belongs to in the programme's time zone, as "YYYY-MM"."""
    local = when.astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"


def next_due(after: datetime, checkin_day: int, zone: ZoneInfo) -> datetime:
    """The next check-in: `checkin_day` of the month after `after`'s month, at 10:00 local."""
    local = after.astimezone(zone)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    day = min(max(checkin_day, 1), 28)
    return datetime.combine(date(year, month, day), DUE_TIME, tzinfo=zone).astimezone(after.tzinfo)


def choices(checkin_id: int) -> list[list[str]]:
    """The check-in's buttons, as stored with the outbox message."""
    return [
        ["choice.checkin.yes", f"ci:{checkin_id}:{CheckinAnswer.YES}"],
        ["choice.checkin.not_yet", f"ci:{checkin_id}:{CheckinAnswer.NOT_YET}"],
        ["choice.checkin.unreachable", f"ci:{checkin_id}:{CheckinAnswer.UNREACHABLE}"],
    ]


async def start_checkin(
    session: AsyncSession, *, pairing_id: int, now: datetime, config: ProgrammeConfig
) -> Checkin:
    """Ask the mentor of an active pairing about this month (once per month) and move the
    pairing's next due date to next month."""
    pairing = await session.get(Pairing, pairing_id)
    if pairing is None:
        raise CheckinError(f"No pairing {pairing_id}.")
    if pairing.status != PairingStatus.ACTIVE:
        raise CheckinError(f"Pairing {pairing_id} is {pairing.status}: no check-in.")
    period = period_of(now, config.zone)
    checkin = await session.scalar(
        select(Checkin).where(
            Checkin.pairing_id == pairing.id,
            Checkin.period == period,
            Checkin.respondent_role == Role.MENTOR,
        )
    )
    if checkin is None:
        checkin = Checkin(
            pairing_id=pairing.id,
            period=period,
            respondent_role=Role.MENTOR,
            asked_at=now,
            topics=[],
            needs_staff=False,
        )
        session.add(checkin)
        await session.flush()
    pairing.next_checkin_due_at = next_due(now, pairing.checkin_day, config.zone)
    await outbox.enqueue(
        session,
        key=f"checkin:{pairing.id}:{period}:ask",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="checkin.ask",
        context={
            "mentee": await mentoring.mentee_name(session, pairing),
            "period": period,
            "choices": choices(checkin.id),
        },
        now=now,
    )
    return checkin


async def checkins_paused(session: AsyncSession, mentor_id: int, today: date) -> bool:
    """The mentor asked for no check-in until a later day (holidays)."""
    profile = await session.get(MentorProfile, mentor_id)
    return bool(profile and profile.checkins_paused_until and profile.checkins_paused_until > today)


async def _own_checkin(
    session: AsyncSession, mentor: Person, checkin_id: int, now: datetime, config: ProgrammeConfig
) -> tuple[Checkin, Pairing]:
    checkin = await session.get(Checkin, checkin_id)
    if checkin is None:
        raise NotAllowed("mentor.not_your_pair")
    pairing = await mentoring.own_pairing(session, mentor, checkin.pairing_id, now=now)
    if pairing.status == PairingStatus.CLOSED:
        raise NotAllowed(
            "checkin.pair_closed", mentee=await mentoring.mentee_name(session, pairing)
        )
    if checkin.period != period_of(now, config.zone):
        raise NotAllowed("checkin.past_month", period=checkin.period)
    return checkin, pairing


async def answer(
    session: AsyncSession,
    *,
    mentor: Person,
    checkin_id: int,
    choice: str,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """The mentor tapped one of the check-in's buttons."""
    checkin, pairing = await _own_checkin(session, mentor, checkin_id, now, config)
    result = Result()
    locale = mentor.locale
    if checkin.answer == CheckinAnswer.YES or checkin.answer == CheckinAnswer.UNREACHABLE:
        result.say("checkin.already_answered", locale)
        return result
    if choice == CheckinAnswer.YES:
        result.form = contact_log.contact_form(
            locale,
            pairing_id=pairing.id,
            checkin_id=checkin.id,
            pairs=[],
            today=now.astimezone(config.zone).date(),
        )
        return result
    mentee = await mentoring.mentee_name(session, pairing)
    if choice == CheckinAnswer.NOT_YET:
        first_time = checkin.answer is None
        checkin.answer, checkin.answered_at = CheckinAnswer.NOT_YET, now
        if first_time:
            session.add(_log(pairing, mentor, Kind.NO_CONTACT_YET, now))
        result.say(
            "checkin.not_yet",
            locale,
            choices=(Choice("choice.checkin.remind", f"cr:{checkin.id}"),),
            mentee=mentee,
            days=REMIND_AFTER_DAYS,
        )
        result.refresh_home = True
        return result
    if choice == CheckinAnswer.UNREACHABLE:
        checkin.answer, checkin.answered_at, checkin.remind_at = (
            CheckinAnswer.UNREACHABLE,
            now,
            None,
        )
        session.add(_log(pairing, mentor, Kind.UNREACHABLE, now))
        result.say("checkin.unreachable", locale, mentee=mentee)
        result.refresh_home = True
        return result
    raise NotAllowed("common.stale_button")


async def remind_later(
    session: AsyncSession,
    *,
    mentor: Person,
    checkin_id: int,
    now: datetime,
    config: ProgrammeConfig,
) -> Result:
    """ "Remind me in a few days": the scheduler asks again at `remind_at`."""
    checkin, _pairing = await _own_checkin(session, mentor, checkin_id, now, config)
    result = Result()
    if checkin.answer in (CheckinAnswer.YES, CheckinAnswer.UNREACHABLE):
        result.say("checkin.already_answered", mentor.locale)
        return result
    checkin.remind_at = now + timedelta(days=REMIND_AFTER_DAYS)
    result.say("checkin.reminder_set", mentor.locale, when=checkin.remind_at)
    return result


def _log(pairing: Pairing, mentor: Person, kind: Kind, now: datetime) -> Interaction:
    return Interaction(
        pairing_id=pairing.id,
        kind=kind,
        occurred_at=now,
        logged_at=now,
        logged_by=mentor.id,
        channel=Channel.SLACK,
        topics=[],
        needs_staff=False,
    )
