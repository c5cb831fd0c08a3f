"""Support requests: a person asking to talk to a human (or a case opened for staff)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, SupportRequest

__all__ = ["add_request", "resolve_open", "unresolved_with_person"]


def add_request(
    session: AsyncSession, *, person_id: int, kind: str, message: str | None, now: datetime
) -> SupportRequest:
    """A new, unresolved support request, added to the session (not flushed)."""
    request = SupportRequest(person_id=person_id, kind=kind, message=message, created_at=now)
    session.add(request)
    return request


async def unresolved_with_person(
    session: AsyncSession,
) -> Sequence[tuple[SupportRequest, Person | None]]:
    """Requests not yet resolved with their person (None once erased), oldest first."""
    rows = await session.execute(
        select(SupportRequest, Person)
        .outerjoin(Person, Person.id == SupportRequest.person_id)
        .where(SupportRequest.resolved_at.is_(None))
        .order_by(SupportRequest.created_at, SupportRequest.id)
    )
    return [(request, person) for request, person in rows.all()]


async def resolve_open(
    session: AsyncSession, *, person_id: int, kind: str, by: str, now: datetime
) -> int:
    """Mark the person's open requests of `kind` handled (their case was resolved); how many."""
    result = await session.execute(
        update(SupportRequest)
        .where(
            SupportRequest.person_id == person_id,
            SupportRequest.kind == kind,
            SupportRequest.resolved_at.is_(None),
        )
        .values(resolved_at=now, resolved_by=by[:100])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
