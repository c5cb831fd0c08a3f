"""The monthly check-in: which month it belongs to, when the next one is due, sending one,
the mentor's one-tap answer, and the scheduler's monthly round around it.

    monthly_round (scheduler, when `next_checkin_due_at` is due)
        previous check-in unanswered? --> mentor_silent_rounds + 1, else back to 0
        silent rounds reached the setting --> "continue, pause or stop?" (`silence`), no check-in
        otherwise --> start_checkin --outbox--> "did you have contact this month?"
                      remind_at = +4 days (one automatic reminder), escalate_at = +10 days
        yes ---------> the contact form (`contact_log`) --> logged, check-in answered
        not yet -----> offer a reminder in a few days --> remind_at set (scheduler asks again)
        unreachable -> logged as such
    remind_checkin (scheduler, at remind_at) --> one reminder, unless answered or contact logged
    escalate_checkin (scheduler, at escalate_at) --> staff alert if still no answer nor contact

A check-in is unique per pairing, period ("YYYY-MM" in the programme's time zone) and
respondent, so starting it twice, or a button pressed twice, changes nothing twice. Every
message has its own outbox key, so a tick run twice sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Choice
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import NotAllowed, Result
from conversations.mentor import contact_log
from conversations.mentor.contact_log import Kind
from conversations.pairs import access as mentoring
from conversations.pairs.periods import next_due, period_bounds, period_of
from storage import outbox
from storage.models import (
    Checkin,
    CheckinAnswer,
    Interaction,
    MentorProfile,
    Pairing,
    PairingStatus,
    Person,
    Priority,
    Role,
)

logger = logging.getLogger(__name__)

# check-ins are due at this local time on the pair's check-in day
# "not yet": ask again after this many days
REMIND_AFTER_DAYS = 3
# answers after which nothing more is asked this month
SETTLED = (CheckinAnswer.YES, CheckinAnswer.UNREACHABLE)
# interactions that show the pair was in touch
CONTACT_KINDS = (Kind.CONTACT, Kind.FIRST_MEETING)


class ContinueChoice(StrEnum):
    """The answers to "continue, pause or stop the mentoring?" (after silent rounds)."""

    CONTINUE = "continue"
    PAUSE = "pause"
    STOP = "stop"


class CheckinError(Exception):
    """A check-in that cannot be started; the message says why, for the staff member."""


def choices(checkin_id: int) -> list[list[str]]:
    """The check-in's buttons, as stored with the outbox message."""
    return [
        [f"choice.checkin.{answer}", codec.encode("ci", checkin_id, value=answer)]
        for answer in (CheckinAnswer.YES, CheckinAnswer.NOT_YET, CheckinAnswer.UNREACHABLE)
    ]


def continue_choices(pairing_id: int) -> list[list[str]]:
    """The buttons of "continue, pause or stop?", as stored with the outbox message."""
    return [
        [f"choice.silence.{c.value}", codec.encode("cm", pairing_id, value=c.value)]
        for c in ContinueChoice
    ]


async def start_checkin(
    session: AsyncSession,
    *,
    pairing_id: int,
    now: datetime,
    config: ProgrammeConfig,
    notify: bool = True,
) -> Checkin:
    """Ask the mentor of an active pairing about this month (once per month) and move the
    pairing's next due date to next month. With `notify=False` nothing is queued: the
    caller shows the question itself (the mentor is in the conversation)."""
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
    if not notify:
        return checkin
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
    if not answerable(checkin, now, config):
        raise NotAllowed("checkin.past_month", period=checkin.period)
    return checkin, pairing


def answerable(checkin: Checkin, now: datetime, config: ProgrammeConfig) -> bool:
    """A check-in can be answered during its month, and until its escalation even after
    the month ended (one asked on the 28th keeps its reminder and a few days to answer)."""
    if checkin.period == period_of(now, config.zone):
        return True
    return now < checkin.asked_at + timedelta(days=config.nudges.checkin_escalation_days)


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
            choices=(Choice("choice.checkin.remind", codec.encode("cr", checkin.id)),),
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


# --------------------------------------------------------------------------- the monthly round


async def contact_logged(
    session: AsyncSession, pairing_id: int, since: datetime, until: datetime | None = None
) -> bool:
    """A contact (or the first meeting) of the pair was logged as happening in that time."""
    query = select(Interaction.id).where(
        Interaction.pairing_id == pairing_id,
        Interaction.kind.in_(CONTACT_KINDS),
        Interaction.occurred_at >= since,
    )
    if until is not None:
        query = query.where(Interaction.occurred_at < until)
    return await session.scalar(query.limit(1)) is not None


async def _left_unanswered(
    session: AsyncSession, checkin: Checkin, config: ProgrammeConfig
) -> bool:
    # "not yet" is an answer (no contact, but the mentor is there); so is a contact logged
    # that month through the App Home instead of the check-in's buttons
    if checkin.answer is not None:
        return False
    start, end = period_bounds(checkin.period, config.zone)
    return not await contact_logged(session, checkin.pairing_id, start, end)


