"""Cases: open one, take it, resolve it, list the open ones."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Case, CaseState
from storage.models.cases import MAX_CASE_TEXT

__all__ = ["get", "open_case", "open_cases", "open_of_person", "resolve", "take"]


async def open_case(
    session: AsyncSession,
    *,
    kind: str,
    person_id: int | None,
    pairing_id: int | None,
    text: str | None,
    now: datetime,
) -> Case:
    """A new open case, flushed (it has its id)."""
    case = Case(
        kind=kind,
        person_id=person_id,
        pairing_id=pairing_id,
        text=text[:MAX_CASE_TEXT] if text else None,
        state=CaseState.OPEN,
        opened_at=now,
    )
    session.add(case)
    await session.flush()
    return case


async def get(session: AsyncSession, case_id: int) -> Case | None:
    """The case with that id, if any."""
    return await session.get(Case, case_id)


def take(case: Case, *, owner: str, now: datetime) -> None:
    """`owner` (a staff member's Slack id) takes the case."""
    case.state, case.owner, case.taken_at = CaseState.TAKEN, owner, now


def resolve(case: Case, *, by: str, now: datetime) -> None:
    """The case is resolved (by `by`, who owns it from then on if nobody did)."""
    case.state, case.resolved_at = CaseState.RESOLVED, now
    if case.owner is None:
        case.owner = by


async def open_cases(session: AsyncSession) -> Sequence[Case]:
    """Cases not yet resolved (open or taken), oldest first."""
    return (
        await session.scalars(
            select(Case).where(Case.state != CaseState.RESOLVED).order_by(Case.opened_at, Case.id)
        )
    ).all()


async def open_of_person(session: AsyncSession, person_id: int, kind: str) -> Sequence[Case]:
    """The person's cases of `kind` not yet resolved."""
    return (
        await session.scalars(
            select(Case).where(
                Case.person_id == person_id, Case.kind == kind, Case.state != CaseState.RESOLVED
            )
        )
    ).all()
