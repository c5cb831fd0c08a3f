"""Pairings: a youth's and a mentor's pairs, the open ones, and how many a mentor carries."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from storage.models import CloseReason, Pairing, PairingStatus, Person

__all__ = [
    "MENTOR_NEEDED_AGAIN",
    "count_of_mentor",
    "has_or_had_a_mentor",
    "latest_of_youth",
    "of_mentor_with_youth",
    "of_youth_in",
    "one_of_youth_in",
    "propose",
]


# how a mentoring can end with the youth needing a mentor again: the mentor could not go on,
# they did not get on, or it never started. After any other end (a job, studies, a business,
# giving up, contact lost) the youth's mentoring is over: they are not waiting for a mentor.
MENTOR_NEEDED_AGAIN = frozenset(
    {CloseReason.MENTOR_UNAVAILABLE, CloseReason.MISMATCH, CloseReason.CANCELLED}
)
_OPEN = (PairingStatus.PROPOSED, PairingStatus.ACTIVE, PairingStatus.PAUSED)


def has_or_had_a_mentor(
    youth_id: ColumnElement[Any] | InstrumentedAttribute[Any],
) -> ColumnElement[bool]:
    """SQL: the youth has an open pairing, or one that ended for good (a reason not in
    `MENTOR_NEEDED_AGAIN`). An eligible youth for whom this is false waits for a mentor:
    the one rule of the suggestions, the staff lists, the App Home and the weekly digest."""
    return exists().where(
        Pairing.youth_id == youth_id,
        or_(
            Pairing.status.in_(_OPEN),
            and_(
                Pairing.status == PairingStatus.CLOSED,
                # closed without a reason: not known to be an exit, so not one
                Pairing.close_reason.is_not(None),
                Pairing.close_reason.not_in(MENTOR_NEEDED_AGAIN),
            ),
        ),
    )


async def of_youth_in(
    session: AsyncSession, youth_id: int, statuses: Collection[PairingStatus]
) -> Sequence[Pairing]:
    """The youth's pairings whose status is one of `statuses`."""
    return (
        await session.scalars(
            select(Pairing).where(Pairing.youth_id == youth_id, Pairing.status.in_(statuses))
        )
    ).all()


async def latest_of_youth(
    session: AsyncSession, youth_id: int, status: PairingStatus
) -> Pairing | None:
    """The youth's most recent pairing with that status, if any."""
    return await session.scalar(
        select(Pairing)
        .where(Pairing.youth_id == youth_id, Pairing.status == status)
        .order_by(Pairing.id.desc())
        .limit(1)
    )


async def one_of_youth_in(
    session: AsyncSession, youth_id: int, statuses: Collection[PairingStatus]
) -> int | None:
    """The id of one of the youth's pairings whose status is one of `statuses`, if any."""
    return await session.scalar(
        select(Pairing.id).where(Pairing.youth_id == youth_id, Pairing.status.in_(statuses))
    )


async def count_of_mentor(
    session: AsyncSession, mentor_id: int, statuses: Collection[PairingStatus]
) -> int:
    """How many of the mentor's pairings have a status among `statuses`."""
    return int(
        await session.scalar(
            select(func.count(Pairing.id)).where(
                Pairing.mentor_id == mentor_id, Pairing.status.in_(statuses)
            )
        )
        or 0
    )


async def of_mentor_with_youth(
    session: AsyncSession, mentor_id: int
) -> Sequence[tuple[Pairing, Person]]:
    """The mentor's pairings with their youth: open ones first, then closed, newest first."""
    rows = await session.execute(
        select(Pairing, Person)
        .join(Person, Person.id == Pairing.youth_id)
        .where(Pairing.mentor_id == mentor_id)
        .order_by(Pairing.status == PairingStatus.CLOSED, Pairing.id.desc())
    )
    return [(pairing, youth) for pairing, youth in rows.all()]


async def propose(
    session: AsyncSession,
    *,
    youth_id: int,
    mentor_id: int,
    now: datetime,
    created_by: str,
    checkin_day: int,
) -> Pairing:
    """A new pairing, proposed, added and flushed (it has an id)."""
    pairing = Pairing(
        youth_id=youth_id,
        mentor_id=mentor_id,
        status=PairingStatus.PROPOSED,
        proposed_at=now,
        created_by=created_by,
        checkin_day=checkin_day,
    )
    session.add(pairing)
    await session.flush()
    return pairing