async def open_checkin(
    session: AsyncSession,
    *,
    pairing: Pairing,
    now: datetime,
    config: ProgrammeConfig,
    notify: bool = True,
) -> Checkin:
    """Start this month's check-in and arm its follow-up: one automatic reminder (unless the
    mentor already asked for one, or one went out) and the staff escalation."""
    made = await start_checkin(
        session, pairing_id=pairing.id, now=now, config=config, notify=notify
    )
    if made.answer in SETTLED:
        return made
    nudges = config.nudges
    if made.escalate_at is None:
        # once per period all the same: the alert's outbox key names the period
        made.escalate_at = now + timedelta(days=nudges.checkin_escalation_days)
    if made.remind_at is None and made.reminded_at is None:
        made.remind_at = now + timedelta(days=nudges.checkin_reminder_days)
    return made


async def ask_to_continue(
    session: AsyncSession, *, pairing: Pairing, period: str, now: datetime
) -> bool:
    """Ask a silent mentor whether to continue, pause or stop (once per period)."""
    queued = await outbox.enqueue(
        session,
        key=f"continue:{pairing.id}:{period}:mentor",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="silence.ask",
        context={
            "mentee": await mentoring.mentee_name(session, pairing),
            "rounds": pairing.mentor_silent_rounds,
            "choices": continue_choices(pairing.id),
        },
        now=now,
        priority=Priority.NORMAL,
    )
    return queued is not None


async def monthly_round(
    session: AsyncSession, *, pairing: Pairing, now: datetime, config: ProgrammeConfig
) -> bool:
    """The month's round for a pair whose check-in is due: count the mentor's silence, then
    either start the check-in or, after too many silent rounds, ask whether to continue.

    Returns whether a round ran; a pair that is not active or not due is left alone, so
    calling it twice in a month changes nothing twice.
    """
    if pairing.status != PairingStatus.ACTIVE:
        return False
    if pairing.next_checkin_due_at is None or pairing.next_checkin_due_at > now:
        return False
    period = period_of(now, config.zone)
    previous = await session.scalar(
        select(Checkin)
        .where(
            Checkin.pairing_id == pairing.id,
            Checkin.respondent_role == Role.MENTOR,
            Checkin.period < period,
        )
        .order_by(Checkin.period.desc())
        .limit(1)
    )
    # a round that asked "continue?" has no check-in: the one before it stays the latest,
    # and while the question is unanswered that round is silent too
    if previous is not None and await _left_unanswered(session, previous, config):
        pairing.mentor_silent_rounds += 1
    else:
        pairing.mentor_silent_rounds = 0
    if pairing.mentor_silent_rounds >= config.nudges.silent_rounds_before_asking:
        # programme rule: after a few silent rounds, ask instead of nudging again
        await ask_to_continue(session, pairing=pairing, period=period, now=now)
        pairing.next_checkin_due_at = next_due(now, pairing.checkin_day, config.zone)
        return True
    await open_checkin(session, pairing=pairing, now=now, config=config)
    return True


async def remind_checkin(
    session: AsyncSession, *, checkin: Checkin, now: datetime, config: ProgrammeConfig
) -> bool:
    """The reminder at `remind_at`: asks the check-in's question once more, unless it was
    answered, contact was logged, the pair is no longer active or the check-in has expired.

    The first reminder of a period (automatic, or asked for with "not yet") is the one the
    programme allows; after it, only a reminder the mentor asked for again goes out.
    """
    if checkin.respondent_role != Role.MENTOR:
        logger.warning("check-in %s is not a mentor's: no mentor reminder", checkin.id)
        return False
    due, checkin.remind_at = checkin.remind_at, None
    if due is None:
        return False
    pairing = await session.get(Pairing, checkin.pairing_id)
    if pairing is None or pairing.status != PairingStatus.ACTIVE:
        return False
    if checkin.answer in SETTLED or not answerable(checkin, now, config):
        return False
    start, _end = period_bounds(checkin.period, config.zone)
    if await contact_logged(session, pairing.id, start):
        return False
    key = f"checkin:{pairing.id}:{checkin.period}:remind"
    if checkin.reminded_at is not None:
        # the mentor asked for this one after the first reminder: its own key
        key = f"{key}:{due.astimezone(UTC):%Y%m%dT%H%M}"
    queued = await outbox.enqueue(
        session,
        key=key,
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="checkin.reminder",
        context={
            "mentee": await mentoring.mentee_name(session, pairing),
            "period": checkin.period,
            "choices": choices(checkin.id),
        },
        now=now,
        priority=Priority.NORMAL,
    )
    checkin.reminded_at = checkin.reminded_at or now
    return queued is not None


async def escalate_checkin(
    session: AsyncSession, *, checkin: Checkin, now: datetime, config: ProgrammeConfig
) -> bool:
    """At `escalate_at`: a check-in still without an answer (or answered "not yet") and no
    contact logged since its month began gets a staff alert instead of a third message."""
    if checkin.respondent_role != Role.MENTOR:
        logger.warning("check-in %s is not a mentor's: no escalation here", checkin.id)
        return False
    checkin.escalate_at = None
    pairing = await session.get(Pairing, checkin.pairing_id)
    if pairing is None or pairing.status != PairingStatus.ACTIVE:
        return False
    if checkin.answer in SETTLED:
        return False
    start, _end = period_bounds(checkin.period, config.zone)
    if await contact_logged(session, pairing.id, start):
        return False
    return await mentoring.alert_staff_about(
        session,
        pairing=pairing,
        kind="checkin_unanswered",
        key=f"checkin:{pairing.id}:{checkin.period}:escalate",
        actor="scheduler",
        now=now,
        config=config,
    )
