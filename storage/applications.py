"""Eligibility applications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Application, ApplicationStatus, Person

__all__ = [
    "latest",
    "of_person",
    "start",
    "waiting_for_review",
    "waiting_for_review_with_person",
]


async def latest(session: AsyncSession, person_id: int) -> Application | None:
    """The person's most recent application."""
    result = await session.execute(
        select(Application)
        .where(Application.person_id == person_id)
        .order_by(Application.id.desc())
        .limit(1)
    )
    return result.scalar_one_or_none()


async def start(
    session: AsyncSession, person_id: int, source: str | None, now: datetime
) -> Application:
    """A new, empty application in progress for the person."""
    application = Application(
        person_id=person_id,
        status=ApplicationStatus.IN_PROGRESS,
        source=source,
        answers={},
        reasons=[],
        started_at=now,
    )
    session.add(application)
    await session.flush()
    return application


async def waiting_for_review(session: AsyncSession) -> Sequence[Application]:
    """Decided applications sent to staff review and not yet reviewed, oldest first."""
    result = await session.execute(
        select(Application)
        .where(
            Application.decision == "review",
            Application.status == ApplicationStatus.DECIDED,
            Application.reviewed_by.is_(None),
            Application.person_id.is_not(None),
        )
        .order_by(Application.decided_at)
    )
    return result.scalars().all()


async def of_person(session: AsyncSession, person_id: int) -> Sequence[Application]:
    """All the person's applications, oldest first."""
    result = await session.execute(
        select(Application).where(Application.person_id == person_id).order_by(Application.id)
    )
    return result.scalars().all()


async def waiting_for_review_with_person(
    session: AsyncSession,
) -> Sequence[tuple[Application, Person]]:
    """Decided applications sent to staff review and not yet reviewed, with their person,
    oldest decision first."""
    rows = await session.execute(
        select(Application, Person)
        .join(Person, Person.id == Application.person_id)
        .where(
            Application.decision == "review",
            Application.status == ApplicationStatus.DECIDED,
            Application.reviewed_by.is_(None),
        )
        .order_by(Application.decided_at, Application.id)
    )
    return [(application, person) for application, person in rows.all()]
