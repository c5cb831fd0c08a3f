"""Eligibility applications."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Application, ApplicationStatus, Person
from storage.rows import insert_row, update_row

__all__ = [
    "latest",
    "of_person",
    "set_answers",
    "start",
    "waiting_for_review",
    "waiting_for_review_with_person",
]


async def latest(session: AsyncSession, person_id: int) -> Application | None:
    """The person's most recent application."""
    result = await session.execute(_latest_statement(), {"person_id": person_id})
    return result.scalar_one_or_none()


@cache
def _latest_statement() -> Executable:
    return (
        select(Application)
        .where(Application.person_id == bindparam("person_id"))
        .order_by(Application.id.desc())
        .limit(1)
    )


async def start(
    session: AsyncSession, person_id: int, source: str | None, now: datetime
) -> Application:
    """A new, empty application in progress for the person (a Core insert, as
    `storage.rows` explains)."""
    return await insert_row(
        session,
        Application,
        {
            "person_id": person_id,
            "status": ApplicationStatus.IN_PROGRESS,
            "source": source,
            "answers": {},
            "reasons": [],
            "started_at": now,
        },
    )


async def set_answers(
    session: AsyncSession, application: Application, answers: dict[str, Any]
) -> None:
    """Store the application's answers (each answer of the eligibility flow does): one Core
    UPDATE of that column, the object kept in step with the row (`storage.rows`)."""
    await update_row(session, Application, application.id, {"answers": answers})


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
