"""A first meeting's dates and the messages about it that the scheduler sends: the reminder
the day before (both sides) and, after the date, the mentor's one "did it happen?".

Also what the meeting flow (`meeting`, `meeting_answers`) and the email sharing share with
them: when the reminder is due, each person's time zone, and where a message to the mentor
goes (the pair's thread, queued with `mentor_context` or answered with `tell_mentor`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Channel, Choice, Reply
from conversations.core.programme import ProgrammeConfig
from conversations.core.response import Response
from conversations.pairs import access
from conversations.pairs.followup import is_followed
from conversations.rules.calendar import Place, SendingWindow, is_open
from storage import outbox, people, threads
from storage.models import Meeting, MeetingState, Pairing, Person, Priority

__all__ = [
    "FOLLOWUP_AFTER",
    "REMINDER_BEFORE",
    "ask_if_held",
    "mentor_context",
    "moment",
    "propose_again",
    "reminder_time",
    "send_reminder",
    "tell_mentor",
    "youth_on_telegram",
    "zone_of",
]

# the reminder: a day before; the question whether it happened: two hours after the start
REMINDER_BEFORE = timedelta(hours=24)
FOLLOWUP_AFTER = timedelta(hours=2)
# a reminder moved earlier into sending hours goes out at least this long before they close
_BEFORE_CLOSING = timedelta(minutes=30)
# how many days before the reminder's day it may be moved to (a Monday meeting: Friday)
_EARLIER_DAYS = 3


def zone_of(person: Person | None, config: ProgrammeConfig) -> ZoneInfo:
    """The person's time zone (overseas regions have their own), else the programme's."""
    return Place.of_region(person.region if person else None, config.zone).zone


def reminder_time(
    starts_at: datetime, now: datetime, window: SendingWindow, place: Place
) -> datetime | None:
    """When the reminder of a meeting starting at `starts_at` is due: a day before, moved
    earlier into the sending hours of the youth's place when that falls outside them (so
    quiet hours do not push it to the day itself); None when the meeting is less than a day
    away (nobody needs reminding of it)."""
    wanted = starts_at - REMINDER_BEFORE
    if wanted <= now:
        return None
    if is_open(wanted, window, place):
        return wanted
    local = wanted.astimezone(place.zone)
    for back in range(_EARLIER_DAYS + 1):
        day = local.date() - timedelta(days=back)
        opens = datetime.combine(day, window.opens, tzinfo=place.zone)
        if not is_open(opens, window, place):
            continue  # not a working day there
        latest = datetime.combine(day, window.closes, tzinfo=place.zone) - _BEFORE_CLOSING
        moment = min(wanted, max(latest, opens))
        if opens <= moment and moment > now:
            return moment
    return wanted


async def youth_on_telegram(session: AsyncSession, youth: Person | None) -> bool:
    """Whether the youth can be written to on Telegram (an account, not erased, not having
    blocked the bot)."""
    if youth is None or youth.erased_at is not None or youth.unreachable_at is not None:
        return False
    return await people.find_identity_on(session, youth.id, Channel.TELEGRAM) is not None


async def mentor_context(session: AsyncSession, pairing: Pairing, **context: Any) -> dict[str, Any]:
    """A message to the mentor about the pair: posted in the pair's thread when there is
    one (the introduction's), with the mentee named at send time."""
    found = await threads.of_pairing(session, pairing.id)
    extra = {"thread_ts": found.ts} if found is not None else {}
    return {
        "pairing": pairing.id,
        "mentee": outbox.person_ref(pairing.youth_id),
        **extra,
        **context,
    }


def moment(meeting: Meeting, person: Person | None, config: ProgrammeConfig) -> dict[str, Any]:
    """The meeting's day, hour and place as a message shows them, in `person`'s time zone
    (JSON-ready: the outbox keeps contexts as JSON)."""
    return {
        "starts_at": meeting.starts_at.isoformat(),
        "time_zone": zone_of(person, config).key,
        "place": meeting.place or "",
    }


async def tell_mentor(
    session: AsyncSession,
    result: Response,
    mentor: Person,
    pairing: Pairing,
    key: str,
    context: dict[str, object],
    choices: tuple[Choice, ...] = (),
) -> None:
    """An answer to the mentor about the pair, in the pair's thread when there is one."""
    found = await threads.of_pairing(session, pairing.id)
    result.replies.append(
        Reply(
            key,
            context={"mentee": await access.mentee_name(session, pairing), **context},
            choices=choices,
            locale=mentor.locale,
            thread=found.ts if found is not None else None,
        )
    )


def propose_again(pairing: Pairing) -> tuple[Choice, ...]:
    """The button that opens the proposal form again."""
    return (Choice("choice.meeting.propose", codec.encode("mp", pairing.id)),)


async def _people(session: AsyncSession, pairing: Pairing) -> tuple[Person | None, Person | None]:
    return await session.get(Person, pairing.youth_id), await session.get(Person, pairing.mentor_id)


async def send_reminder(
    session: AsyncSession, meeting: Meeting, now: datetime, config: ProgrammeConfig
) -> bool:
    """The reminder the day before, once, to both sides, if the meeting is still on (it was
    accepted, the pair is active, they have not met already, the youth has not left); True
    when it was queued."""
    meeting.reminder_due_at = None
    pairing = await session.get(Pairing, meeting.pairing_id)
    if pairing is None or meeting.state != MeetingState.ACCEPTED or meeting.starts_at <= now:
        return False
    youth, mentor = await _people(session, pairing)
    if (
        not is_followed(pairing.status)
        or pairing.first_meeting_at is not None  # they met already ("first meeting held")
        or youth is None
        or youth.erased_at is not None
    ):
        return False
    meeting.reminded_at = now
    # not between people, so in sending hours; but not budgeted: a check-in the same day
    # must not push the reminder past the meeting
    if await youth_on_telegram(session, youth):
        await outbox.enqueue(
            session,
            key=f"meeting:{meeting.id}:reminder:youth",
            person_id=pairing.youth_id,
            channel=Channel.TELEGRAM,
            template="meeting.youth.reminder",
            context={
                "mentor": outbox.person_ref(pairing.mentor_id),
                **moment(meeting, youth, config),
            },
            now=now,
            priority=Priority.URGENT,
        )
    await outbox.enqueue(
        session,
        key=f"meeting:{meeting.id}:reminder:mentor",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="meeting.mentor.reminder",
        context=await mentor_context(session, pairing, **moment(meeting, mentor, config)),
        now=now,
        priority=Priority.URGENT,
    )
    return True


async def ask_if_held(
    session: AsyncSession, meeting: Meeting, now: datetime, config: ProgrammeConfig
) -> bool:
    """After the date, ask the mentor once whether the meeting took place (unless it was
    declined or replaced, the first meeting is logged already, or the pair is not going
    on); True when the question was queued."""
    meeting.followup_due_at = None
    pairing = await session.get(Pairing, meeting.pairing_id)
    if pairing is None or meeting.state not in (MeetingState.PROPOSED, MeetingState.ACCEPTED):
        return False
    youth, mentor = await _people(session, pairing)
    if (
        not is_followed(pairing.status)
        or pairing.first_meeting_at is not None
        or youth is None
        or youth.erased_at is not None
    ):
        return False
    meeting.followed_up_at = now
    choices = [
        ["choice.meeting.held_yes", codec.encode("mh", meeting.id, value="yes")],
        ["choice.meeting.held_no", codec.encode("mh", meeting.id, value="no")],
    ]
    await outbox.enqueue(
        session,
        key=f"meeting:{meeting.id}:held",
        person_id=pairing.mentor_id,
        channel=Channel.SLACK,
        template="meeting.mentor.held_question",
        context=await mentor_context(
            session, pairing, choices=choices, **moment(meeting, mentor, config)
        ),
        now=now,
    )
    return True
