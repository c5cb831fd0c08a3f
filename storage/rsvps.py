"""Answers to events (RSVPs): yes, maybe or no, the waiting list when the event is full,
who came; and messages to everyone who answered (reminders, a change, a cancellation),
written to the outbox with one `INSERT … SELECT`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import String, and_, case, cast, delete, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.audience import (
    DELIVERY_COLUMNS,
    Variant,
    insert_from_select,
    role_channel,
    variant_case,
)
from storage.models import Delivery, DeliveryStatus, Person, Priority, Role, Rsvp, RsvpAnswer

__all__ = [
    "answer_counts",
    "confirmed_count",
    "first_waiting",
    "forget_person",
    "get",
    "mark_attended",
    "of_event",
    "queue_to_answerers",
    "save_answer",
    "seats_of",
    "waiting_list",
    "waiting_rank",
]


async def get(session: AsyncSession, event_id: int, person_id: int) -> Rsvp | None:
    """A person's answer to an event, if any."""
    return await session.scalar(
        select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.person_id == person_id)
    )


async def save_answer(
    session: AsyncSession,
    *,
    event_id: int,
    person_id: int,
    announcement_id: int | None,
    answer: RsvpAnswer,
    waiting_since: datetime | None,
    now: datetime,
) -> Rsvp:
    """Record (or change) a person's answer; `waiting_since` puts a "yes" on the waiting
    list."""
    rsvp = await get(session, event_id, person_id)
    if rsvp is None:
        rsvp = Rsvp(event_id=event_id, person_id=person_id)
        session.add(rsvp)
    rsvp.answer = answer
    rsvp.announcement_id = announcement_id or rsvp.announcement_id
    rsvp.waiting_since = waiting_since
    rsvp.answered_at = now
    await session.flush()
    return rsvp


def _confirmed(event_id: int) -> Sequence[object]:
    return (Rsvp.event_id == event_id, Rsvp.answer == RsvpAnswer.YES, Rsvp.waiting_since.is_(None))


async def confirmed_count(session: AsyncSession, event_id: int) -> int:
    """Seats taken: "yes" not on the waiting list."""
    found = await session.scalar(
        select(func.count()).select_from(Rsvp).where(*_confirmed(event_id))  # type: ignore[arg-type]
    )
    return int(found or 0)


def _waiting(event_id: int) -> Sequence[object]:
    return (
        Rsvp.event_id == event_id,
        Rsvp.answer == RsvpAnswer.YES,
        Rsvp.waiting_since.is_not(None),
    )


async def first_waiting(session: AsyncSession, event_id: int) -> Rsvp | None:
    """The first on the waiting list (who asked first), if anyone; erased people skipped."""
    return await session.scalar(
        select(Rsvp)
        .join(Person, Person.id == Rsvp.person_id)
        .where(*_waiting(event_id), Person.erased_at.is_(None))  # type: ignore[arg-type]
        .order_by(Rsvp.waiting_since, Rsvp.id)
        .limit(1)
    )


async def waiting_rank(session: AsyncSession, rsvp: Rsvp) -> int:
    """A waiting "yes"'s place on the list, from 1."""
    if rsvp.waiting_since is None:
        return 0
    ahead = await session.scalar(
        select(func.count())
        .select_from(Rsvp)
        .where(
            *_waiting(rsvp.event_id),  # type: ignore[arg-type]
            (Rsvp.waiting_since < rsvp.waiting_since)
            | and_(Rsvp.waiting_since == rsvp.waiting_since, Rsvp.id < rsvp.id),
        )
    )
    return int(ahead or 0) + 1


async def waiting_list(session: AsyncSession, event_id: int) -> Sequence[tuple[Rsvp, Person]]:
    """The waiting list in order, with each person."""
    rows = await session.execute(
        select(Rsvp, Person)
        .join(Person, Person.id == Rsvp.person_id)
        .where(*_waiting(event_id))  # type: ignore[arg-type]
        .order_by(Rsvp.waiting_since, Rsvp.id)
    )
    return [(rsvp, person) for rsvp, person in rows.all()]


