"""Mentor profiles: a self sign-up (`/mentorbot join`) waiting for staff, staff's decision
on it (once, whoever presses first), and the case that stands for it in the staff channel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, MentorProfile, MentorStatus

__all__ = [
    "SIGNUP_TOPIC",
    "add",
    "decide",
    "get",
    "pending",
    "signup_case",
]

# the topic of the case a sign-up opens (`Case.topic`), how staff's approval finds it again
SIGNUP_TOPIC = "mentor_signup"


async def get(session: AsyncSession, person_id: int) -> MentorProfile | None:
    """The mentor's profile, if they have one."""
    return await session.get(MentorProfile, person_id)


async def add(
    session: AsyncSession, person_id: int, now: datetime, *, status: MentorStatus
) -> MentorProfile:
    """A new profile (flushed; the caller fills it in): `status` pending for a sign-up
    waiting for staff's approval."""
    profile = MentorProfile(person_id=person_id, created_at=now, status=status)
    session.add(profile)
    await session.flush()
    return profile


async def decide(
    session: AsyncSession, person_id: int, *, status: MentorStatus, by: str, now: datetime
) -> bool:
    """Approve or decline a sign-up still pending: `status` (active or declined), when and
    by whom (`approved_at`, `approved_by` record the decision, whichever it was). One
    conditional UPDATE: of two staff members pressing at once, exactly one decides; False
    for the other (and for a sign-up decided before, or no sign-up at all)."""
    result = await session.execute(
        update(MentorProfile)
        .where(MentorProfile.person_id == person_id, MentorProfile.status == MentorStatus.PENDING)
        .values(status=status, approved_at=now, approved_by=by[:100])
        .execution_options(synchronize_session=False)
    )
    decided = bool(result.rowcount)  # type: ignore[attr-defined]
    profile = await session.get(MentorProfile, person_id)
    if profile is not None:
        await session.refresh(profile, ["status", "approved_at", "approved_by"])
    return decided


async def pending(session: AsyncSession) -> Sequence[MentorProfile]:
    """Sign-ups waiting for staff, oldest first."""
    return (
        await session.scalars(
            select(MentorProfile)
            .where(MentorProfile.status == MentorStatus.PENDING)
            .order_by(MentorProfile.created_at, MentorProfile.person_id)
        )
    ).all()


async def signup_case(session: AsyncSession, person_id: int) -> Case | None:
    """The newest case opened by the person's sign-up (whatever its state)."""
    found: Case | None = await session.scalar(
        select(Case)
        .where(Case.person_id == person_id, Case.topic == SIGNUP_TOPIC)
        .order_by(Case.id.desc())
        .limit(1)
    )
    return found
