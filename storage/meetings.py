"""First meetings a mentor proposes: the open proposal of a pair, a new one replacing it,
and the due dates the scheduler reads (the reminder the day before, the question after)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Meeting, MeetingState

__all__ = [
    "OPEN_STATES",
    "add",
    "cancel_open",
    "followups_due",
    "of_pairing",
    "open_of_pairing",
    "reminders_due",
]

# a proposal not yet answered, or accepted and not yet past: what a new proposal replaces
OPEN_STATES = (MeetingState.PROPOSED, MeetingState.ACCEPTED)


async def open_of_pairing(session: AsyncSession, pairing_id: int) -> Meeting | None:
    """The pair's open meeting (proposed or accepted), the newest if several."""
    found: Meeting | None = await session.scalar(
        select(Meeting)
        .where(Meeting.pairing_id == pairing_id, Meeting.state.in_(OPEN_STATES))
        .order_by(Meeting.id.desc())
        .limit(1)
    )
    return found


async def of_pairing(session: AsyncSession, pairing_id: int) -> Sequence[Meeting]:
    """Every meeting proposed in the pair, oldest first."""
    return (
        await session.scalars(
            select(Meeting).where(Meeting.pairing_id == pairing_id).order_by(Meeting.id)
        )
    ).all()


async def cancel_open(session: AsyncSession, pairing_id: int) -> list[Meeting]:
    """Cancel the pair's open meetings (a new proposal replaces them): nothing more is due
    for them, and their buttons say they were replaced."""
    found = (
        await session.scalars(
            select(Meeting).where(Meeting.pairing_id == pairing_id, Meeting.state.in_(OPEN_STATES))
        )
    ).all()
    for meeting in found:
        meeting.state = MeetingState.CANCELLED
        meeting.reminder_due_at = meeting.followup_due_at = None
    return list(found)


async def add(
    session: AsyncSession,
    *,
    pairing_id: int,
    starts_at: datetime,
    place: str | None,
    now: datetime,
    followup_due_at: datetime | None,
) -> Meeting:
    """A new proposal, waiting for the youth's answer."""
    meeting = Meeting(
        pairing_id=pairing_id,
        starts_at=starts_at,
        place=place[:200] if place else None,
        state=MeetingState.PROPOSED,
        proposed_at=now,
        followup_due_at=followup_due_at,
    )
    session.add(meeting)
    await session.flush()
    return meeting


def reminders_due(now: datetime) -> Select[Meeting]:
    """Meetings whose reminder is due (the indexed `reminder_due_at`), oldest first."""
    return select(Meeting).where(Meeting.reminder_due_at <= now).order_by(Meeting.reminder_due_at)


def followups_due(now: datetime) -> Select[Meeting]:
    """Meetings past their date whose "did it happen?" is due (the indexed
    `followup_due_at`), oldest first."""
    return select(Meeting).where(Meeting.followup_due_at <= now).order_by(Meeting.followup_due_at)
