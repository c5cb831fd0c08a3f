"""The check-in's monthly round for a batch of pairs at once: the scheduler's way (see
`rounds` for the whole picture and the one-pair functions, which call these with one pair).

Each function reads what the whole batch needs in a few statements (the previous check-ins,
the contacts logged, the messages exchanged), decides pair by pair in memory, then writes
the new check-ins in one INSERT and the messages in one multi-row outbox INSERT.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
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
from conversations.pairs.cases import Alert, open_alerts
from conversations.pairs.periods import next_due, period_bounds, period_of
from storage import batches, checkins, outbox
from storage.models import Checkin, CheckinAnswer, Pairing, PairingStatus, Priority, Role

__all__ = [
    "SETTLED",
    "ContinueChoice",
    "Window",
    "answerable",
    "choices",
    "contacts_logged",
    "continue_choices",
    "escalate_checkins",
    "monthly_rounds",
    "open_checkins",
    "remind_checkins",
    "start_checkins",
]

logger = logging.getLogger(__name__)

# answers after which nothing more is asked this month
SETTLED = (CheckinAnswer.YES, CheckinAnswer.UNREACHABLE)
# a pair and a time: (pairing id, since, until or None for "up to now")
Window = tuple[int, datetime, datetime | None]


class ContinueChoice(StrEnum):
    """The answers to "continue, pause or stop the mentoring?" (after silent rounds)."""

    CONTINUE = "continue"
    PAUSE = "pause"
    STOP = "stop"


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


def answerable(checkin: Checkin, now: datetime, config: ProgrammeConfig) -> bool:
    """A check-in can be answered during its month, and until its escalation even after
    the month ended (one asked on the 28th keeps its reminder and a few days to answer)."""
    if checkin.period == period_of(now, config.zone):
        return True
    return now < checkin.asked_at + timedelta(days=config.nudges.checkin_escalation_days)


async def contacts_logged(session: AsyncSession, windows: Collection[Window]) -> set[Window]:
    """The windows in which a contact (or the first meeting) of the pair was logged, or the
    mentor wrote to the youth through the bot (a pair that talks is not nagged): two
    statements per distinct time, whatever the number of pairs."""
    by_time: dict[tuple[datetime, datetime | None], set[int]] = {}
    for pairing_id, since, until in windows:
        by_time.setdefault((since, until), set()).add(pairing_id)
    found: set[Window] = set()
    for (since, until), pairing_ids in by_time.items():
        talked = await batches.with_interaction(session, pairing_ids, CONTACT_KINDS, since, until)
        rest = pairing_ids - talked
        talked |= await batches.with_interaction(
            session, rest, (Kind.MESSAGE,), since, until, channel=MENTOR_MESSAGE_CHANNEL
        )
        found.update((pairing_id, since, until) for pairing_id in talked)
    return found


async def start_checkins(
    session: AsyncSession,
    pairings: Sequence[Pairing],
    *,
    now: datetime,
    config: ProgrammeConfig,
    notify: bool = True,
    arm: bool = False,
) -> dict[int, Checkin]:
    """This month's check-in of each (active) pairing, asked once per month, by pairing id;
    each pairing's next due date moves to next month. With `notify` the question is queued
    to each mentor; with `arm` a new check-in gets its reminder and escalation dates."""
    period = period_of(now, config.zone)
    ids = [pairing.id for pairing in pairings]
    made = await checkins.find_many(session, ids, period, Role.MENTOR)
    nudges = config.nudges
    made |= await checkins.ask_many(
        session,
        [pairing_id for pairing_id in ids if pairing_id not in made],
        period,
        Role.MENTOR,
        now,
        remind_at=now + timedelta(days=nudges.checkin_reminder_days) if arm else None,
        escalate_at=now + timedelta(days=nudges.checkin_escalation_days) if arm else None,
    )
    for pairing in pairings:
        pairing.next_checkin_due_at = next_due(now, pairing.checkin_day, config.zone)
    if not notify:
        return made
    # "you exchanged 6 messages with Inès: did you also meet?"
    messages = await batches.interaction_counts_since(
        session, ids, (Kind.MESSAGE,), now - MESSAGES_WINDOW
    )
    await outbox.enqueue_many(
        session,
        [
            outbox.Message(
                key=f"checkin:{pairing.id}:{period}:ask",
                person_id=pairing.mentor_id,
                channel=Channel.SLACK,
                template="checkin.ask",
                context={
                    "mentee": outbox.person_ref(pairing.youth_id),
                    "period": period,
                    "choices": choices(made[pairing.id].id),
                    "messages": messages.get(pairing.id, 0),
                },
            )
            for pairing in pairings
        ],
        now,
    )
    return made


async def open_checkins(
    session: AsyncSession,
    pairings: Sequence[Pairing],
    *,
    now: datetime,
    config: ProgrammeConfig,
    notify: bool = True,
) -> dict[int, Checkin]:
    """Start this month's check-ins and arm their follow-up: one automatic reminder (unless
    the mentor already asked for one, or one went out) and the staff escalation."""
    made = await start_checkins(session, pairings, now=now, config=config, notify=notify, arm=True)
    nudges = config.nudges
    for checkin in made.values():
        if checkin.answer in SETTLED:
            continue
        if checkin.escalate_at is None:
            # once per period all the same: the alert's outbox key names the period
            checkin.escalate_at = now + timedelta(days=nudges.checkin_escalation_days)
        if checkin.remind_at is None and checkin.reminded_at is None:
            checkin.remind_at = now + timedelta(days=nudges.checkin_reminder_days)
    return made


async def monthly_rounds(
    session: AsyncSession, pairings: Sequence[Pairing], *, now: datetime, config: ProgrammeConfig
) -> set[int]:
    """The month's round of each pair whose check-in is due: count the mentor's silence,
    then either start the check-in or, after too many silent rounds, ask whether to
    continue. Returns the ids of the pairs whose round ran (the others, not active or not
    due, are left alone: running it twice in a month changes nothing twice)."""
    due = [
        pairing
        for pairing in pairings
        if pairing.status == PairingStatus.ACTIVE
        and pairing.next_checkin_due_at is not None
        and pairing.next_checkin_due_at <= now
    ]
    if not due:
        return set()
    period = period_of(now, config.zone)
    previous = await checkins.latest_before_many(
        session, [pairing.id for pairing in due], Role.MENTOR, period
    )
    # "not yet" is an answer (no contact, but the mentor is there); so is a contact logged
    # that month through the App Home instead of the check-in's buttons
    windows = {
        row.pairing_id: (row.pairing_id, *period_bounds(row.period, config.zone))
        for row in previous.values()
        if row.answer is None
    }
    contacted = await contacts_logged(session, windows.values())
    asking: list[Pairing] = []
    asked: list[Pairing] = []
    for pairing in due:
        # a round that asked "continue?" has no check-in: the one before it stays the
        # latest, and while the question is unanswered that round is silent too
        window = windows.get(pairing.id)
        if window is not None and window not in contacted:
            pairing.mentor_silent_rounds += 1
        else:
            pairing.mentor_silent_rounds = 0
        # programme rule: after a few silent rounds, ask instead of nudging again
        silent = pairing.mentor_silent_rounds >= config.nudges.silent_rounds_before_asking
        (asking if silent else asked).append(pairing)
    await ask_to_continue(session, asking, period=period, now=now)
    for pairing in asking:
        pairing.next_checkin_due_at = next_due(now, pairing.checkin_day, config.zone)
    await open_checkins(session, asked, now=now, config=config)
    return {pairing.id for pairing in due}


async def ask_to_continue(
    session: AsyncSession, pairings: Sequence[Pairing], *, period: str, now: datetime
) -> set[int]:
    """Ask each silent mentor whether to continue, pause or stop (once per period); returns
    the ids of the pairings whose question was queued now."""
    keys = {f"continue:{pairing.id}:{period}:mentor": pairing.id for pairing in pairings}
    queued = await outbox.enqueue_many(
        session,
        [
            outbox.Message(
                key=f"continue:{pairing.id}:{period}:mentor",
                person_id=pairing.mentor_id,
                channel=Channel.SLACK,
                template="silence.ask",
                context={
                    "mentee": outbox.person_ref(pairing.youth_id),
                    "rounds": pairing.mentor_silent_rounds,
                    "choices": continue_choices(pairing.id),
                },
                priority=Priority.NORMAL,
            )
            for pairing in pairings
        ],
        now,
    )
    return {keys[key] for key in queued}


async def _mentor_checkins_of_active_pairs(
    session: AsyncSession, due: Sequence[Checkin], what: str
) -> list[tuple[Checkin, Pairing]]:
    mentors = []
    for checkin in due:
        if checkin.respondent_role != Role.MENTOR:
            logger.warning("check-in %s is not a mentor's: no %s", checkin.id, what)
        else:
            mentors.append(checkin)
    found = await batches.pairings_by_id(session, {checkin.pairing_id for checkin in mentors})
    return [
        (checkin, found[checkin.pairing_id])
        for checkin in mentors
        if checkin.pairing_id in found and found[checkin.pairing_id].status == PairingStatus.ACTIVE
    ]


async def remind_checkins(
    session: AsyncSession, due: Sequence[Checkin], *, now: datetime, config: ProgrammeConfig
) -> set[int]:
    """The reminders at `remind_at`: each asks its check-in's question once more, unless it
    was answered, contact was logged, the pair is no longer active or the check-in has
    expired; returns the ids of the check-ins whose reminder was queued now.

    The first reminder of a period (automatic, or asked for with "not yet") is the one the
    programme allows; after it, only a reminder the mentor asked for again goes out.
    """
    when: dict[int, datetime] = {}
    for checkin in due:
        if checkin.respondent_role == Role.MENTOR and checkin.remind_at is not None:
            when[checkin.id], checkin.remind_at = checkin.remind_at, None
    rows = [
        (checkin, pairing)
        for checkin, pairing in await _mentor_checkins_of_active_pairs(session, due, "reminder")
        if checkin.id in when and checkin.answer not in SETTLED and answerable(checkin, now, config)
    ]
    windows = {
        checkin.id: (pairing.id, period_bounds(checkin.period, config.zone)[0], None)
        for checkin, pairing in rows
    }
    contacted = await contacts_logged(session, windows.values())
    keys: dict[str, int] = {}
    messages = []
    for checkin, pairing in rows:
        if windows[checkin.id] in contacted:
            continue
        key = f"checkin:{pairing.id}:{checkin.period}:remind"
        if checkin.reminded_at is not None:
            # the mentor asked for this one after the first reminder: its own key
            key = f"{key}:{when[checkin.id].astimezone(UTC):%Y%m%dT%H%M}"
        keys[key] = checkin.id
        messages.append(
            outbox.Message(
                key=key,
                person_id=pairing.mentor_id,
                channel=Channel.SLACK,
                template="checkin.reminder",
                context={
                    "mentee": outbox.person_ref(pairing.youth_id),
                    "period": checkin.period,
                    "choices": choices(checkin.id),
                },
                priority=Priority.NORMAL,
            )
        )
        checkin.reminded_at = checkin.reminded_at or now
    queued = await outbox.enqueue_many(session, messages, now)
    return {keys[key] for key in queued}


async def escalate_checkins(
    session: AsyncSession, due: Sequence[Checkin], *, now: datetime, config: ProgrammeConfig
) -> set[int]:
    """At `escalate_at`: each check-in still without an answer (or answered "not yet") and
    no contact logged since its month began gets a staff alert instead of a third message
    (a case, in the day's digest of unanswered check-ins; once per pair and month).
    Returns the ids of the check-ins whose alert was raised now."""
    for checkin in due:
        if checkin.respondent_role == Role.MENTOR:
            checkin.escalate_at = None
    rows = [
        (checkin, pairing)
        for checkin, pairing in await _mentor_checkins_of_active_pairs(session, due, "escalation")
        if checkin.answer not in SETTLED
    ]
    windows = {
        checkin.id: (pairing.id, period_bounds(checkin.period, config.zone)[0], None)
        for checkin, pairing in rows
    }
    contacted = await contacts_logged(session, windows.values())
    alerts = [
        (checkin, Alert(pairing, since=windows[checkin.id][1]))
        for checkin, pairing in rows
        if windows[checkin.id] not in contacted
    ]
    opened = await open_alerts(
        session,
        [alert for _, alert in alerts],
        topic="checkin_unanswered",
        actor="scheduler",
        now=now,
        config=config,
    )
    # a pair with two check-ins due (two months) gets one alert: the first check-in's
    raised: dict[int, int] = {}
    for checkin, alert in alerts:
        if alert.pairing.id in opened:
            raised.setdefault(alert.pairing.id, checkin.id)
    return set(raised.values())
