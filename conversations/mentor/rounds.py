"""The check-in's monthly round, as the scheduler runs it: sending a check-in, its one
reminder, the staff escalation, and the question to a mentor silent for several rounds.

    monthly_round (scheduler, when `next_checkin_due_at` is due)
        previous check-in unanswered? --> mentor_silent_rounds + 1, else back to 0
        silent rounds reached the setting --> "continue, pause or stop?" (`silence`), no check-in
        otherwise --> start_checkin --outbox--> "did you have contact this month?"
                      remind_at = +4 days (one automatic reminder), escalate_at = +10 days
    remind_checkin (scheduler, at remind_at) --> one reminder, unless answered or contact logged
    escalate_checkin (scheduler, at escalate_at) --> staff alert if still no answer nor contact

The mentor's answers to the check-in are in `checkin`, the answer to "continue, pause or
stop?" in `silence`; both diagrams are beside those modules (`checkin.mmd`, `silence.mmd`).
A check-in is unique per pairing, period ("YYYY-MM" in the programme's time zone) and
respondent, so starting it twice changes nothing twice. Every message has its own outbox
key, so a tick run twice sends nothing twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel
from conversations.core.programme import ProgrammeConfig
from conversations.mentor.interactions import (
    CONTACT_KINDS,
    MENTOR_MESSAGE_CHANNEL,
    MESSAGES_WINDOW,
    Kind,
)
from conversations.pairs.cases import open_alert
from conversations.pairs.periods import next_due, period_bounds, period_of
from storage import checkins, mentoring, outbox
from storage.models import (
    Checkin,
    CheckinAnswer,
    Pairing,
    PairingStatus,
    Priority,
    Role,
)

__all__ = [
    "SETTLED",
    "CheckinError",
    "ContinueChoice",
    "answerable",
    "ask_to_continue",
    "choices",
    "contact_logged",
    "continue_choices",
    "escalate_checkin",
    "monthly_round",
    "open_checkin",
    "remind_checkin",
    "start_checkin",
]

logger = logging.getLogger(__name__)

# answers after which nothing more is asked this month
SETTLED = (CheckinAnswer.YES, CheckinAnswer.UNREACHABLE)


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
    checkin = await checkins.find(session, pairing.id, period, Role.MENTOR)
    if checkin is None:
        checkin = await checkins.ask(session, pairing.id, period, Role.MENTOR, now)
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
            "mentee": outbox.person_ref(pairing.youth_id),
            "period": period,
            "choices": choices(checkin.id),
            # "you exchanged 6 messages with Inès: did you also meet?"
            "messages": await mentoring.count_interactions_since(
                session, pairing.id, (Kind.MESSAGE,), now - MESSAGES_WINDOW
            ),
        },
        now=now,
    )
    return checkin


def answerable(checkin: Checkin, now: datetime, config: ProgrammeConfig) -> bool:
    """A check-in can be answered during its month, and until its escalation even after
    the month ended (one asked on the 28th keeps its reminder and a few days to answer)."""
    if checkin.period == period_of(now, config.zone):
        return True
    return now < checkin.asked_at + timedelta(days=config.nudges.checkin_escalation_days)


async def contact_logged(
    session: AsyncSession, pairing_id: int, since: datetime, until: datetime | None = None
) -> bool:
    """A contact (or the first meeting) of the pair was logged as happening in that time,
    or the mentor wrote to the youth through the bot (a pair that talks is not nagged)."""
    if await mentoring.has_interaction(session, pairing_id, CONTACT_KINDS, since, until):
        return True
    return await mentoring.has_interaction(
        session, pairing_id, (Kind.MESSAGE,), since, until, channel=MENTOR_MESSAGE_CHANNEL
    )


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
            "mentee": outbox.person_ref(pairing.youth_id),
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
    previous = await checkins.latest_before(session, pairing.id, Role.MENTOR, period)
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
            "mentee": outbox.person_ref(pairing.youth_id),
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
    # a case, in the day's digest of unanswered check-ins; once per pair and month
    opened = await open_alert(
        session,
        pairing=pairing,
        topic="checkin_unanswered",
        since=start,
        actor="scheduler",
        now=now,
        config=config,
    )
    return opened is not None
