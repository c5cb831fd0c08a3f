"""Answering an event: "I'll come", "Maybe", "No" under an announcement, for youths
(Telegram) and mentors (Slack) alike; both routers call `on_rsvp` for the `rv` button.

An answer can change until the event starts. With a capacity, "I'll come" beyond it puts
the person on the waiting list with their rank; when someone with a seat changes their
answer, the first one waiting moves up and is told (with the calendar file). "I'll come"
is answered with a confirmation, the link or the address, and an `.ics` file.

Old buttons are answered kindly and change nothing: a cancelled event, one already
started, the same answer twice, an unknown announcement. Someone who turned announcements
off may still answer the event they were told about (reminders follow their answer).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.core import codec
from conversations.core.messages import Attachment, Choice, Reply
from conversations.core.turn import Turn
from conversations.pairs.event_notices import calendar_file, event_context, side
from conversations.rules.regions import REGION_TIMEZONES
from storage import events, outbox, people, relay_files, rsvps
from storage.models import (
    Announcement,
    Event,
    EventState,
    Person,
    Priority,
    Rsvp,
    RsvpAnswer,
)

__all__ = [
    "ACTION",
    "Outcome",
    "RsvpResult",
    "answer",
    "give_up_seats",
    "move_up_all",
    "on_rsvp",
    "reply_for",
    "rsvp_choices",
    "stored_choices",
]

ACTION = "rv"
ANSWERS = tuple(RsvpAnswer)


class Outcome(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    MAYBE = "maybe"
    NO = "no"
    # the same answer again: nothing changes
    UNCHANGED = "unchanged"
    CANCELLED = "cancelled"
    STARTED = "started"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RsvpResult:
    """What an answer did; `event` is None when the announcement is unknown."""

    outcome: Outcome
    event: Event | None = None
    rsvp: Rsvp | None = None
    rank: int = 0
    # the person moved up from the waiting list by this answer, if any
    promoted: int | None = None


def rsvp_choices(announcement_id: int) -> tuple[Choice, ...]:
    """The three buttons under an announcement (the same words for youths and mentors)."""
    return tuple(
        Choice(_key("button", value), codec.encode(ACTION, announcement_id, value=value))
        for value in ANSWERS
    )


def stored_choices(announcement_id: int) -> list[list[str]]:
    """The same buttons as an outbox context stores them."""
    return [[choice.label_key, choice.value] for choice in rsvp_choices(announcement_id)]


def _key(folder: str, name: str) -> str:
    return "events." + folder + "." + name


async def answer(
    session: AsyncSession, *, person: Person, announcement_id: int, value: str, now: datetime
) -> RsvpResult:
    """Record `person`'s answer (`yes`, `maybe`, `no`) to the announcement's event."""
    announcement = await session.get(Announcement, announcement_id)
    if announcement is None or value not in ANSWERS:
        return RsvpResult(Outcome.UNKNOWN)
    event = await events.lock_event(session, announcement.event_id)
    if event is None:
        return RsvpResult(Outcome.UNKNOWN)
    if event.state == EventState.CANCELLED:
        return RsvpResult(Outcome.CANCELLED, event)
    if now >= event.starts_at:
        return RsvpResult(Outcome.STARTED, event)
    wanted = RsvpAnswer(value)
    before = await rsvps.get(session, event.id, person.id)
    if before is not None and before.answer == wanted:
        rank = await rsvps.waiting_rank(session, before)
        return RsvpResult(Outcome.UNCHANGED, event, before, rank)
    had_seat = (
        before is not None and before.answer == RsvpAnswer.YES and before.waiting_since is None
    )
    waiting_since = None
    if wanted is RsvpAnswer.YES and event.capacity is not None:
        taken = await rsvps.confirmed_count(session, event.id)
        if taken >= event.capacity:
            waiting_since = now
    rsvp = await rsvps.save_answer(
        session,
        event_id=event.id,
        person_id=person.id,
        announcement_id=announcement.id,
        answer=wanted,
        waiting_since=waiting_since,
        now=now,
    )
    promoted = await _move_up(session, event, now) if had_seat else None
    if wanted is RsvpAnswer.YES:
        if waiting_since is not None:
            rank = await rsvps.waiting_rank(session, rsvp)
            return RsvpResult(Outcome.WAITLISTED, event, rsvp, rank, promoted)
        return RsvpResult(Outcome.CONFIRMED, event, rsvp, 0, promoted)
    outcome = Outcome.MAYBE if wanted is RsvpAnswer.MAYBE else Outcome.NO
    return RsvpResult(outcome, event, rsvp, 0, promoted)


async def move_up_all(session: AsyncSession, event: Event, now: datetime) -> list[int]:
    """Seats are free (a larger capacity): the first ones waiting get them, in order, and
    are told; their ids."""
    moved: list[int] = []
    while (promoted := await _move_up(session, event, now)) is not None:
        moved.append(promoted)
    return moved


async def give_up_seats(session: AsyncSession, person_id: int, now: datetime) -> list[int]:
    """The person is being erased: their answers go, and each seat they held on an event
    still to come goes to the first one waiting, who is told; the ids moved up."""
    held = await rsvps.seats_of(session, person_id)
    await rsvps.forget_person(session, person_id)
    moved: list[int] = []
    for event_id in held:
        event = await session.get(Event, event_id)
        if event is not None and event.state != EventState.CANCELLED and event.starts_at > now:
            moved += await move_up_all(session, event, now)
    return moved


async def _move_up(session: AsyncSession, event: Event, now: datetime) -> int | None:
    """A seat is free: the first one waiting gets it and is told, with the calendar file."""
    if event.capacity is None:
        return None
    if await rsvps.confirmed_count(session, event.id) >= event.capacity:
        return None
    first = await rsvps.first_waiting(session, event.id)
    if first is None:
        return None
    waited_since = first.waiting_since
    first.waiting_since = None
    await session.flush()
    person = await session.get(Person, first.person_id)
    identity = await people.first_identity(session, first.person_id)
    if person is None or identity is None:
        return first.person_id
    ics = calendar_file(event, now)
    file_id = await relay_files.store(
        session, filename=ics.filename, mime_type=ics.mime_type, content=ics.content, now=now
    )
    stamp = int(waited_since.timestamp()) if waited_since else 0
    await outbox.enqueue(
        session,
        key=f"event:{event.id}:seat:{person.id}:{stamp}",
        person_id=person.id,
        channel=identity.channel,
        template=_key(side(person.role), "promoted"),
        context={
            **event_context(event),
            "file": file_id,
            "not_after": event.starts_at.isoformat(),
        },
        now=now,
        # they asked for a seat: told at once, not held back by the daily budget
        priority=Priority.URGENT,
    )
    return person.id


def reply_for(result: RsvpResult, person: Person, now: datetime) -> Reply:
    """What the person who pressed the button is told."""
    folder = side(person.role)
    event = result.event
    if event is None:
        return Reply(_key(folder, "rsvp_unknown"), locale=person.locale)
    context: dict[str, Any] = {
        **event_context(event),
        "zone": _zone_of(person),
        "rank": result.rank,
        "answer": result.rsvp.answer if result.rsvp is not None else "",
        "waiting": bool(result.rsvp is not None and result.rsvp.waiting_since is not None),
        "opted_out": person.announcements_opt_out_at is not None,
    }
    attachment: Attachment | None = None
    if result.outcome is Outcome.CONFIRMED:
        attachment = calendar_file(event, now)
    return Reply(
        _key(folder, f"rsvp_{result.outcome}"),
        context,
        locale=person.locale,
        attachment=attachment,
    )


def _zone_of(person: Person) -> str:
    """The person's time zone name ("" for the programme's)."""
    return REGION_TIMEZONES.get((person.region or "").lower(), "")


async def on_rsvp(turn: Turn, button: codec.Button) -> None:
    """The `rv` button, pressed by a youth or a mentor."""
    person = turn.person
    result = await answer(
        turn.session, person=person, announcement_id=button.id, value=button.value, now=turn.now
    )
    turn.response.replies.append(reply_for(result, person, turn.now))