async def of_event(session: AsyncSession, event_id: int) -> Sequence[Rsvp]:
    """Every answer to an event."""
    return (await session.scalars(select(Rsvp).where(Rsvp.event_id == event_id))).all()


async def answer_counts(session: AsyncSession, event_id: int) -> dict[str, int]:
    """How many said yes (with a seat), are waiting, said maybe, no; and came."""
    bucket = case(
        (and_(Rsvp.answer == RsvpAnswer.YES, Rsvp.waiting_since.is_not(None)), "waiting"),
        else_=func.coalesce(Rsvp.answer, "none"),
    ).label("bucket")
    rows = await session.execute(
        select(bucket, func.count()).where(Rsvp.event_id == event_id).group_by(bucket)
    )
    counts = {name: 0 for name in ("yes", "waiting", "maybe", "no", "none")}
    counts.update({str(name): int(count) for name, count in rows.all()})
    attended = await session.scalar(
        select(func.count())
        .select_from(Rsvp)
        .where(Rsvp.event_id == event_id, Rsvp.attended.is_(True))
    )
    counts["attended"] = int(attended or 0)
    return counts


async def mark_attended(
    session: AsyncSession, event_id: int, person_ids: Collection[int], now: datetime
) -> int:
    """These people came (those who never answered get a row without an answer); how many
    were newly marked."""
    marked = 0
    existing = {
        rsvp.person_id: rsvp
        for rsvp in await session.scalars(
            select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.person_id.in_(person_ids))
        )
    }
    for person_id in sorted(set(person_ids)):
        rsvp = existing.get(person_id)
        if rsvp is None:
            rsvp = Rsvp(event_id=event_id, person_id=person_id)
            session.add(rsvp)
        if rsvp.attended is not True:
            marked += 1
        rsvp.attended = True
        rsvp.attendance_marked_at = now
    await session.flush()
    return marked


async def queue_to_answerers(
    session: AsyncSession,
    *,
    event_id: int,
    answers: Collection[RsvpAnswer],
    key_prefix: str,
    templates: Mapping[str, str],
    variants: Sequence[Variant],
    now: datetime,
    priority: Priority = Priority.NORMAL,
    waiting_too: bool = True,
) -> int:
    """One message to each person whose answer is among `answers` (the waiting list too
    unless `waiting_too` is False), keyed `{key_prefix}{person}`; erased people skipped.
    How many were queued."""
    template = case(
        *((Person.role == role, literal(key, String)) for role, key in templates.items()),
        else_=literal(templates[Role.YOUTH], String),
    )
    conditions = [
        Rsvp.event_id == event_id,
        Rsvp.answer.in_([str(answer) for answer in answers]),
        Person.erased_at.is_(None),
    ]
    if not waiting_too:
        conditions.append(Rsvp.waiting_since.is_(None))
    query = (
        select(
            literal(key_prefix, String) + cast(Person.id, String),
            Person.id,
            literal(int(priority)),
            role_channel(),
            template,
            variant_case(session, variants),
            literal(str(DeliveryStatus.PENDING), String),
            literal(0),
            literal(now, Delivery.next_attempt_at.type),
            literal(now, Delivery.created_at.type),
        )
        .select_from(Rsvp)
        .join(Person, Person.id == Rsvp.person_id)
        .where(*conditions)
    )
    return await insert_from_select(session, query, DELIVERY_COLUMNS)


async def seats_of(session: AsyncSession, person_id: int) -> Sequence[int]:
    """The events where the person holds a seat ("yes", not waiting)."""
    return (
        await session.scalars(
            select(Rsvp.event_id).where(
                Rsvp.person_id == person_id,
                Rsvp.answer == RsvpAnswer.YES,
                Rsvp.waiting_since.is_(None),
            )
        )
    ).all()


async def forget_person(session: AsyncSession, person_id: int) -> None:
    """Erasure: the person's answers go (counts of an event lose them)."""
    await session.execute(delete(Rsvp).where(Rsvp.person_id == person_id))
